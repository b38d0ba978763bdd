"""The start-of-shift dialog: teams, then the units out tonight and each officer's unit."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from console.shift import RosterOfficer, RosterUnit
from widgets.start_shift_dialog import NOT_ON_DUTY, StartShiftDialog

UNITS = (
    RosterUnit("LANTERN 11", "plain_clothes", "a"),
    RosterUnit("LANTERN 12", "uniformed", "a"),
    RosterUnit("LANTERN 21", "plain_clothes", "b"),
)
OFFICERS = (
    RosterOfficer("PC 1", "Okafor", False, "a", "LANTERN 11"),
    RosterOfficer("SC 7", "Doyle", True, "a", "LANTERN 12"),
    RosterOfficer("PC 2", "Bhatt", False, "b", "LANTERN 21"),
)


def test_units_and_crews_follow_the_teams_chosen(qtbot: QtBot) -> None:
    dialog = StartShiftDialog("Op", [("demo", "Demo")], [("a", "Team A"), ("b", "Team B")], UNITS, OFFICERS)
    qtbot.addWidget(dialog)
    assert dialog.team_keys() == ["a"]
    assert dialog.units() == ["LANTERN 11", "LANTERN 12"]
    assert dialog.crews() == {"PC 1": "LANTERN 11", "SC 7": "LANTERN 12"}
    # LANTERN 12 stays in tonight: its crew moves to LANTERN 11 or stands down
    dict(dialog.unit_boxes_by_sign())["LANTERN 12"].setChecked(False)
    assert dialog.units() == ["LANTERN 11"]
    assert dialog.crews() == {"PC 1": "LANTERN 11", "SC 7": None}
    combo = dialog.crew_boxes[1][1]
    assert [combo.itemText(i) for i in range(combo.count())] == ["LANTERN 11", NOT_ON_DUTY]
    combo.setCurrentText("LANTERN 11")
    assert dialog.crews() == {"PC 1": "LANTERN 11", "SC 7": "LANTERN 11"}
    dialog.team_boxes[1][1].setChecked(True)
    assert dialog.units() == ["LANTERN 11", "LANTERN 21"]
    assert dialog.crews() == {"PC 1": "LANTERN 11", "SC 7": "LANTERN 11", "PC 2": "LANTERN 21"}
