"""Alembic environment: runs migrations on the engine the console hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from storage.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("migrations need an engine: use storage.db.upgrade()")
    # Plain (deferred) transaction even on SQLite: DDL needs no queueing behind writers.
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported")
run_migrations_online()
