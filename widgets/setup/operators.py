"""The Operators & roles tab: who may log in at the consoles, in which role, and their passwords
(set by the administrator here; the password is never shown, only when it was set)."""

from __future__ import annotations

from widgets.setup.fields import CHOICE, SECRET, Field
from widgets.setup.section import SectionTab


def operators_tab(roles: tuple[str, ...]) -> SectionTab:
    fields = [
        Field("login", "Login name", hint="lower-case, e.g. jsmith", max_length=60, fixed_once_saved=True),
        Field("name", "Full name", max_length=120),
        Field("role", "Role", CHOICE, choices=roles, default=roles[0] if roles else ""),
        Field("operator_password", "New password", SECRET, hint="at least 10 characters; empty: unchanged"),
    ]
    columns = [("Login", "login"), ("Name", "name"), ("Role", "role")]
    tab = SectionTab(
        "operators", "operator", fields, columns, retirable=True, when="A changed role applies at the next login."
    )
    tab.model.columns.append(("Password", lambda r: r.note))
    return tab
