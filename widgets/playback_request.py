"""Asked before any recorded footage is shown: which cameras, and why (the reason is recorded)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from widgets.camera_list import CameraChecklist


class PlaybackRequestDialog(QDialog):
    requested = Signal(list, str)  # camera keys, reason

    def __init__(
        self,
        cameras: Sequence[tuple[str, str]],
        chosen: Sequence[str],
        around_words: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("playbackRequest")
        self.setWindowTitle("Play back recorded footage")
        self.setMinimumWidth(520)
        self.cameras = CameraChecklist(cameras, chosen)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why you need to see it: recorded in the operation record")
        self.message = QLabel("Several cameras play in step.")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Around", QLabel(around_words))
        form.addRow("Cameras", self.cameras)
        form.addRow("Reason", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.play = buttons.addButton("Play back", QDialogButtonBox.ButtonRole.AcceptRole)
        self.play.clicked.connect(self._on_play)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.reason.setFocus()

    def chosen(self) -> list[str]:
        return self.cameras.chosen()

    def _on_play(self) -> None:
        keys, reason = self.chosen(), self.reason.text().strip()
        if not keys:
            self.message.setText("Choose at least one camera.")
            return
        if not reason:
            self.message.setText("Say why you need to see the footage: the reason is recorded.")
            return
        self.requested.emit(keys, reason)
        self.accept()
