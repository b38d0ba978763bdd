"""The tag form: category, then a subject (search or new) or a vehicle (VRM, make, model,
colour, direction), and notes. Built for speed: the category box takes the first letters, Tab
moves on, the panel's save key saves. It emits intent; the console checks and saves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.keymap import PanelKeys, key_sequence

DIRECTIONS = ("", "north", "south", "east", "west", "towards the station", "towards the town centre", "parked")
NEW_SUBJECT = -1
# (ok, normalised or problem) for a VRM as typed; the console gives the real checker
VrmChecker = Callable[[str, bool], tuple[bool, str]]


@dataclass(frozen=True)
class TagFields:
    category_key: str
    subject_id: int | None  # an existing subject, or None
    new_subject_description: str  # set when a new subject is to be created
    new_subject_age_band: str
    vrm: str
    foreign: bool
    make: str
    model: str
    colour: str
    direction: str
    notes: str


class TagForm(QWidget):
    save_requested = Signal(object)  # TagFields
    cancel_requested = Signal()
    subject_search = Signal(str, str)  # text, category key
    remove_box_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagForm")
        self._kinds: dict[str, str] = {}
        self.vrm_checker: VrmChecker | None = None
        self.heading = QLabel("Tag a sighting")
        self.heading.setObjectName("panelHeading")
        self.heading.setWordWrap(True)
        self.boxes_label = QLabel("Draw a box round each person or vehicle on the frozen picture.")
        self.boxes_label.setWordWrap(True)
        self.remove_box = QPushButton("Remove last box")
        self.remove_box.clicked.connect(self.remove_box_requested)

        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.currentIndexChanged.connect(self._on_category)

        self.subject_box = QGroupBox("Subject")
        self.subject_query = QLineEdit()
        self.subject_query.setPlaceholderText("Search by reference or description")
        self.subject_query.setAccessibleName("Subject search")
        self.subject_list = QListWidget()
        self.subject_list.setMaximumHeight(120)
        self.subject_list.setAccessibleName("Subjects found")
        self.new_description = QLineEdit()
        self.new_description.setPlaceholderText("Description, for a new subject")
        self.new_age_band = QComboBox()
        self.new_age_band.addItems(["", "under 18", "18-24", "25-34", "35-44", "45-54", "55+"])
        subject_layout = QFormLayout(self.subject_box)
        subject_layout.addRow("Find", self.subject_query)
        subject_layout.addRow(self.subject_list)
        subject_layout.addRow("New: description", self.new_description)
        subject_layout.addRow("Age band", self.new_age_band)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(
            lambda: self.subject_search.emit(self.subject_query.text(), self.category_key)
        )
        self.subject_query.textChanged.connect(lambda _: self._search_timer.start())

        self.vehicle_box = QGroupBox("Vehicle")
        self.vrm = QLineEdit()
        self.vrm.setPlaceholderText("Registration, e.g. OY09 FEU")
        self.vrm.setAccessibleName("Registration mark")
        self.vrm.textEdited.connect(self._on_vrm_typed)
        self.foreign = QCheckBox("foreign / other format")
        self.foreign.toggled.connect(lambda _: self._on_vrm_typed(self.vrm.text()))
        self.vrm_status = QLabel("")
        self.vrm_status.setWordWrap(True)
        self.vrm_status.setObjectName("vrmStatus")
        self.make, self.model, self.colour = QLineEdit(), QLineEdit(), QLineEdit()
        self.direction = QComboBox()
        self.direction.setEditable(True)
        self.direction.addItems(list(DIRECTIONS))
        vehicle_layout = QFormLayout(self.vehicle_box)
        vehicle_layout.addRow("VRM", self.vrm)
        vehicle_layout.addRow("", self.foreign)
        vehicle_layout.addRow(self.vrm_status)
        vehicle_layout.addRow("Make", self.make)
        vehicle_layout.addRow("Model", self.model)
        vehicle_layout.addRow("Colour", self.colour)
        vehicle_layout.addRow("Direction", self.direction)

        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(70)
        save_keys = key_sequence("panel.save").toString(QKeySequence.SequenceFormat.NativeText)
        cancel_keys = key_sequence("panel.cancel").toString(QKeySequence.SequenceFormat.NativeText)
        self.save = QPushButton(f"Save tag ({save_keys})")
        self.cancel = QPushButton(f"Cancel ({cancel_keys})")
        self.save.clicked.connect(self.submit)
        self.cancel.clicked.connect(self.cancel_requested)
        self.message = QLabel("")
        self.message.setObjectName("panelStatus")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        boxes_row = QHBoxLayout()
        boxes_row.addWidget(self.boxes_label, 1)
        boxes_row.addWidget(self.remove_box)
        layout.addLayout(boxes_row)
        category_row = QFormLayout()
        category_row.addRow("Category", self.category)
        layout.addLayout(category_row)
        layout.addWidget(self.subject_box)
        layout.addWidget(self.vehicle_box)
        layout.addWidget(self.notes)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save, 1)
        buttons.addWidget(self.cancel)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        inputs = [
            self.category,
            self.subject_query,
            self.subject_list,
            self.new_description,
            self.new_age_band,
            self.vrm,
            self.foreign,
            self.make,
            self.model,
            self.colour,
            self.direction,
            self.notes,
            self.save,
            self.cancel,
        ]
        self._keys = PanelKeys({"panel.save": self.submit, "panel.cancel": self.cancel_requested.emit}, inputs, self)
        self._on_category()

    # -- set-up from the console ------------------------------------------------------------------

    def set_categories(self, categories: Sequence[tuple[str, str, str]]) -> None:
        """(key, label, kind) in the operation's order."""
        self.category.blockSignals(True)
        self.category.clear()
        self._kinds = {}
        for key, label, kind in categories:
            self.category.addItem(label, key)
            self._kinds[key] = kind
        self.category.blockSignals(False)
        self._on_category()

    @property
    def category_key(self) -> str:
        return str(self.category.currentData() or "")

    def begin(self, heading: str) -> None:
        """A new tag: clear the form (keeping the category), say where, focus the category."""
        self.heading.setText(heading)
        for line in (self.subject_query, self.new_description, self.vrm, self.make, self.model, self.colour):
            line.clear()
        self.subject_list.clear()
        self.new_age_band.setCurrentIndex(0)
        self.direction.setCurrentIndex(0)
        self.foreign.setChecked(False)
        self.notes.clear()
        self.vrm_status.setText("")
        self.message.setText("")
        self.save.setEnabled(True)
        self.show_boxes(0)
        self._on_category()
        self.category.setFocus()

    def show_boxes(self, count: int) -> None:
        self.boxes_label.setText(
            f"{count} box(es) drawn." if count else "Draw a box round each person or vehicle on the frozen picture."
        )
        self.remove_box.setEnabled(count > 0)

    def set_subjects(self, subjects: Sequence[tuple[int, str, str]]) -> None:
        """(id, reference, description) found by the last search."""
        self.subject_list.clear()
        for subject_id, reference, description in subjects:
            item = QListWidgetItem(f"{reference}  {description}")
            item.setData(Qt.ItemDataRole.UserRole, subject_id)
            self.subject_list.addItem(item)
        if subjects:
            self.subject_list.setCurrentRow(0)

    # -- behaviour ----------------------------------------------------------------------------------

    def _on_category(self) -> None:
        kind = self._kinds.get(self.category_key, "")
        self.subject_box.setVisible(kind == "person")
        self.vehicle_box.setVisible(kind in ("vehicle", "activity"))
        if kind == "person" and self.isVisible():
            self.subject_search.emit(self.subject_query.text(), self.category_key)

    def _on_vrm_typed(self, text: str) -> None:
        upper = text.upper()
        if upper != text:
            position = self.vrm.cursorPosition()
            self.vrm.setText(upper)
            self.vrm.setCursorPosition(position)
        if self.vrm_checker is None or not upper.strip():
            self.vrm_status.setText("")
            return
        ok, words = self.vrm_checker(upper, self.foreign.isChecked())
        self.vrm_status.setText(f"✓ {words}" if ok else f"▲ {words}")

    def fields(self) -> TagFields:
        kind = self._kinds.get(self.category_key, "")
        subject_id = None
        description = ""
        if kind == "person":
            description = self.new_description.text().strip()
            item = self.subject_list.currentItem()
            if not description and item is not None:
                subject_id = int(item.data(Qt.ItemDataRole.UserRole))
        vehicle = kind in ("vehicle", "activity")
        return TagFields(
            category_key=self.category_key,
            subject_id=subject_id,
            new_subject_description=description,
            new_subject_age_band=self.new_age_band.currentText() if description else "",
            vrm=self.vrm.text() if vehicle else "",
            foreign=self.foreign.isChecked() if vehicle else False,
            make=self.make.text() if vehicle else "",
            model=self.model.text() if vehicle else "",
            colour=self.colour.text() if vehicle else "",
            direction=self.direction.currentText() if vehicle else "",
            notes=self.notes.toPlainText(),
        )

    def submit(self) -> None:
        if not self.save.isEnabled():
            return
        self.save.setEnabled(False)
        self.message.setText("Saving…")
        self.save_requested.emit(self.fields())

    def failed(self, message: str) -> None:
        """Keep everything typed; say why; let the controller fix it and save again."""
        self.message.setText(f"Not saved: {message}")
        self.save.setEnabled(True)
