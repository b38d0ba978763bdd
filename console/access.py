"""Who may do what: one function, `can(operator, action)`. Widgets ask it to enable controls;
the write path enforces it."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    CONTROLLER = "controller"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    # The console's own recording process: writes the footage index, gaps and purges; no login.
    RECORDER = "recorder"
    # The console itself before anyone has logged in: records failed logins and the first run.
    CONSOLE = "console"


class HasRole(Protocol):
    @property
    def role(self) -> str: ...


class PermissionDenied(PermissionError):
    def __init__(self, role: str, action: str) -> None:
        super().__init__(f"A {role} may not {ACTION_WORDS.get(action, action)}.")
        self.role = role
        self.action = action


_C, _S, _AU, _AD = Role.CONTROLLER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR
_REC = Role.RECORDER
_CON = Role.CONSOLE
_ALL = frozenset({_C, _S, _AU, _AD})

RULES: dict[str, frozenset[Role]] = {
    "shift.start": frozenset({_C, _S}),
    "shift.end": frozenset({_C, _S}),
    "log.note": frozenset({_C, _S}),
    "sighting.tag": frozenset({_C, _S}),
    "unit.status": frozenset({_C, _S}),
    "tasking.dispatch": frozenset({_C, _S}),
    "tasking.close": frozenset({_C, _S}),
    "view.save": frozenset({_C, _S, _AD}),
    "record.read": _ALL,
    "record.verify": _ALL,
    "record.anchor": _ALL,
    "operation.import": frozenset({_AD}),
    "operation.export": frozenset({_S, _AD}),
    "demo.seed": frozenset({_AD}),
    "sensitive.read": frozenset({_S}),
    "sensitive.write": frozenset({_S}),
    "evidence.release": frozenset({_S}),
    "evidence.hold": frozenset({_C, _S}),
    "footage.play": frozenset({_C, _S}),
    "letter.prepare": frozenset({_C, _S}),
    "evidence.export": frozenset({_C, _S}),
    "evidence.handover": frozenset({_C, _S}),
    "recording.index": frozenset({_REC}),
    # The recorder every few minutes; the retention job (the console itself, or an administrator).
    "recording.purge": frozenset({_REC, _AD, _CON}),
    "template.edit": frozenset({_S}),
    "letter.override": frozenset({_S}),
    "operators.manage": frozenset({_AD}),
    "community.record": frozenset({_C, _S}),
    "eso.record": frozenset({_C, _S}),
    "partner_action.raise": frozenset({_C, _S}),
    "partner_action.review": frozenset({_S}),
    "auth.record": frozenset({_CON}),
    "camera.health": frozenset({_CON}),
    "audit.read": frozenset({_AU, _S}),
    "journal.conflict": frozenset({_C, _S}),
    "auth.session": _ALL,
    "auth.password": _ALL,
    # Issue 9: set-up screens, privacy masks, retention and subject access.
    "operation.setup": frozenset({_AD}),
    "camera.test": frozenset({_AD}),
    "mask.lift": frozenset({_S}),
    # Putting a mask back only ever hides more; the console does it itself when a lift runs out.
    "mask.restore": frozenset({_C, _S, _CON}),
    # Daily by the console itself, on demand by administrators.
    "retention.run": frozenset({_AD, _CON}),
    "subject_access.serve": frozenset({_S}),
    "subject_access.erase": frozenset({_S}),
}

ACTION_WORDS = {
    "shift.start": "start a shift",
    "shift.end": "end a shift",
    "log.note": "write in the log",
    "sighting.tag": "tag a sighting",
    "view.save": "save a wall view",
    "unit.status": "change a unit's status",
    "tasking.dispatch": "dispatch units",
    "tasking.close": "close a tasking",
    "operation.import": "import an operation",
    "operation.export": "export the operation",
    "demo.seed": "seed the demo operation",
    "sensitive.read": "see special-category data",
    "sensitive.write": "change special-category data",
    "evidence.release": "release an evidence hold",
    "evidence.hold": "hold footage as evidence",
    "footage.play": "play back recorded footage",
    "letter.prepare": "prepare warning letters",
    "evidence.export": "export evidence",
    "evidence.handover": "record the handover of an exhibit",
    "recording.index": "write the recording index",
    "recording.purge": "purge recorded footage",
    "template.edit": "edit letter templates",
    "letter.override": "override the warning-letter limit",
    "operators.manage": "manage operators",
    "community.record": "record community complaints and tension notes",
    "eso.record": "record Engagement and Support Orders",
    "partner_action.raise": "raise partner actions",
    "partner_action.review": "review partner actions",
    "auth.record": "record logins at the console",
    "camera.health": "record cameras lost and restored",
    "audit.read": "read the audit trail",
    "journal.conflict": "record a conflict found replaying the journal",
    "auth.session": "log in, lock or unlock",
    "auth.password": "change a password",
    "operation.setup": "change the operation's set-up",
    "camera.test": "test a camera's connection",
    "mask.lift": "lift a privacy mask",
    "mask.restore": "re-apply a privacy mask",
    "retention.run": "run the retention job",
    "subject_access.serve": "serve a subject access request",
    "subject_access.erase": "erase a subject's or vehicle's data on request",
}


def can(operator: HasRole, action: str) -> bool:
    """True when the operator's role allows the action. An unknown action is a bug, not a no."""
    try:
        allowed = RULES[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}: add it to console.access.RULES") from None
    return operator.role in allowed


def require(operator: HasRole, action: str) -> None:
    if not can(operator, action):
        raise PermissionDenied(operator.role, action)
