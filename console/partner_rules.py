"""Partner actions' rules as plain data: the statuses, the fortnightly review, the limits of
what is typed and the partners offered. The service enforces them (console.partner_actions);
the dock and its dialogs read them to offer only what will be accepted."""

from __future__ import annotations

from datetime import timedelta

STATUS_WORDS = {"open": "open", "in_progress": "in progress", "done": "done", "cancelled": "cancelled"}
CLOSED = frozenset({"done", "cancelled"})
REVIEW_EVERY = timedelta(days=14)  # DOMAIN.md: reviewed fortnightly
# A due date further ahead than this is a typing slip (2062 for 2026), not a plan.
LATEST_DUE = timedelta(days=366)
MAX_FINDING, MAX_NAME, MAX_NOTE = 1000, 120, 2000  # MAX_NAME: the partner and owner columns
# DOMAIN.md's partners, offered first; any other partner may be typed in.
KNOWN_PARTNERS = (
    "Council street lighting",
    "Council CCTV",
    "Council litter (dawn patrol)",
    "Council housing",
    "Drug and alcohol partnership",
    "Integrated Offender Management (IOM)",
    "Support charity",
)
