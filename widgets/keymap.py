"""Every keyboard shortcut of the console, in one table. The shell binds them, the help overlay
lists them, and a test fails on any clash."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

WINDOW = "window"  # anywhere in the main window
WALL = "wall"  # while the video wall has focus
PANEL = "panel"  # inside the tag/note panel
BOARD = "board"  # while the dispatch board has focus
PLAYBACK = "playback"  # in the playback window


@dataclass(frozen=True)
class Shortcut:
    action: str
    keys: str
    words: str
    context: str = WINDOW


KEYMAP: tuple[Shortcut, ...] = (
    Shortcut("help", "F1", "Show or hide this list of shortcuts"),
    Shortcut("fullscreen", "F11", "Full screen on or off"),
    Shortcut("note", "Ctrl+L", "Write a log note (focus the note line)"),
    Shortcut("panel.save", "Ctrl+Return", "Save the tag, or add the note to the record", PANEL),
    Shortcut("panel.cancel", "Esc", "Cancel the tag, or clear the note", PANEL),
    Shortcut("tile.tag", "T", "Tag: freeze the selected tile and draw boxes on it", WALL),
    Shortcut("record.filter", "Ctrl+Shift+F", "Filter the operation record"),
    Shortcut("board", "Ctrl+B", "Go to the dispatch board"),
    Shortcut("sightings", "Ctrl+G", "Go to the sightings list (search by VRM or subject)"),
    Shortcut("returns", "Ctrl+Shift+R", "Go to the returns: tonight, this week, the operation to date"),
    Shortcut("partner_actions", "Ctrl+Shift+A", "Go to the partner actions: findings given to partners, overdue ones"),
    Shortcut("letters", "Ctrl+Shift+L", "Go to the warning letters: prepare, register, print"),
    Shortcut("strikes", "Ctrl+Shift+K", "Go to the three-strikes register and ESOs"),
    Shortcut("wall", "Ctrl+W", "Go to the video wall"),
    Shortcut("community", "Ctrl+Shift+C", "Record a community complaint or tension note"),
    Shortcut("audit", "Ctrl+Shift+U", "Go to the audit trail (auditors and supervisors)"),
    Shortcut("setup", "Ctrl+Shift+O", "Operation set-up: cameras, masks, roster, operators (administrators)"),
    Shortcut(
        "data_requests",
        "Ctrl+Shift+D",
        "Data requests: subject access and erasure (supervisors), retention on demand (administrators)",
    ),
    Shortcut("lock", "Ctrl+Alt+L", "Lock the console: the wall and board stay live, panels with personal data hide"),
    Shortcut("tile.single", "Return", "Selected camera full size, or back to the wall", WALL),
    Shortcut("tile.back", "Esc", "Back to the whole wall", WALL),
    Shortcut("tile.next", "Right", "Select the next camera", WALL),
    Shortcut("tile.previous", "Left", "Select the previous camera", WALL),
    Shortcut("tile.down", "Down", "Select the camera below", WALL),
    Shortcut("tile.up", "Up", "Select the camera above", WALL),
    Shortcut("tile.pause", "Space", "Pause the selected tile (freeze its picture) or resume", WALL),
    *(
        Shortcut(f"wall.layout.{name}", f"Alt+{n}", f"Wall layout {words}")
        for n, (name, words) in enumerate(
            [("1", "1"), ("2x2", "2×2"), ("3x3", "3×3"), ("4x4", "4×4"), ("1+5", "1+5"), ("1+7", "1+7")], start=1
        )
    ),
    Shortcut("wall.cameras", "Ctrl+K", "Go to the camera list (drag a camera onto a tile)"),
    Shortcut("wall.save_view", "Ctrl+Shift+S", "Save the wall as a named view"),
    *(Shortcut(f"tile.{n}", f"Ctrl+{n}", f"Select camera {n}") for n in range(1, 10)),
    Shortcut("masks.lift", "Ctrl+M", "Privacy masks of the selected tile's camera: lift for a while, or re-apply"),
    Shortcut("footage.play", "Ctrl+P", "Play back recorded footage around the selected sighting or camera"),
    Shortcut("playback.play", "Space", "Play or pause the footage", PLAYBACK),
    Shortcut("playback.step_back", "Left", "One frame back", PLAYBACK),
    Shortcut("playback.step_on", "Right", "One frame on", PLAYBACK),
    Shortcut("playback.previous_tag", "PgUp", "Jump to the previous tag", PLAYBACK),
    Shortcut("playback.next_tag", "PgDown", "Jump to the next tag", PLAYBACK),
    Shortcut("playback.slower", "[", "Play slower (down to 1/4x)", PLAYBACK),
    Shortcut("playback.faster", "]", "Play faster (up to 16x; above 4x key frames only)", PLAYBACK),
    Shortcut("playback.close", "Esc", "Close the playback window", PLAYBACK),
    Shortcut("evidence.export", "Ctrl+E", "Export evidence: the selected sighting's footage, or the selected camera's"),
    Shortcut("board.dispatch", "Ctrl+D", "Dispatch the selected unit to the selected sighting"),
    Shortcut("radio.en_route", "F5", "Selected unit: en route"),
    Shortcut("radio.on_scene", "F6", "Selected unit: on scene"),
    Shortcut("radio.busy", "F7", "Selected unit: busy"),
    Shortcut("radio.returning", "F8", "Selected unit: returning"),
    Shortcut("radio.available", "F9", "Selected unit: available"),
    Shortcut("radio.off_duty", "Shift+F9", "Selected unit: off duty"),
    Shortcut("radio.urgent_assistance", "F12", "Selected unit: URGENT ASSISTANCE"),
    Shortcut("radio.acknowledge", "F10", "Acknowledge the selected unit's urgent assistance call"),
    Shortcut("radio.close", "Ctrl+F4", "Close the selected unit's tasking with its outcomes"),
    Shortcut("radio.line", "Ctrl+R", "Write a radio log line for the selected unit"),
    Shortcut("board.up", "Up", "Select the unit above", BOARD),
    Shortcut("board.down", "Down", "Select the unit below", BOARD),
    Shortcut("layout.reset", "Ctrl+Shift+0", "Put the panels back where they started"),
    Shortcut("quit", "Ctrl+Q", "End the shift and close the console"),
)

# Contexts that are active at the same time as each other (WINDOW is active everywhere).
_OVERLAPS = {
    WINDOW: {WINDOW, WALL, PANEL, BOARD},
    WALL: {WINDOW, WALL},
    PANEL: {WINDOW, PANEL},
    BOARD: {WINDOW, BOARD},
    PLAYBACK: {PLAYBACK},  # its own window: the main window's shortcuts do not reach it
}


def clashes(keymap: tuple[Shortcut, ...] = KEYMAP) -> list[str]:
    """Pairs of shortcuts that would fight over the same keys in overlapping contexts."""
    by_keys: dict[str, list[Shortcut]] = defaultdict(list)
    for shortcut in keymap:
        normal = QKeySequence(shortcut.keys).toString(QKeySequence.SequenceFormat.PortableText)
        if not normal:
            return [f"{shortcut.action}: {shortcut.keys!r} is not a key sequence"]
        by_keys[normal].append(shortcut)
    found = []
    for keys, group in sorted(by_keys.items()):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if b.context in _OVERLAPS[a.context]:
                    found.append(f"{keys}: {a.action} ({a.context}) and {b.action} ({b.context})")
    actions = [s.action for s in keymap]
    found += [f"action {a} appears twice" for a in sorted(set(actions)) if actions.count(a) > 1]
    return found


def shortcut(action: str) -> Shortcut:
    for s in KEYMAP:
        if s.action == action:
            return s
    raise KeyError(f"no shortcut for action {action!r} in the keymap")


def key_sequence(action: str) -> QKeySequence:
    return QKeySequence(shortcut(action).keys)


def key_combination(action: str) -> QKeyCombination:
    """The first key chord of an action, for widgets that read keys in an event filter."""
    combo: QKeyCombination = key_sequence(action)[0]  # type: ignore[index]
    return combo


class PanelKeys(QObject):
    """Reads a panel's keys (save, cancel) straight off its input widgets, so they work
    whatever window is active (a floated dock, the offscreen platform in tests)."""

    def __init__(self, handlers: dict[str, Callable[[], object]], widgets: Iterable[QObject], parent: QObject) -> None:
        super().__init__(parent)
        self._handlers = {key_combination(action): handler for action, handler in handlers.items()}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            combo = event.keyCombination()
            if combo.key() == Qt.Key.Key_Enter:  # the keypad's Enter counts as Return
                combo = QKeyCombination(
                    combo.keyboardModifiers() & ~Qt.KeyboardModifier.KeypadModifier, Qt.Key.Key_Return
                )
            handler = self._handlers.get(combo)
            if handler is not None:
                handler()
                return True
        return super().eventFilter(watched, event)
