"""The record list: newest first, bounded, filtered by kind and words."""

from __future__ import annotations

from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from console.types import EntryView
from widgets.record_view import RecordModel, RecordView


def entry(seq: int, kind: str = "log.note", text: str = "Log note", detail: str = "") -> EntryView:
    return EntryView(
        seq=seq,
        event_time=datetime.now(UTC),
        append_time=datetime.now(UTC),
        operator="demo",
        console_id="c1",
        kind=kind,
        ref_type="",
        ref_id="",
        text=text,
        corrects_seq=None,
        hash=f"{seq:064x}",
        detail=detail,
    )


def test_newest_first_and_no_duplicates() -> None:
    model = RecordModel()
    model.add_entries([entry(1), entry(2)])
    model.add_entries([entry(3), entry(2)])
    assert [model.data(model.index(r, 0)) for r in range(model.rowCount())] == ["3", "2", "1"]


def test_memory_is_bounded() -> None:
    model = RecordModel(limit=100)
    for start in range(1, 1000, 50):
        model.add_entries([entry(s) for s in range(start, start + 50)])
    assert model.rowCount() == 100
    assert model.newest_seq == 1000


def test_filter_by_kind_and_words(qtbot: QtBot) -> None:
    model = RecordModel()
    view = RecordView(model)
    qtbot.addWidget(view)
    model.add_entries(
        [
            entry(1, "shift.started", "Demo started the shift"),
            entry(2, detail="Blue van circling Canal Street"),
            entry(3, detail="Lighting out on Mill Lane"),
        ]
    )
    assert view.visible_rows() == 3
    view.kind_box.setCurrentText("log.note")
    assert view.visible_rows() == 2
    qtbot.keyClicks(view.search, "canal van")
    assert view.visible_rows() == 1
    assert view.proxy.data(view.proxy.index(0, 4)) == "Blue van circling Canal Street"
    view.kind_box.setCurrentText(RecordView.ALL_KINDS)
    view.search.clear()
    assert view.visible_rows() == 3
