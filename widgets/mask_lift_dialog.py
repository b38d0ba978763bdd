"""Lift a camera's privacy masks for a while (supervisors), or put lifted masks back.

The reason and the time are recorded; the dialog stays open with the console's words when the
lift is refused, so what was typed is kept."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

REASON_LIMIT = 1000


class MaskLiftDialog(QDialog):
    """``lifted``: words about the lift in force (the dialog then offers to re-apply the masks)."""

    lift_requested = Signal()  # the console writes the lift, then closes or calls refused()
    restore_requested = Signal()

    def __init__(
        self,
        camera_name: str,
        masks: int,
        default_minutes: int,
        max_minutes: int,
        lifted: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.lifting = not lifted
        self.setWindowTitle(("Lift privacy masks: " if self.lifting else "Privacy masks lifted: ") + camera_name)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        plural = "mask" if masks == 1 else "masks"
        if self.lifting:
            intro = QLabel(
                f"{camera_name} has {masks} privacy {plural} over private places. Lifting shows the whole "
                "picture on this camera's live tiles until the time runs out (playback and exported "
                "working copies stay masked); the masks then come back by themselves. Who lifted them, "
                "why and for how long goes into the record."
            )
        else:
            intro = QLabel(f"{lifted}\n\nRe-apply the masks now?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Why the whole picture is needed (e.g. incident log number)")
        self.reason.setMinimumHeight(90)
        self.minutes = QSpinBox()
        self.minutes.setRange(1, max_minutes)
        self.minutes.setValue(default_minutes)
        self.minutes.setSuffix(" minutes")
        if self.lifting:
            form = QFormLayout()
            form.addRow("Reason", self.reason)
            form.addRow("For", self.minutes)
            layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setObjectName("panelStatus")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Lift masks" if self.lifting else "Re-apply masks")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._check)
        self._check()
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def _check(self) -> None:
        if not self.lifting:
            return
        length = len(self.reason.toPlainText().strip())
        problem = ""
        if not length:
            problem = "Say why the masks are lifted."
        elif length > REASON_LIMIT:
            problem = f"The reason is {length} characters long; the limit is {REASON_LIMIT}."
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def _submit(self) -> None:
        self.buttons.setEnabled(False)
        self.problem.setText("Recording…")
        (self.lift_requested if self.lifting else self.restore_requested).emit()

    def refused(self, words: str) -> None:
        self.buttons.setEnabled(True)
        self.problem.setText(words)

    def request(self) -> tuple[str, int]:
        """(reason, minutes)."""
        return self.reason.toPlainText(), self.minutes.value()
