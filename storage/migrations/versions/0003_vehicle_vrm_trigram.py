"""vehicle.vrm_key (the VRM without spaces) for fragment search, with a trigram index on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 17:00:00

The trigram index needs the pg_trgm extension, which ships with the server and is trusted, so
the database owner may create it. Without it the search still works, by scanning the vehicle
table. SQLite keeps its plain scan: it is fast enough there. vrm_key is derived from vrm and
left out of the row digests, so existing vehicle rows verify unchanged.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

log = logging.getLogger("storage.migrations")

INDEX = "ix_vehicle_vrm_key_trgm"


def upgrade() -> None:
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vrm_key', sa.String(length=20), nullable=False, server_default=''))
    op.execute(sa.text("UPDATE vehicle SET vrm_key = upper(replace(vrm, ' ', ''))"))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm is not available (%s); VRM search will scan the vehicle table", exc.orig)
        return
    bind.execute(sa.text(f"CREATE INDEX {INDEX} ON vehicle USING gin (vrm_key gin_trgm_ops)"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {INDEX}"))
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_column('vrm_key')
