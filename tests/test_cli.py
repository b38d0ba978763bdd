"""The command line: grammar, exit codes and each command of the foundation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from console.cli import main
from console.operation_file import parse_operation
from storage.db import open_database

ROOT = Path(__file__).resolve().parents[1]
DEMO_FILE = ROOT / "resources" / "demo_operation.toml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_help_explains_every_command() -> None:
    out = run("--help").stdout
    for word in ("db", "record", "operation", "demo", "--db", "--operation", "--demo"):
        assert word in out
    assert "anchor" in run("record", "verify", "--help").stdout
    assert "--nights" in run("demo", "seed", "--help").stdout


def test_usage_errors_exit_2() -> None:
    assert run("record").returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("record", "show", "--last", "x").returncode == 2


def test_environment_error_is_one_line_and_exit_2() -> None:
    result = run("record", "verify", "--db", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Cannot reach database" in result.stderr
    assert "secret" not in result.stderr


def test_seed_verify_show_and_global_options_either_side(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "demo", "seed", "--nights", "2"]) == 0
    assert "demo seeded: 2 night(s)" in capsys.readouterr().out
    assert main(["record", "verify", "--db", db]) == 0
    assert "record verified" in capsys.readouterr().out
    assert main(["--db", db, "record", "show", "--last", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "shift.ended" in lines[-1]


def test_verify_exits_1_naming_the_altered_entry(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "demo", "seed"]) == 0
    database = open_database(db)
    with database.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER record_entry_no_update"))
        conn.execute(text("UPDATE record_entry SET kind = 'x' WHERE seq = 2"))
    database.dispose()
    capsys.readouterr()
    assert main(["--db", db, "record", "verify"]) == 1
    assert "entry 2 altered" in capsys.readouterr().out


def test_verify_with_missing_anchor_file_is_a_usage_error(db: str, tmp_path: Path) -> None:
    assert main(["--db", db, "db", "upgrade"]) == 0
    assert main(["--db", db, "record", "verify", "--anchor", str(tmp_path / "nope.jsonl")]) == 2


def test_import_export_round_trip(db: str, tmp_path: Path) -> None:
    assert main(["--db", db, "operation", "import", str(DEMO_FILE)]) == 0
    out = tmp_path / "exported.toml"
    assert main(["operation", "export", "--out", str(out), "--db", db, "--operation", "demo"]) == 0
    assert parse_operation(out.read_text()) == parse_operation(DEMO_FILE.read_text())
    # importing the same file again changes nothing but adds its entry, and still verifies
    assert main(["--db", db, "operation", "import", str(out)]) == 0
    assert main(["--db", db, "record", "verify"]) == 0


def test_bad_operation_file_imports_nothing(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        DEMO_FILE.read_text()
        .replace('location = "mill-lane"', 'location = "nowhere"')
        .replace('role = "auditor"', 'role = "janitor"')
    )
    assert main(["--db", db, "operation", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not imported, 2 problem(s)" in err
    assert "unknown location 'nowhere'" in err and "'janitor' is not one of" in err
    assert main(["--db", db, "operation", "export", "--out", str(tmp_path / "x.toml")]) == 2
    assert "holds no operation" in capsys.readouterr().err


def test_db_upgrade(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--db", db]) == 0
    assert "database schema at" in capsys.readouterr().out
