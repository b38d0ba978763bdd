"""Schema migrations: from empty to head on both engines, identical to the models, and a
database written by a newer version is refused."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from storage.db import (
    SchemaTooNew,
    StorageError,
    alembic_config,
    current_revision,
    head_revision,
    open_database,
    upgrade,
)
from storage.models import Base


def test_empty_database_migrates_to_head_matching_the_models(db_url: str) -> None:
    db = open_database(db_url)
    try:
        assert current_revision(db.engine) is None
        assert upgrade(db) == head_revision()
        assert current_revision(db.engine) == head_revision()
        command.check(alembic_config(db.engine))  # raises when models and migrations differ
        with db.engine.connect() as conn:
            tables = set(conn.dialect.get_table_names(conn))
        assert set(Base.metadata.tables) <= tables
        if db.engine.dialect.name == "postgresql":  # VRM fragment search walks a trigram index
            with db.engine.connect() as conn:
                indexes = {ix["name"] for ix in conn.dialect.get_indexes(conn, "vehicle")}
            assert "ix_vehicle_vrm_key_trgm" in indexes
        upgrade(db)  # a second upgrade is a no-op
    finally:
        db.dispose()


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    db = open_database(db_url)
    try:
        upgrade(db)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(SchemaTooNew, match="written by a newer version of Sentinel Console"):
            upgrade(db)
    finally:
        db.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    finally:
        db.dispose()


def test_unreachable_server_is_a_clear_error() -> None:
    db = open_database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        with pytest.raises(StorageError, match=r"Cannot reach database postgresql\+psycopg://nobody@127.0.0.1:1/none"):
            upgrade(db)
    finally:
        db.dispose()


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StorageError, match="not valid"):
        open_database("not a url")
