"""Passwords and logins: scrypt with a salt each, the first run makes the administrator, five
failures lock a login out, and every login, failure, lock and unlock is in the record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from console.auth import LOCKOUT, MAX_FAILURES, LoginError, hash_password, password_matches
from console.record import utc_now
from console.services import Services
from console.verify import verify
from storage.models import OperatorSecret, RecordEntry

GOOD = "correct horse battery"


def kinds(services: Services) -> list[str]:
    with services.db.read() as s:
        return list(s.scalars(select(RecordEntry.kind).order_by(RecordEntry.seq)))


def test_hashes_are_salted_and_verify() -> None:
    one, two = hash_password(GOOD), hash_password(GOOD)
    assert one != two and one.startswith("scrypt$16384$8$1$")
    assert password_matches(GOOD, one) and not password_matches(GOOD + "!", one)
    assert not password_matches(GOOD, "scrypt$bad") and not password_matches(GOOD, "")


def test_the_first_run_creates_the_administrator_once(demo: Services) -> None:
    assert demo.auth.needs_first_administrator()
    with pytest.raises(LoginError, match="at least 10 characters"):
        demo.auth.create_first_administrator("c1", "chief", "Chief Admin", "short")
    with pytest.raises(LoginError, match="must not contain the login"):
        demo.auth.create_first_administrator("c1", "chief", "Chief Admin", "chief-password-1")
    demo.auth.create_first_administrator("c1", "Chief", "Chief  Admin", GOOD)
    assert not demo.auth.needs_first_administrator()
    with pytest.raises(LoginError, match="exists already"):
        demo.auth.create_first_administrator("c1", "other", "Other", GOOD)
    admin = demo.auth.login("chief", GOOD, "c1")
    assert admin.role == "administrator" and admin.display_name == "Chief Admin"
    demo.auth.set_password(admin, "demo", "night shift 2026")
    controller = demo.auth.login("DEMO ", "night shift 2026", "c1")
    assert controller.role == "controller"
    with pytest.raises(LoginError, match="Only an administrator"):
        demo.auth.set_password(controller, "sgt.demo", "another password")
    with pytest.raises(LoginError, match="current password is not right"):
        demo.auth.set_password(controller, "demo", "a new password 1", current="wrong")
    demo.auth.set_password(controller, "demo", "a new password 1", current="night shift 2026")
    assert demo.auth.login("demo", "a new password 1", "c1").login == "demo"
    assert verify(demo.db).ok


def test_five_failures_lock_a_login_out_and_every_attempt_is_recorded(demo: Services) -> None:
    demo.auth.create_first_administrator("c1", "chief", "Chief", GOOD)
    admin = demo.auth.login("chief", GOOD, "c1")
    demo.auth.set_password(admin, "demo", "night shift 2026")
    now = utc_now()
    for n in range(MAX_FAILURES):
        with pytest.raises(LoginError, match="do not match an operator"):
            demo.auth.login("demo", f"wrong {n}", "c1", now=now)
    with pytest.raises(LoginError, match="locked out for 14 more minute"):
        demo.auth.login("demo", "night shift 2026", "c1", now=now + timedelta(minutes=1))  # even the right one
    assert demo.auth.state("demo").locked_until is not None
    later = now + LOCKOUT + timedelta(seconds=1)
    assert demo.auth.login("demo", "night shift 2026", "c1", now=later).login == "demo"
    with pytest.raises(LoginError, match="do not match an operator"):
        demo.auth.login("correct horse battery", "demo", "c1")  # a password typed as the name
    recorded = kinds(demo)
    assert recorded.count("auth.login_failed") == MAX_FAILURES + 2 and recorded.count("auth.locked_out") == 1
    assert recorded.count("auth.login") == 2
    with demo.db.read() as s:
        texts = list(s.scalars(select(RecordEntry.text).where(RecordEntry.kind == "auth.login_failed")))
        secret = s.get(OperatorSecret, demo.operations.operator("demo", "c1").operator_id)
    assert not any("correct horse" in t for t in texts)  # an unknown name is never written down
    assert secret is not None and secret.failed_attempts == 0 and GOOD not in secret.password_hash
    assert verify(demo.db).ok


def test_lock_and_unlock_need_the_same_operators_password(demo: Services) -> None:
    demo.auth.create_first_administrator("c1", "chief", "Chief", GOOD)
    admin = demo.auth.login("chief", GOOD, "c1")
    demo.auth.set_password(admin, "demo", "night shift 2026")
    controller = demo.auth.login("demo", "night shift 2026", "c1")
    demo.auth.lock(controller, "idle for 10 minutes")
    with pytest.raises(LoginError, match="not right"):
        demo.auth.unlock(controller, GOOD)  # the administrator's password does not unlock it
    demo.auth.unlock(controller, "night shift 2026")
    demo.auth.logout(controller)
    assert kinds(demo)[-5:] == ["auth.login", "auth.lock", "auth.login_failed", "auth.unlock", "auth.logout"]


def test_an_operator_without_a_password_cannot_log_in(demo: Services) -> None:
    with pytest.raises(LoginError, match="has no password yet"):
        demo.auth.login("sgt.demo", "anything at all", "c1")
