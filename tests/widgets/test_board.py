"""The dispatch board on its own: cards, colours in words, the welfare check, drops, the radio
log's buttons and keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from console.types import UnitView
from widgets.board import DispatchBoard, card_state, sighting_mime

NOW = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)


def unit(uid: int, status: str, minutes: int = 3, **extra: object) -> UnitView:
    fields: dict[str, object] = {
        "id": uid,
        "call_sign": f"LANTERN {uid}",
        "kind": "plain_clothes",
        "team": "Team A",
        "status": status,
        "status_since": NOW - timedelta(minutes=minutes),
        "officers": ("PC 1 Okafor", "SC 7718 Doyle (Special)"),
    }
    fields.update(extra)
    return UnitView(**fields)  # type: ignore[arg-type]


def board(qtbot: QtBot, clock: list[datetime] | None = None) -> DispatchBoard:
    now = clock or [NOW]
    widget = DispatchBoard(clock=lambda: now[0], welfare_minutes=15)
    qtbot.addWidget(widget)
    widget.resize(420, 700)
    return widget


def test_cards_show_units_on_duty_with_status_minutes_tasking_and_specials(qtbot: QtBot) -> None:
    b = board(qtbot)
    b.show_units(
        [
            unit(11, "available"),
            unit(12, "on_scene", 7, tasking_id=4, tasking_place="Canal Street", tasking_what="AB12 CDE"),
            unit(21, "off_duty"),
        ]
    )
    assert set(b.cards) == {11, 12}
    assert b.cards[11].status.text() == "AVAILABLE  ·  3 min"
    assert b.cards[12].status.text() == "ON SCENE  ·  7 min"
    assert b.cards[12].tasking.text() == "Tasking T-4 · Canal Street · AB12 CDE"
    assert "(Special)" in b.cards[11].officers.text()
    assert b.off_duty.text() == "Off duty: LANTERN 21"
    b.show_units([unit(11, "off_duty"), unit(12, "available")])
    assert set(b.cards) == {12} and "LANTERN 11" in b.off_duty.text()


def test_urgent_assistance_is_red_with_words_until_acknowledged(qtbot: QtBot) -> None:
    b = board(qtbot)
    b.show_units([unit(11, "urgent_assistance", 0)])
    card = b.cards[11]
    assert card.alert == "urgent" and "URGENT ASSISTANCE" in card.status.text()
    assert "NOT ACKNOWLEDGED" in card.status.text()
    b.select(11)
    assert b.radio.acknowledge.isEnabled()
    assert not b.radio.buttons["available"].isEnabled()  # acknowledge first
    b.show_units([unit(11, "urgent_assistance", 0, urgent_acknowledged_by="Sgt Demo")])
    assert card.alert == "acknowledged" and "acknowledged by Sgt Demo" in card.status.text()
    assert not b.radio.acknowledge.isEnabled() and b.radio.buttons["available"].isEnabled()


def test_no_update_for_the_welfare_time_turns_amber_with_words(qtbot: QtBot) -> None:
    clock = [NOW]
    b = board(qtbot, clock)
    b.show_units([unit(11, "on_scene", 14, tasking_id=1), unit(12, "busy", 40)])
    assert b.cards[11].alert == "" and b.cards[12].alert == ""  # busy is not watched
    clock[0] = NOW + timedelta(minutes=2)
    b.refresh_times()
    assert b.cards[11].alert == "welfare"
    assert b.cards[11].status.text() == "ON SCENE  ·  16 min  ·  no update 16 min: welfare check"
    assert card_state(unit(1, "dispatched", 15), NOW, 15)[0] == "welfare"
    assert card_state(unit(1, "dispatched", 14), NOW, 15)[0] == ""


def test_a_sighting_dropped_on_a_card_asks_for_a_dispatch(qtbot: QtBot) -> None:
    b = board(qtbot)
    b.show_units([unit(11, "available"), unit(12, "available")])
    b.show()
    card = b.cards[12]
    data = sighting_mime(345)  # kept alive: the event only points at it
    with qtbot.waitSignal(b.dispatch_requested) as asked:
        drop = QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            data,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        card.dropEvent(drop)
    assert asked.args == [12, 345]


def test_radio_log_offers_only_allowed_changes_and_sends_what_the_board_showed(qtbot: QtBot) -> None:
    b = board(qtbot)
    b.show_units([unit(11, "available"), unit(12, "dispatched", tasking_id=9)])
    b.select(11)
    enabled = {s for s, button in b.radio.buttons.items() if button.isEnabled()}
    assert enabled == {"busy", "off_duty", "urgent_assistance"}
    assert not b.radio.close_tasking.isEnabled()
    b.select(12)
    enabled = {s for s, button in b.radio.buttons.items() if button.isEnabled()}
    assert enabled == {"en_route", "on_scene", "urgent_assistance"}
    with qtbot.waitSignal(b.radio.status_requested) as asked:
        qtbot.mouseClick(b.radio.buttons["on_scene"], Qt.MouseButton.LeftButton)
    assert asked.args == [12, "on_scene", "dispatched"]
    with qtbot.waitSignal(b.radio.close_requested) as closing:
        qtbot.mouseClick(b.radio.close_tasking, Qt.MouseButton.LeftButton)
    assert closing.args == [9]
    with qtbot.waitSignal(b.radio.line_entered) as line:
        qtbot.keyClicks(b.radio.line, "Stopped at the lights")
        qtbot.keyClick(b.radio.line, Qt.Key.Key_Return)
    assert line.args == [12, "Stopped at the lights"]


def test_up_and_down_move_between_cards_and_clicks_select(qtbot: QtBot) -> None:
    b = board(qtbot)
    b.show_units([unit(11, "available"), unit(12, "available"), unit(13, "busy")])
    b.show()
    qtbot.mouseClick(b.cards[12], Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert b.selected_id == 12 and b.cards[12].selected
    b.setFocus()
    qtbot.keyClick(b, Qt.Key.Key_Down)
    assert b.selected_id == 13
    qtbot.keyClick(b, Qt.Key.Key_Up)
    qtbot.keyClick(b, Qt.Key.Key_Up)
    assert b.selected_id == 11 and "LANTERN 11" in b.radio.heading.text()


def test_backup_and_reassign_choices_follow_the_selected_unit(qtbot: QtBot) -> None:
    b = board(qtbot)
    b.show_units(
        [
            unit(11, "on_scene", tasking_id=7),
            unit(12, "available"),
            unit(13, "returning"),
            unit(14, "busy"),
        ]
    )
    b.select(12)  # a free unit: send it as backup to an open tasking
    radio = b.radio
    assert radio.other_action.text() == "Send as backup"
    assert [radio.other.itemText(i) for i in range(radio.other.count())] == ["T-7 with LANTERN 11"]
    with qtbot.waitSignal(radio.backup_requested) as backup:
        qtbot.mouseClick(radio.other_action, Qt.MouseButton.LeftButton)
    assert backup.args == [7, 12]
    b.select(11)  # a tasked unit: hand its place to a free one
    assert radio.other_action.text() == "Hand tasking to this unit"
    assert [radio.other.itemText(i) for i in range(radio.other.count())] == ["LANTERN 12", "LANTERN 13"]
    radio.other.setCurrentIndex(1)
    with qtbot.waitSignal(radio.reassign_requested) as handed:
        qtbot.mouseClick(radio.other_action, Qt.MouseButton.LeftButton)
    assert handed.args == [7, 11, 13]
    b.select(14)  # busy: neither
    assert not radio.other_action.isEnabled()
