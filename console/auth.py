"""Operators' passwords, logins and locks.

Passwords are hashed with scrypt (memory-hard) and a per-operator random salt; the stored form
names its parameters so they can be raised later. Five failures in a row lock the login out for
fifteen minutes. The first run of a database with no password set creates the administrator.
Every login, failed login, logout, lock and unlock is a record entry; a failed login for a name
that is no operator is recorded without the name (people type passwords into the name field).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.access import Role, can
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.text import TextError, clean_text
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import Operator, OperatorSecret

SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES = 2**14, 8, 1, 32  # about 16 MiB and 50 ms a try here
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_LENGTH, MAX_LENGTH = 10, 200
LOGIN_LIMIT = 60  # the width of operator.login
LOGIN_LIMIT = 60


class LoginError(ValueError):
    """A login, password or lock that did not work, said in one sentence for the operator."""


@dataclass(frozen=True)
class LoginState:
    login: str
    display_name: str
    role: str
    has_password: bool
    locked_until: datetime | None


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES, maxmem=64 << 20
    )
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        found = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected), maxmem=64 << 20,
        )  # fmt: skip
    except ValueError:  # a damaged stored hash: no password matches it
        return False
    return hmac.compare_digest(found, expected)


def check_new_password(login: str, password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise LoginError(f"A password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise LoginError(f"A password may have at most {MAX_LENGTH} characters")
    if login.lower() in password.lower():
        raise LoginError("A password must not contain the login name")
    if len(set(password)) < 4:
        raise LoginError("A password needs more different characters than that")


def console_actor(console_id: str) -> Actor:
    """The console itself, recording what happens before and between logins."""
    return Actor(login="console", display_name="This console", role=Role.CONSOLE, console_id=console_id)


class AuthService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    # --- first run and passwords -----------------------------------------------------------------
    def needs_first_administrator(self) -> bool:
        """True while no operator has a password: the first run must create the administrator."""
        with self._db.read() as s:
            return _no_password_set(s)

    def create_first_administrator(self, console_id: str, login: str, display_name: str, password: str) -> ActionResult:
        login = login.strip().lower()
        name = " ".join(display_name.split())
        if not login or len(login) > LOGIN_LIMIT or not all(c.isalnum() or c in "._-" for c in login):
            raise LoginError("A login is 1 to 60 letters, digits, dots, dashes or underscores")
        if not name:
            raise LoginError("Type the administrator's name")
        check_new_password(login, password)
        stored = hash_password(password)

        def write(ctx: ActionContext) -> EntryDraft:
            ctx.serialise()  # two consoles on a new database cannot both make the first one
            if not _no_password_set(ctx.session):
                raise LoginError("The first administrator exists already; log in as an administrator")
            row = ctx.session.scalars(select(Operator).where(Operator.login == login)).first()
            if row is None:
                row = Operator(login=login, display_name=name, role=Role.ADMINISTRATOR.value, active=True)
                ctx.session.add(row)
                ctx.session.flush()
            elif row.role != Role.ADMINISTRATOR:
                raise LoginError(f"{login} is a {row.role}; the first operator with a password is an administrator")
            self._secret(ctx.session, row.id).password_hash = stored
            self._secret(ctx.session, row.id).changed_at = ctx.event_time
            return EntryDraft(
                kind="operator.first_administrator",
                text=f"First administrator {login} created at this console",
                ref_type="operator",
                ref_id=str(row.id),
            )

        return self._record.perform(console_actor(console_id), "auth.record", write, operation_id=None)

    def set_password(self, actor: Actor, login: str, password: str, current: str = "") -> ActionResult:
        """An administrator sets anyone's password; an operator changes their own with the current one."""
        own = actor.login == login
        if not own and not can(actor, "operators.manage"):
            raise LoginError("Only an administrator sets another operator's password")
        check_new_password(login, password)
        stored = hash_password(password)

        def write(ctx: ActionContext) -> EntryDraft:
            row = self._operator(ctx.session, login)
            secret = self._secret(ctx.session, row.id)
            if own and secret.password_hash and not password_matches(current, secret.password_hash):
                raise LoginError("The current password is not right")
            secret.password_hash, secret.changed_at = stored, ctx.event_time
            secret.failed_attempts, secret.locked_until = 0, None
            words = "changed their password" if own else f"set the password of {login}"
            return EntryDraft(
                kind="operator.password_set", text=f"{actor.login} {words}", ref_type="operator", ref_id=str(row.id)
            )

        return self._record.perform(actor, "auth.password", write, operation_id=None)

    # --- logging in and out ------------------------------------------------------------------------
    def login(self, login: str, password: str, console_id: str, now: datetime | None = None) -> Actor:
        """The operator, logged in (a record entry), or LoginError after recording the failure."""
        try:
            typed = clean_text(login, "The login name", LOGIN_LIMIT).lower()
        except TextError:
            # No operator has such a name; never asked of the database (PostgreSQL refuses a NUL).
            typed = ""
        now = now or utc_now()
        with self._db.read() as s:
            row = s.scalars(select(Operator).where(Operator.login == typed)).first() if typed else None
            secret = s.get(OperatorSecret, row.id) if row is not None else None
            stored = secret.password_hash if secret else ""
            locked = secret.locked_until if secret else None
        if row is None or not row.active:
            password_matches(password, hash_password("x" * MIN_LENGTH))  # the same time as a real try
            self._failed(console_id, None, "a name that is not an active operator", now)
            raise LoginError("That login name and password do not match an operator")
        if locked is not None and locked > now:
            minutes = max(1, round((locked - now).total_seconds() / 60))
            self._failed(console_id, row.id, f"{typed} while locked out", now)
            raise LoginError(f"Too many failed logins: {typed} is locked out for {minutes} more minute(s)")
        if not stored:
            self._failed(console_id, row.id, f"{typed}, who has no password yet", now)
            raise LoginError(f"{typed} has no password yet: an administrator sets it")
        if not password_matches(password, stored):
            self._failed(console_id, row.id, typed, now)
            raise LoginError("That login name and password do not match an operator")
        actor = Actor(typed, row.display_name, row.role, console_id, row.id)

        def write(ctx: ActionContext) -> EntryDraft:
            secret_row = self._secret(ctx.session, row.id)
            secret_row.failed_attempts, secret_row.locked_until = 0, None
            return EntryDraft(kind="auth.login", text=f"{typed} logged in ({row.role})", ref_type="operator",
                              ref_id=str(row.id))  # fmt: skip

        self._record.perform(actor, "auth.session", write, operation_id=None, event_time=now)
        return actor

    def _failed(self, console_id: str, operator_id: int | None, who: str, now: datetime) -> None:
        def write(ctx: ActionContext) -> list[EntryDraft]:
            drafts = [EntryDraft(kind="auth.login_failed", text=f"Failed login: {who}", ref_type="operator",
                                 ref_id=str(operator_id or ""))]  # fmt: skip
            if operator_id is not None:
                secret = self._secret(ctx.session, operator_id)
                secret.failed_attempts += 1
                if secret.failed_attempts >= MAX_FAILURES and (secret.locked_until or now) <= now:
                    secret.locked_until = now + LOCKOUT
                    secret.failed_attempts = 0
                    minutes = int(LOCKOUT.total_seconds() // 60)
                    drafts.append(
                        EntryDraft(kind="auth.locked_out", text=f"Login locked out for {minutes} minutes after "
                                   f"{MAX_FAILURES} failures", ref_type="operator", ref_id=str(operator_id))
                    )  # fmt: skip
            return drafts

        self._record.perform(console_actor(console_id), "auth.record", write, operation_id=None, event_time=now)

    def demo_login(self, actor: Actor) -> ActionResult:
        """Demo mode: the demo controller is logged in without a password (the title bar says so)."""
        if self.state(actor.login).has_password:
            raise LoginError(f"{actor.login} has a password: demo mode logs in only an operator without one")
        return self._session_entry(actor, "auth.login", f"{actor.login} logged in without a password (demo mode)")

    def logout(self, actor: Actor) -> ActionResult:
        return self._session_entry(actor, "auth.logout", f"{actor.login} logged out")

    def lock(self, actor: Actor, why: str = "on demand") -> ActionResult:
        return self._session_entry(actor, "auth.lock", f"Console locked ({why}) for {actor.login}")

    def unlock(self, actor: Actor, password: str) -> ActionResult:
        """Unlock with the same operator's password; a wrong one counts as a failed login."""
        with self._db.read() as s:
            secret = s.get(OperatorSecret, actor.operator_id) if actor.operator_id is not None else None
            stored, locked = (secret.password_hash, secret.locked_until) if secret else ("", None)
        now = utc_now()
        if locked is not None and locked > now:
            raise LoginError("Too many failed attempts: the login is locked out; try again later")
        if not stored or not password_matches(password, stored):
            self._failed(actor.console_id, actor.operator_id, f"{actor.login} unlocking the console", now)
            raise LoginError("That password is not right")
        return self._session_entry(actor, "auth.unlock", f"Console unlocked by {actor.login}")

    def unlock_without_password(self, actor: Actor) -> ActionResult:
        """Only for an operator who has no password (the demo controller, logged in without one)."""
        if self.state(actor.login).has_password:
            raise LoginError("Type the password to unlock")
        return self._session_entry(actor, "auth.unlock", f"Console unlocked by {actor.login} (no password: demo)")

    def _session_entry(self, actor: Actor, kind: str, text: str) -> ActionResult:
        def write(_ctx: ActionContext) -> EntryDraft:
            return EntryDraft(kind=kind, text=text, ref_type="operator", ref_id=str(actor.operator_id or ""))

        return self._record.perform(actor, "auth.session", write, operation_id=None)

    def state(self, login: str) -> LoginState:
        with self._db.read() as s:
            row = self._operator(s, login)
            secret = s.get(OperatorSecret, row.id)
            return LoginState(
                row.login, row.display_name, row.role, bool(secret and secret.password_hash),
                secret.locked_until if secret else None,
            )  # fmt: skip

    # --- rows ------------------------------------------------------------------------------------
    @staticmethod
    def _operator(s: Session, login: str) -> Operator:
        row = s.scalars(select(Operator).where(Operator.login == login)).first()
        if row is None:
            raise LoginError(f"No operator {login!r}")
        return row

    @staticmethod
    def _secret(s: Session, operator_id: int) -> OperatorSecret:
        row = s.get(OperatorSecret, operator_id)
        if row is None:
            row = OperatorSecret(operator_id=operator_id, password_hash="", failed_attempts=0)
            s.add(row)
            s.flush()
        return row


def _no_password_set(s: Session) -> bool:
    return s.scalar(select(OperatorSecret.operator_id).where(OperatorSecret.password_hash != "").limit(1)) is None
