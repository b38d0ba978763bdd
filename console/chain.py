"""Canonical serialisation and SHA-256 hashing for the operation record's chain and row digests.

Everything hashed is first turned into canonical JSON (sorted keys, no spaces, UTF-8), so
SQLite and PostgreSQL produce identical digests for identical content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect

from storage.models import DIGEST_SKIP_IF

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def row_key(obj: Any) -> tuple[str, str]:
    """(table, primary key as text) of a mapped row."""
    mapper = sa_inspect(obj).mapper
    pk = mapper.primary_key_from_instance(obj)
    return mapper.local_table.name, ",".join(str(part) for part in pk)


def row_values(obj: Any) -> dict[str, Any]:
    """The values a row digest covers (see storage.models: columns added later are left out
    while they hold their default, derived columns always)."""
    mapper = sa_inspect(obj).mapper
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        for col in attr.columns:
            if not col.info.get("digested", True):
                continue
            value = getattr(obj, attr.key)
            if DIGEST_SKIP_IF in col.info and value == col.info[DIGEST_SKIP_IF]:
                continue
            values[col.key] = value
    return values


def row_digest(obj: Any) -> str:
    table, key = row_key(obj)
    return sha256_text(canonical_json({"table": table, "key": key, "values": row_values(obj)}))


ENTRY_FIELDS = (
    "seq",
    "action_id",
    "operation_id",
    "event_time",
    "append_time",
    "operator",
    "console_id",
    "kind",
    "ref_type",
    "ref_id",
    "corrects_seq",
    "text",
    "payload",
    "rows_digest",
    "prev_hash",
)


def entry_hash(fields: Mapping[str, Any]) -> str:
    """Hash of one record entry over its canonical content, which includes the previous hash."""
    return sha256_text(canonical_json({name: fields[name] for name in ENTRY_FIELDS}))
