"""Row digests stay stable when a later migration adds a column to a digested table, and a
derived column (vehicle.vrm_key) never enters them."""

from __future__ import annotations

from datetime import UTC, datetime

from console.chain import row_digest, row_values
from storage.models import Operation, PatrolUnit, Vehicle


def test_columns_added_later_are_left_out_while_they_hold_their_default() -> None:
    unit = PatrolUnit(id=1, operation_id=1, call_sign="LANTERN 11", kind="uniformed", status="available")
    unit.urgent_acknowledged_by = ""
    before = row_values(unit)
    assert "urgent_acknowledged_at" not in before and "urgent_acknowledged_by" not in before
    digest = row_digest(unit)
    unit.urgent_acknowledged_at, unit.urgent_acknowledged_by = datetime(2026, 11, 28, tzinfo=UTC), "Sgt Demo"
    assert row_values(unit)["urgent_acknowledged_by"] == "Sgt Demo"
    assert row_digest(unit) != digest  # once set, a change is covered
    op = Operation(id=1, name="x", start_date=datetime(2026, 1, 1).date(), welfare_check_minutes=15)
    assert "welfare_check_minutes" not in row_values(op)
    op.welfare_check_minutes = 20
    assert row_values(op)["welfare_check_minutes"] == 20


def test_vrm_key_follows_the_vrm_and_is_not_digested() -> None:
    vehicle = Vehicle(id=1, operation_id=1, vrm="OY09 FEU")
    assert vehicle.vrm_key == "OY09FEU" and "vrm_key" not in row_values(vehicle)
    vehicle.vrm = "AB12 CDE"
    assert vehicle.vrm_key == "AB12CDE"
