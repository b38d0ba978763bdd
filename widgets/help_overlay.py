"""F1: a translucent overlay over the main window listing every shortcut from the keymap."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from widgets.keymap import KEYMAP, PANEL, PLAYBACK, WALL

CONTEXT_WORDS = {WALL: "on the wall", PANEL: "in the note panel", PLAYBACK: "in the playback window"}


class HelpOverlay(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self.hide()
        parent.installEventFilter(self)
        self.lines = [
            (
                QKeySequence(s.keys).toString(QKeySequence.SequenceFormat.NativeText),
                s.words + (f" ({CONTEXT_WORDS[s.context]})" if s.context in CONTEXT_WORDS else ""),
            )
            for s in KEYMAP
        ]

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            parent = self.parentWidget()
            assert parent is not None
            self.setGeometry(parent.rect())
            self.raise_()
            self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
        return False

    def mousePressEvent(self, event: object) -> None:
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(0, 0, 0, 215))
        font = QFont(self.font())
        font.setPointSize(14)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("#ffffff"))
        line_h = p.fontMetrics().height() + 8
        width = min(self.width() - 80, 900)
        x = (self.width() - width) // 2
        y = max(30, (self.height() - line_h * (len(self.lines) + 2)) // 2)
        p.drawText(QRect(x, y, width, line_h), Qt.AlignmentFlag.AlignLeft, "Keyboard shortcuts  (F1 or click to close)")
        y += line_h + 8
        font.setPointSize(12)
        for keys, words in self.lines:
            font.setBold(True)
            p.setFont(font)
            p.setPen(QColor("#ffd866"))
            p.drawText(QRect(x, y, 220, line_h), Qt.AlignmentFlag.AlignLeft, keys)
            font.setBold(False)
            p.setFont(font)
            p.setPen(QColor("#e6edf3"))
            p.drawText(QRect(x + 230, y, width - 230, line_h), Qt.AlignmentFlag.AlignLeft, words)
            y += line_h
        p.end()
