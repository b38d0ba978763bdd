"""Saved wall views: each operator keeps named layouts in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from console.access import PermissionDenied
from console.demo import demo_spec, system_actor
from console.services import Services, build_services
from console.settings import Settings
from console.types import LAYOUT_TILES, Actor, WallView
from console.views import ViewService

QUAD = WallView("Canal watch", "2x2", ("cam01", "cam02", None, "cam04"))
SINGLE = WallView("Station", "1", ("cam03",))


def test_save_list_overwrite_and_delete(demo: Services, controller: Actor) -> None:
    assert demo.views.list(controller) == []
    demo.views.save(controller, QUAD)
    demo.views.save(controller, SINGLE)
    demo.views.save(controller, WallView("all eight", "1+7", tuple(f"cam0{i}" for i in range(1, 9))))
    assert [v.name for v in demo.views.list(controller)] == ["all eight", "Canal watch", "Station"]
    assert demo.views.list(controller)[1] == QUAD

    wider = WallView("  Canal watch ", "3x3", ("cam05", None, None, None, "cam01", None, None, None, None))
    demo.views.save(controller, wider)
    views = {v.name: v for v in demo.views.list(controller)}
    assert len(views) == 3
    assert views["Canal watch"] == dataclasses.replace(wider, name="Canal watch")

    assert demo.views.delete(controller, "Canal watch") is True
    assert demo.views.delete(controller, "Canal watch") is False
    assert [v.name for v in demo.views.list(controller)] == ["all eight", "Station"]


def test_each_operator_sees_only_their_own_views(demo: Services, controller: Actor) -> None:
    sergeant = demo.operations.operator("sgt.demo", "test-console")
    demo.views.save(controller, QUAD)
    demo.views.save(sergeant, dataclasses.replace(QUAD, tiles=("cam08", None, None, None)))
    assert demo.views.list(sergeant) == [dataclasses.replace(QUAD, tiles=("cam08", None, None, None))]
    assert demo.views.list(controller) == [QUAD]

    assert demo.views.delete(sergeant, "Station") is False
    demo.views.save(controller, SINGLE)
    assert demo.views.delete(sergeant, "Station") is False
    assert [v.name for v in demo.views.list(controller)] == ["Canal watch", "Station"]


def test_views_belong_to_the_operation(demo: Services, controller: Actor) -> None:
    other = dataclasses.replace(demo_spec(date.today()), name="other")
    demo.operations.import_spec(system_actor("test-console"), other)
    demo.views.save(controller, QUAD)
    assert ViewService(demo.db, "other").list(controller) == []
    assert ViewService(demo.db, "demo").list(controller) == [QUAD]


def test_auditor_may_not_save_a_view(demo: Services) -> None:
    auditor = demo.operations.operator("auditor.demo", "test-console")
    with pytest.raises(PermissionDenied, match="auditor may not save a wall view"):
        demo.views.save(auditor, QUAD)
    assert demo.views.list(auditor) == []


@pytest.mark.parametrize(
    ("view", "message"),
    [
        (WallView("   ", "1", ("cam01",)), "needs a name"),
        (WallView("x" * 81, "1", ("cam01",)), "limited to 80 characters"),
        (WallView("Bad", "5x5", ("cam01",)), r"Layout '5x5' is not one of 1, 2x2, 3x3, 4x4, 1\+5, 1\+7"),
        (WallView("Short", "2x2", ("cam01", "cam02", None)), "Layout 2x2 has 4 tiles, but the view gives 3"),
        (WallView("Long", "1", ("cam01", None)), "Layout 1 has 1 tiles, but the view gives 2"),
        (WallView("Unknown", "2x2", ("cam01", "cam99", None, None)), "'cam99' is not one of this operation's"),
        (WallView("Twice", "1+5", ("cam01", "cam02", None, "cam01", None, None)), "'cam01' is in the view more than"),
    ],
)
def test_invalid_views_are_refused_with_a_reason(
    demo: Services, controller: Actor, view: WallView, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        demo.views.save(controller, view)
    assert demo.views.list(controller) == []


def test_longest_name_and_empty_tiles_are_accepted(demo: Services, controller: Actor) -> None:
    longest = WallView("n" * 80, "4x4", (None,) * LAYOUT_TILES["4x4"])
    demo.views.save(controller, longest)
    assert demo.views.list(controller) == [longest]


def test_views_survive_reopening_the_database(demo: Services, controller: Actor, settings: Settings) -> None:
    demo.views.save(controller, QUAD)
    demo.views.save(controller, SINGLE)
    demo.close()
    reopened = build_services(settings)
    try:
        assert reopened.views.list(controller) == [QUAD, SINGLE]
    finally:
        reopened.close()


def test_saving_and_deleting_views_leave_the_record_alone(demo: Services, controller: Actor) -> None:
    before = demo.record.head()
    demo.views.save(controller, QUAD)
    demo.views.save(controller, dataclasses.replace(QUAD, layout="1", tiles=("cam02",)))
    demo.views.delete(controller, QUAD.name)
    assert demo.record.head() == before
