"""The dispatch board's rules as plain data: unit statuses and the changes a controller may make
by hand, and the outcomes a tasking closes with. The services enforce them (console.dispatch);
the board reads them to offer only what is allowed."""

from __future__ import annotations

from dataclasses import dataclass

from console.policy import REFERRAL, WARNING

OFF_DUTY, AVAILABLE, DISPATCHED, EN_ROUTE = "off_duty", "available", "dispatched", "en_route"
ON_SCENE, BUSY, RETURNING, URGENT = "on_scene", "busy", "returning", "urgent_assistance"
STATUSES = (OFF_DUTY, AVAILABLE, DISPATCHED, EN_ROUTE, ON_SCENE, BUSY, RETURNING, URGENT)
STATUS_WORDS = {
    OFF_DUTY: "off duty",
    AVAILABLE: "available",
    DISPATCHED: "dispatched",
    EN_ROUTE: "en route",
    ON_SCENE: "on scene",
    BUSY: "busy",
    RETURNING: "returning",
    URGENT: "urgent assistance",
}
# Statuses of a unit working a tasking; a unit leaves them by closing or reassigning it.
TASKED = frozenset({DISPATCHED, EN_ROUTE, ON_SCENE})
# Dispatch may take a unit in these statuses.
DISPATCHABLE = frozenset({AVAILABLE, RETURNING})

# The status changes a controller may make from the radio log. "dispatched" is reached only by
# dispatching (which makes the tasking); leaving urgent assistance needs an acknowledgement.
TRANSITIONS: dict[str, frozenset[str]] = {
    OFF_DUTY: frozenset({AVAILABLE}),
    AVAILABLE: frozenset({BUSY, OFF_DUTY, URGENT}),
    DISPATCHED: frozenset({EN_ROUTE, ON_SCENE, URGENT}),
    EN_ROUTE: frozenset({ON_SCENE, URGENT}),
    ON_SCENE: frozenset({EN_ROUTE, URGENT}),
    BUSY: frozenset({AVAILABLE, RETURNING, OFF_DUTY, URGENT}),
    RETURNING: frozenset({AVAILABLE, BUSY, OFF_DUTY, URGENT}),
    URGENT: frozenset({AVAILABLE, BUSY, RETURNING, EN_ROUTE, ON_SCENE}),
}

# Outcomes from DOMAIN.md's published results, in the words the record and returns use.
STOP_CHECK, WARNING_LETTER = "stop_check", "warning_letter"
OUTCOME_WORDS = {
    STOP_CHECK: "stop check",
    WARNING_LETTER: "warning letter to the registered keeper",
    "reported_for_offence": "reported for an offence",
    WARNING: "official warning (sex worker)",
    REFERRAL: "referral",
    "intelligence_submission": "intelligence submission",
    "arrest": "arrest",
    "warrant_executed": "warrant executed",
    "no_trace": "no trace / moved on",
}
REFERRAL_TO = {"iom": "IOM", "drug_alcohol": "drug and alcohol partnership", "other": "other"}
# What each outcome must be about.
NEEDS_VEHICLE = frozenset({STOP_CHECK, WARNING_LETTER})
NEEDS_SUBJECT = frozenset({WARNING, REFERRAL})
DETAIL_LIMIT = 2000


@dataclass(frozen=True)
class OutcomeDraft:
    kind: str
    subject_id: int | None = None
    vehicle_id: int | None = None
    detail: str = ""  # for an arrest: who and what for; for a referral: free text
    referral_to: str = ""  # iom, drug_alcohol, other (referrals only)


def allowed(current: str, target: str) -> bool:
    """True when a controller may change a unit from `current` to `target` by hand."""
    return target in TRANSITIONS.get(current, frozenset())


def tasking_ref(tasking_id: int) -> str:
    return f"T-{tasking_id}"


# Outcomes that are the operation's policy only from a tier on (DOMAIN.md): the console records
# them whenever they happen, and says so when one comes before its tier.
POLICY_FROM_TIER = {WARNING: 2, WARNING_LETTER: 2, "warrant_executed": 3}
POLICY_WORDS = {
    WARNING: "official warnings under the three-strikes policy",
    WARNING_LETTER: "warning letters",
    "warrant_executed": "warrants",
}


def early_for_tier(kind: str, tier: int) -> str:
    """A sentence when the outcome comes before the tier its policy starts at, else ""."""
    start = POLICY_FROM_TIER.get(kind)
    if start is None or tier >= start:
        return ""
    return f"Tier {tier} is in force: {POLICY_WORDS[kind]} start at Tier {start}."
