"""The playback window: recorded footage of one or more cameras in step, a timeline with the
recorded spans, gaps and tags, and the controls (play/pause, speed 1/4x to 16x, frame step,
previous and next tag). It only asks; the console's playback clock does it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from widgets.keymap import KEYMAP, PLAYBACK, key_sequence
from widgets.tile_feed import TileFeed
from widgets.timeline import TagMark, Timeline, Track
from widgets.video_wall import VideoWall, default_layout

SPEED_CHOICES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def speed_words(speed: float) -> str:
    return {0.25: "¼×", 0.5: "½×"}.get(speed, f"{speed:g}×") + (" (key frames)" if speed > 4 else "")


class PlaybackView(QWidget):
    play_requested = Signal(float)  # speed
    pause_requested = Signal()
    seek_requested = Signal(object)  # datetime
    step_requested = Signal(int)  # +1 or -1 frame
    tag_jump_requested = Signal(int)  # +1 the next tag, -1 the previous one
    closed = Signal()

    def __init__(self, feeds: Sequence[TileFeed], tz: ZoneInfo, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("playbackView")
        self.setWindowTitle(title)
        self.tz = tz
        self.playing = False
        self.wall = VideoWall(feeds, default_layout(len(feeds)))
        self.wall.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the view takes the keys
        self.timeline = Timeline(tz)
        self.timeline.seek_requested.connect(self.seek_requested.emit)
        self.position = QLabel("")
        self.position.setObjectName("playbackPosition")
        self.speed = QComboBox()
        for speed in SPEED_CHOICES:
            self.speed.addItem(speed_words(speed), speed)
        self.speed.setCurrentIndex(SPEED_CHOICES.index(1.0))
        self.speed.currentIndexChanged.connect(self._on_speed)
        self.buttons = {
            "previous_tag": QPushButton("|◀ Tag"),
            "step_back": QPushButton("◀ Frame"),
            "play": QPushButton("▶ Play"),
            "step_on": QPushButton("Frame ▶"),
            "next_tag": QPushButton("Tag ▶|"),
        }
        for name, button in self.buttons.items():
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            keys = key_sequence(f"playback.{name}").toString()
            button.setToolTip(f"{button.text()} [{keys}]")
        self.buttons["play"].clicked.connect(self.toggle_play)
        self.buttons["step_back"].clicked.connect(lambda: self.step_requested.emit(-1))
        self.buttons["step_on"].clicked.connect(lambda: self.step_requested.emit(1))
        self.buttons["previous_tag"].clicked.connect(lambda: self.jump_to_tag(-1))
        self.buttons["next_tag"].clicked.connect(lambda: self.jump_to_tag(1))
        controls = QHBoxLayout()
        for button in self.buttons.values():
            controls.addWidget(button)
        controls.addWidget(QLabel("Speed"))
        controls.addWidget(self.speed)
        controls.addStretch(1)
        controls.addWidget(self.position)
        layout = QVBoxLayout(self)
        layout.addWidget(self.wall, 1)
        layout.addLayout(controls)
        layout.addWidget(self.timeline)
        self.resize(1280, 860)
        self._keys = {key_sequence(s.action).toString(): s.action for s in KEYMAP if s.context == PLAYBACK}

    # --- what it shows -------------------------------------------------------------------------------
    def show_footage(self, tracks: Sequence[Track], tags: Sequence[TagMark], start: datetime, end: datetime) -> None:
        self.timeline.set_tracks(tracks)
        self.timeline.set_tags(tags)
        self.timeline.set_window(start, end)

    def show_position(self, moment: datetime, playing: bool) -> None:
        local = moment.astimezone(self.tz)
        offset = local.strftime("%z")
        state = f"playing {speed_words(self.current_speed())}" if playing else "paused"
        text = (
            f"{local:%a %d %b %Y  %H:%M:%S}.{local.microsecond // 100_000} {local.tzname()} "
            f"(UTC{offset[:3]}:{offset[3:]})  ·  {state}"
        )
        if text != self.position.text():
            self.position.setText(text)
        self.timeline.set_position(moment)
        if playing != self.playing:
            self.playing = playing
            self.buttons["play"].setText("⏸ Pause" if playing else "▶ Play")

    def current_speed(self) -> float:
        return float(self.speed.currentData())

    # --- intents -------------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.playing:
            self.pause_requested.emit()
        else:
            self.play_requested.emit(self.current_speed())

    def _on_speed(self, _index: int) -> None:
        if self.playing:
            self.play_requested.emit(self.current_speed())

    def change_speed(self, steps: int) -> None:
        self.speed.setCurrentIndex(min(max(0, self.speed.currentIndex() + steps), self.speed.count() - 1))

    def jump_to_tag(self, direction: int) -> None:
        self.tag_jump_requested.emit(direction)

    def tag_from(self, here: datetime, direction: int) -> TagMark | None:
        """The tag after (or before) ``here``; one a hair away (the one shown now) does not count."""
        hair = timedelta(milliseconds=100)
        if direction > 0:
            return next((t for t in self.timeline.tags if t.at > here + hair), None)
        return next((t for t in reversed(self.timeline.tags) if t.at < here - hair), None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        pressed = key_sequence_of(event)
        action = self._keys.get(pressed)
        handlers = {
            "playback.play": self.toggle_play,
            "playback.step_back": lambda: self.step_requested.emit(-1),
            "playback.step_on": lambda: self.step_requested.emit(1),
            "playback.previous_tag": lambda: self.jump_to_tag(-1),
            "playback.next_tag": lambda: self.jump_to_tag(1),
            "playback.slower": lambda: self.change_speed(-1),
            "playback.faster": lambda: self.change_speed(1),
            "playback.close": self.close,
        }
        if action in handlers:
            handlers[action]()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: object) -> None:
        self.wall.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.wall.stop()
        self.closed.emit()
        event.accept()


def key_sequence_of(event: QKeyEvent) -> str:
    from PySide6.QtGui import QKeySequence

    return QKeySequence(event.keyCombination()).toString()
