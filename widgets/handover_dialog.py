"""End of a night: the hand-over summary (open taskings, units' states, the night's outcomes,
the record's head hash and entry count), printable, before the shift ends and the console
closes. The same summary is written to the record."""

from __future__ import annotations

from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class HandoverDialog(QDialog):
    def __init__(self, summary: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Hand-over")
        self.setMinimumSize(640, 480)
        heading = QLabel("Hand-over summary: ending the shift writes it to the operation record.")
        heading.setObjectName("panelHeading")
        heading.setWordWrap(True)
        self.text = QPlainTextEdit(summary)
        self.text.setReadOnly(True)
        self.text.setFont(QFont("monospace"))
        self.buttons = QDialogButtonBox()
        self.end = self.buttons.addButton("End shift and close", QDialogButtonBox.ButtonRole.AcceptRole)
        self.print_button = self.buttons.addButton("Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton("Keep working", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_summary)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.buttons)

    def document(self) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(QFont("monospace", 10))
        document.setPlainText("Sentinel Console · hand-over\n\n" + self.text.toPlainText())
        return document

    def print_summary(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.document().print_(printer)
