"""Close a tasking: tick one or more outcomes (DOMAIN.md's list), say where a referral goes and,
for an arrest, who and what for. Outcomes about a vehicle or a subject are offered only when the
tasking's sighting has one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.dispatch_rules import (
    DETAIL_LIMIT,
    NEEDS_SUBJECT,
    NEEDS_VEHICLE,
    OUTCOME_WORDS,
    REFERRAL_TO,
    early_for_tier,
)


class OutcomeDialog(QDialog):
    def __init__(self, heading: str, vehicle: str, subject: str, parent: QWidget | None = None, tier: int = 0) -> None:
        super().__init__(parent)
        self.tier = tier  # the tier in force; 0 when not known (no policy notes)
        self.setWindowTitle("Close tasking")
        self.setMinimumWidth(820)  # the longest outcome with a VRM or reference beside it, in two columns
        title = QLabel(heading)
        title.setObjectName("panelHeading")
        title.setWordWrap(True)
        self.checks: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        for n, (kind, words) in enumerate(OUTCOME_WORDS.items()):
            about = f" ({vehicle})" if kind in NEEDS_VEHICLE and vehicle else ""
            about = f" ({subject})" if kind in NEEDS_SUBJECT and subject else about
            box = QCheckBox(words.capitalize() + about)
            missing = (kind in NEEDS_VEHICLE and not vehicle) or (kind in NEEDS_SUBJECT and not subject)
            box.setEnabled(not missing)
            if missing:
                box.setToolTip("The tasking's sighting has no " + ("vehicle" if kind in NEEDS_VEHICLE else "subject"))
            box.toggled.connect(self._check)
            grid.addWidget(box, n // 2, n % 2)
            self.checks[kind] = box
        self.referral_to = QComboBox()
        for key, words in REFERRAL_TO.items():
            self.referral_to.addItem(f"Referral to {words}", key)
        self.detail = QLineEdit()
        self.detail.setMaxLength(DETAIL_LIMIT)
        self.detail.setPlaceholderText("Detail (for an arrest: who, and what for)")
        self.problem = QLabel("")
        self.problem.setObjectName("panelStatus")
        # An outcome before its tier is recorded all the same; the controller is told.
        self.policy_note = QLabel("")
        self.policy_note.setObjectName("policyNote")
        self.policy_note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Close tasking")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.detail.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(self.referral_to)
        layout.addWidget(self.detail)
        layout.addWidget(self.policy_note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._check()

    def chosen(self) -> list[str]:
        return [kind for kind, box in self.checks.items() if box.isChecked()]

    def _check(self) -> None:
        chosen = self.chosen()
        self.referral_to.setEnabled("referral" in chosen)
        problem = ""
        if not chosen:
            problem = "Tick at least one outcome."
        elif "arrest" in chosen and not self.detail.text().strip():
            problem = "Say who was arrested and what for."
        self.problem.setText(problem)
        notes = sorted({w for kind in chosen if self.tier and (w := early_for_tier(kind, self.tier))})
        self.policy_note.setText(" ".join(notes))
        self.policy_note.setVisible(bool(notes))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def outcomes(self) -> list[tuple[str, str, str]]:
        """(kind, detail, referral_to) for each ticked outcome."""
        detail = self.detail.text().strip()
        referral = str(self.referral_to.currentData())
        return [(kind, detail, referral if kind == "referral" else "") for kind in self.chosen()]
