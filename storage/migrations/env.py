"""Alembic environment: runs migrations on the engine the console hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from storage.models import Base

target_metadata = Base.metadata

# Indexes a migration makes for one engine only, which the models do not describe.
ENGINE_ONLY_INDEXES = {"ix_vehicle_vrm_key_trgm"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and reflected and compare_to is None and name in ENGINE_ONLY_INDEXES)


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
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported")
run_migrations_online()
