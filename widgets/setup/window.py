"""The "Operation set-up" window for administrators: one tab per part of the operation. It
shows a SetupState and relays what the administrator asks for; the console does the writing."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit, QTabWidget, QVBoxLayout, QWidget

from console.types import SetupState
from widgets.setup.cameras import CamerasTab
from widgets.setup.categories import categories_tab
from widgets.setup.locations import locations_tab
from widgets.setup.officers import officers_tab
from widgets.setup.operation import OperationTab
from widgets.setup.operators import operators_tab
from widgets.setup.section import SectionTab
from widgets.setup.teams_units import TeamsUnitsTab
from widgets.setup.tiers import tiers_tab


class SetupWindow(QWidget):
    save_requested = Signal(str, int, object)  # section, row id (0: new), values
    remove_requested = Signal(str, int)
    active_requested = Signal(str, int, bool)
    test_requested = Signal(int, object)  # camera id (0: not saved yet), typed values
    closed = Signal()

    def __init__(self, choices: dict[str, tuple[str, ...]], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("setupWindow")
        self.setWindowTitle("Operation set-up")
        self.resize(1280, 860)
        self.state: SetupState | None = None
        self.banner = QLabel("")
        self.banner.setObjectName("panelHeading")
        self.banner.setWordWrap(True)
        self.operation = OperationTab()
        self.tiers = tiers_tab()
        self.categories = categories_tab(choices.get("category_kinds", ()))
        self.locations = locations_tab()
        self.cameras = CamerasTab(choices.get("camera_kinds", ()))
        self.teams_units = TeamsUnitsTab(choices.get("unit_kinds", ()))
        self.officers = officers_tab()
        self.operators = operators_tab(choices.get("roles", ()))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("setupTabs")
        for widget, title in (
            (self.operation, "Operation"),
            (self.tiers, "Tiers"),
            (self.categories, "Categories"),
            (self.locations, "Locations"),
            (self.cameras, "Cameras"),
            (self.teams_units, "Teams && units"),
            (self.officers, "Officers"),
            (self.operators, "Operators && roles"),
        ):
            self.tabs.addTab(widget, title)
        for tab in self.sections.values():
            tab.save_requested.connect(self.save_requested)
            tab.remove_requested.connect(self.remove_requested)
            tab.active_requested.connect(self.active_requested)
        self.cameras.test_requested.connect(self.test_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)

    @property
    def sections(self) -> dict[str, SectionTab]:
        """The tab that edits each section (masks are edited on the cameras tab)."""
        return {
            "tiers": self.tiers,
            "categories": self.categories,
            "locations": self.locations,
            "cameras": self.cameras,
            "teams": self.teams_units.teams,
            "units": self.teams_units.units,
            "officers": self.officers,
            "operators": self.operators,
        }

    def tab_for(self, section: str) -> SectionTab:
        return self.sections["cameras" if section == "masks" else section]

    def show_state(self, state: SetupState, default_name: str = "") -> None:
        self.state = state
        self.operation.show_operation(state.operation, default_name)
        exists = state.operation_id is not None
        for index in range(1, self.tabs.count()):
            # Operators exist before any operation (the administrator who creates it).
            self.tabs.setTabEnabled(index, exists or self.tabs.widget(index) is self.operators)
        self.banner.setText(
            f"Setting up {state.operation.get('title') or state.operation.get('name')}" if exists
            else "First run: create the operation on the Operation tab (or import an operation file)."
        )  # fmt: skip
        tabs = self.sections
        keys = {sec: [str(r.values.get(tabs[sec].ident, "")) for r in rows] for sec, rows in state.sections.items()
                if sec in tabs}  # fmt: skip
        self.cameras.form.set_choices("location", keys.get("locations", []))
        self.teams_units.units.form.set_choices("team", keys.get("teams", []))
        self.officers.form.set_choices("team", keys.get("teams", []))
        self.officers.form.set_choices("unit", keys.get("units", []))
        for section, tab in self.sections.items():
            tab.show_rows(state.sections.get(section, ()))
        self.cameras.show_masks(state.sections.get("masks", ()))

    def texts(self) -> list[str]:
        """Every text the window shows or holds in an editor (a test looks for passwords in them)."""
        found: list[str] = [self.windowTitle()]
        for widget in self.findChildren(QWidget):
            if isinstance(widget, QLabel | QAbstractButton):
                found.append(widget.text())
            elif isinstance(widget, QLineEdit):
                hidden = widget.echoMode() != QLineEdit.EchoMode.Normal  # typed, shown as dots
                found += [widget.displayText(), widget.placeholderText()] + ([] if hidden else [widget.text()])
            elif isinstance(widget, QPlainTextEdit):
                found.append(widget.toPlainText())
        for tab in self.sections.values():
            model = tab.model
            for r in range(model.rowCount()):
                found += [str(model.data(model.index(r, c))) for c in range(model.columnCount())]
        return found

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
