"""A throwaway real PostgreSQL server on 127.0.0.1 for tests and local scripts.

Run ``python -m tests.servers.postgres`` to start one by hand; it prints its URL and runs
until interrupted.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import sql as pgsql

SUPERUSER = "postgres"
# The server refuses to run as root, so under root it runs as this system account.
SERVICE_ACCOUNT = "postgres"
_START_ATTEMPTS = 3


class ServerUnavailable(RuntimeError):
    """A test server cannot run here: a binary or system account is missing, or it failed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (another process may still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_postgres_bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres; raises ServerUnavailable if none."""
    candidates: list[Path] = []
    found = shutil.which("initdb")
    if found:
        # /usr/local/bin/initdb may be a symlink into /usr/lib/postgresql/N/bin.
        candidates.append(Path(found).resolve().parent)
        candidates.append(Path(found).parent)
    # Debian keeps the server binaries off PATH; prefer the newest major version.
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(Path(p) for p in debian)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise ServerUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in "
        "/usr/lib/postgresql/*/bin; install the postgresql package (scripts/setup-system.sh)."
    )


def _service_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        raise ServerUnavailable(f"running as root, no '{SERVICE_ACCOUNT}' account to run PostgreSQL as, and no useradd")
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_ACCOUNT],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(SERVICE_ACCOUNT)


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only.

    Use ``start()``/``stop()`` or ``with PostgresServer() as server:``. Authentication is
    ``trust`` for the ``postgres`` superuser, so URLs carry no password.
    """

    def __init__(self, start_timeout: float = 60.0) -> None:
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.base_dir: Path | None = None
        self.startup_seconds: float | None = None
        self._bindir: Path | None = None
        self._account: pwd.struct_passwd | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        if self.port is not None:
            raise RuntimeError("PostgresServer already started")
        began = time.monotonic()
        self._bindir = find_postgres_bindir()
        if os.geteuid() == 0:
            self._account = _service_account()
            if shutil.which("runuser") is None:
                raise ServerUnavailable("running as root but runuser is missing (util-linux)")
        # Under /tmp (mode 1777) rather than pytest's tmp dirs, which are 0700 root: the
        # service account must be able to reach the data and socket folders.
        self.base_dir = Path(tempfile.mkdtemp(prefix="sentinel-pg-"))
        try:
            if self._account is not None:
                os.chown(self.base_dir, self._account.pw_uid, self._account.pw_gid)
            initdb = str(self._bindir / "initdb")
            settings = ["--encoding=UTF8", "--locale=C", "--no-sync"]
            self._run(
                [initdb, "-D", str(self.data_dir), "-A", "trust", "-U", SUPERUSER, *settings],
                what="initdb",
            )
            self.socket_dir.mkdir()
            if self._account is not None:
                os.chown(self.socket_dir, self._account.pw_uid, self._account.pw_gid)
            self._start_on_free_port()
        except BaseException:
            with contextlib.suppress(ServerUnavailable):
                self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _start_on_free_port(self) -> None:
        # The port is picked before the server binds it, so another process can win the race;
        # try again on a new port rather than fail the whole session.
        last_error: ServerUnavailable | None = None
        for _attempt in range(_START_ATTEMPTS):
            port = free_port()
            options = " ".join(
                [
                    f"-p {port}",
                    f"-k {self.socket_dir}",
                    "-c listen_addresses=127.0.0.1",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            assert self._bindir is not None
            try:
                pg_ctl = str(self._bindir / "pg_ctl")
                wait = ["-w", "-t", str(int(self.start_timeout))]
                log = ["-l", str(self.log_file)]
                self._run(
                    [pg_ctl, "-D", str(self.data_dir), *log, *wait, "-o", options, "start"],
                    what="pg_ctl start",
                )
            except ServerUnavailable as exc:
                last_error = exc
                if "could not bind" in self.log_text():
                    continue
                raise
            self.port = port
            return
        assert last_error is not None
        raise last_error

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder. Safe to call twice."""
        try:
            # postmaster.pid rather than self.port: a start that timed out may have left a
            # running server behind, and the folder must not vanish under it.
            if self.base_dir is not None and (self.data_dir / "postmaster.pid").exists():
                try:
                    self._pg_ctl_stop("fast")
                except ServerUnavailable:
                    self._pg_ctl_stop("immediate")
        finally:
            self.port = None
            self._remove_folder()

    def halt(self) -> None:
        """Stop the server but keep its data, as an outage would (``resume`` starts it again)."""
        self._pg_ctl_stop("fast")

    def resume(self) -> None:
        """Start a halted server again on the same port with the same data."""
        assert self._bindir is not None and self.port is not None
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = str(self._bindir / "pg_ctl")
        self._run(
            [pg_ctl, "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "-o", options, "start"],
            what="pg_ctl start (resume)",
        )

    def _pg_ctl_stop(self, mode: str) -> None:
        assert self._bindir is not None
        pg_ctl = str(self._bindir / "pg_ctl")
        self._run(
            [pg_ctl, "-D", str(self.data_dir), "-m", mode, "-w", "-t", "30", "stop"],
            what=f"pg_ctl stop -m {mode}",
        )

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- paths -----------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._base() / "sock"

    @property
    def log_file(self) -> Path:
        return self._base() / "postgres.log"

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    # -- connecting ------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3 driver) for ``dbname`` as the superuser."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self._port()}/{dbname}"

    def superuser_dsn(self, dbname: str = "postgres") -> str:
        """libpq connection string for plain ``psycopg.connect``."""
        return f"host=127.0.0.1 port={self._port()} user={SUPERUSER} dbname={dbname}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a random name if none) and return its SQLAlchemy URL."""
        name = name or f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.superuser_dsn(), autocommit=True) as conn:
            conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting anyone still using it."""
        with psycopg.connect(self.superuser_dsn(), autocommit=True) as conn:
            conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))

    def run_sql(self, dbname: str, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement as the superuser in autocommit mode; return its rows, if any."""
        with psycopg.connect(self.superuser_dsn(dbname), autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description is not None else []

    def wait_until_accepting(self, timeout: float = 10.0) -> None:
        """Poll until a connection succeeds (pg_ctl -w already waits; this is for restarts)."""
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while True:
            try:
                with psycopg.connect(self.superuser_dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                pause.wait(0.05)

    # -- internals -------------------------------------------------------------------------

    def _base(self) -> Path:
        if self.base_dir is None:
            raise RuntimeError("PostgresServer not started")
        return self.base_dir

    def _port(self) -> int:
        if self.port is None:
            raise RuntimeError("PostgresServer not started")
        return self.port

    def _run(self, argv: list[str], what: str) -> None:
        if self._account is not None:
            argv = ["runuser", "-u", self._account.pw_name, "--", *argv]
        # cwd: the service account cannot read root's working directory (initdb warns).
        result = subprocess.run(
            argv,
            cwd=self._base(),
            capture_output=True,
            text=True,
            timeout=self.start_timeout + 30,
            check=False,
        )
        if result.returncode != 0:
            output = result.stderr.strip() or result.stdout.strip()
            log = self.log_text()
            raise ServerUnavailable(
                f"{what} failed (exit {result.returncode}): {output}"
                + (f"\n--- server log ---\n{log[-4000:]}" if log else "")
            )

    def _remove_folder(self) -> None:
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None


def _raise_keyboard_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Stop cleanly on SIGTERM too, and on SIGINT even when started in the background (a
    # non-interactive shell starts background jobs with SIGINT ignored).
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with PostgresServer() as server:
        print(f"PostgreSQL ready in {server.startup_seconds:.2f} s: {server.url()}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
