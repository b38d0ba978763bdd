"""The data requests dock: subject access and erasure requests for one subject or VRM
(supervisors), and the retention job on demand with a dry-run preview first (administrators).
It only emits what the user asked for; the console answers with words to show."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.dock_parts import message_label, show_message

SUBJECT, VRM = "subject", "vrm"
REASON_HINT = "Reason (recorded): the request's reference or date; never a name or VRM"


def ask_yes(parent: QWidget, title: str, words: str) -> bool:
    answer = QMessageBox.question(parent, title, words, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class SubjectAccessView(QWidget):
    list_requested = Signal(str, str, str)  # kind (subject, vrm), reference or VRM, reason
    export_requested = Signal(str, str, str)
    erase_requested = Signal(str, str, str)
    retention_preview_requested = Signal()
    retention_run_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("subjectAccessView")
        # Replaced in tests; asks before anything is erased.
        self.confirm: Callable[[str, str], bool] = lambda title, words: ask_yes(self, title, words)
        self.kind = QComboBox()
        self.kind.addItem("Subject reference", SUBJECT)
        self.kind.addItem("VRM", VRM)
        self.who = QLineEdit()
        self.who.setMaxLength(20)
        self.who.setPlaceholderText("SW-014 or AB12 CDE")
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(REASON_HINT)
        self.list_button = QPushButton("List what is held")
        self.export_button = QPushButton("Export…")
        self.erase_button = QPushButton("Erase…")
        self.erase_button.setObjectName("urgentButton")  # red: it cannot be undone
        self.message = message_label("dataRequestMessage")
        self.held = QPlainTextEdit()
        self.held.setReadOnly(True)
        self.held.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.held.setPlaceholderText("What the console holds about the subject or vehicle appears here.")

        self.request_box = QGroupBox("Subject access and erasure requests (supervisors)")
        who = QHBoxLayout()
        who.addWidget(self.kind)
        who.addWidget(self.who, 1)
        buttons = QHBoxLayout()
        for button in (self.list_button, self.export_button, self.erase_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        box = QVBoxLayout(self.request_box)
        box.addLayout(who)
        box.addWidget(self.reason)
        box.addLayout(buttons)

        self.retention_box = QGroupBox("Retention (administrators)")
        self.preview_button = QPushButton("Preview retention")
        self.run_button = QPushButton("Run retention now…")
        self.run_button.setEnabled(False)
        self.retention_words = QLabel("Preview first: it lists what would go, then you can run it.")
        self.retention_words.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.preview_button)
        row.addWidget(self.run_button)
        row.addStretch(1)
        retention = QVBoxLayout(self.retention_box)
        retention.addLayout(row)
        retention.addWidget(self.retention_words)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.request_box)
        layout.addWidget(self.message)
        layout.addWidget(self.held, 1)
        layout.addWidget(self.retention_box)

        self.list_button.clicked.connect(lambda: self._emit(self.list_requested))
        self.export_button.clicked.connect(lambda: self._emit(self.export_requested))
        self.erase_button.clicked.connect(self._erase)
        self.who.returnPressed.connect(lambda: self._emit(self.list_requested))
        self.preview_button.clicked.connect(self._preview)
        self.run_button.clicked.connect(self._run)
        self._preview_words = ""
        self.set_permissions(False, False, False)

    def set_permissions(self, serve: bool, erase: bool, retention: bool) -> None:
        self.request_box.setEnabled(serve or erase)
        for button in (self.list_button, self.export_button):
            button.setEnabled(serve)
        self.erase_button.setEnabled(erase)
        self.retention_box.setVisible(retention)
        if not (serve or erase or retention):
            self.say("Data requests are served by supervisors; retention is run by administrators.", problem=True)

    def request(self) -> tuple[str, str, str]:
        return str(self.kind.currentData()), self.who.text().strip(), self.reason.text().strip()

    def _emit(self, signal: SignalInstance) -> None:
        kind, who, reason = self.request()
        if not who:
            self.say("Type the subject reference or the VRM.", problem=True)
            return
        if not reason:
            self.say("Give the reason for the request: it is recorded.", problem=True)
            return
        self.say("Working…")
        signal.emit(kind, who, reason)

    def _erase(self) -> None:
        _kind, who, reason = self.request()
        if (
            who
            and reason
            and not self.confirm(
                "Erase personal data",
                f"Erase every personal detail held about {who}, whatever its age?\n\n"
                "Descriptions, VRM, keeper details, notes and stills go for good; the record keeps that "
                "they were erased, and why. Anything under an evidence hold is refused.",
            )
        ):
            return
        self._emit(self.erase_requested)

    def _preview(self) -> None:
        self.run_button.setEnabled(False)
        self.retention_words.setText("Counting what would go…")
        self.retention_preview_requested.emit()

    def _run(self) -> None:
        if self.confirm("Run retention now", f"{self._preview_words}\n\nErase this now? It cannot be undone."):
            self.run_button.setEnabled(False)
            self.retention_words.setText("Running retention…")
            self.retention_run_requested.emit()

    # --- answers from the console ------------------------------------------------------------------
    def say(self, words: str, problem: bool = False) -> None:
        show_message(self.message, words, problem)

    def show_held(self, text: str, words: str) -> None:
        self.held.setPlainText(text)
        self.say(words)

    def show_preview(self, words: str, anything: bool) -> None:
        self._preview_words = words
        self.retention_words.setText(words)
        self.run_button.setEnabled(anything)

    def show_retention(self, words: str, problem: bool = False) -> None:
        self.retention_words.setText(words)
        self.run_button.setEnabled(False)
        if problem:
            self.say(words, problem=True)
