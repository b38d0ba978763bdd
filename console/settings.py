"""Where the console keeps its data and which database it talks to, from options and environment.

Environment (all optional): SENTINEL_DATA_DIR, SENTINEL_DB, SENTINEL_ANCHOR_FILE,
SENTINEL_CONSOLE_ID, SENTINEL_RECORDINGS_DIR (where footage is recorded),
SENTINEL_RECORDING_LIMIT_GB (the most footage the recordings folder may hold; default: whatever
leaves 5 % of its disk free). Tests set SENTINEL_DATA_DIR so nothing touches the user's folders.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy.engine import make_url

APP_NAME = "sentinel-console"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_url: str
    anchor_path: Path
    console_id: str
    operation: str | None = None
    demo: bool = False
    recordings_dir: Path | None = None
    recording_limit_bytes: int | None = None  # None: leave 5 % of the disk free
    record_in_console: bool = True  # False where a dedicated recorder machine records
    idle_lock_seconds: int = 600  # lock the console after this long without a key or the mouse; 0: never

    @property
    def recordings(self) -> Path:
        """Recorded segments, one folder per camera and UTC day."""
        return self.recordings_dir or self.data_dir / "recordings"

    @property
    def demo_clip_dir(self) -> Path:
        return self.data_dir / "demo-cameras"

    @property
    def stills_dir(self) -> Path:
        """Sighting stills (JPEG), one folder per operation and day."""
        return self.data_dir / "stills"

    @property
    def ui_state_path(self) -> Path:
        return self.data_dir / "ui-state.ini"


def default_anchor_path(db_url: str, data_dir: Path) -> Path:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_suffix(".anchors.jsonl")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{url.host or 'local'}_{url.port or ''}_{url.database or ''}")
    return data_dir / "anchors" / f"{name}.jsonl"


def load_settings(
    db: str | None = None, operation: str | None = None, demo: bool = False, anchor: str | None = None
) -> Settings:
    env = os.environ
    data_dir = Path(env.get("SENTINEL_DATA_DIR") or user_data_dir(APP_NAME, appauthor=False))
    db_url = db or env.get("SENTINEL_DB") or f"sqlite:///{data_dir / 'sentinel.db'}"
    anchor_path = Path(anchor or env.get("SENTINEL_ANCHOR_FILE") or default_anchor_path(db_url, data_dir))
    console_id = env.get("SENTINEL_CONSOLE_ID") or socket.gethostname() or "console"
    recordings = env.get("SENTINEL_RECORDINGS_DIR")
    limit_gb = env.get("SENTINEL_RECORDING_LIMIT_GB")
    try:
        limit = int(float(limit_gb) * 1e9) if limit_gb else None
    except ValueError:
        raise ValueError(f"SENTINEL_RECORDING_LIMIT_GB must be a number of gigabytes, not {limit_gb!r}") from None
    idle = env.get("SENTINEL_IDLE_LOCK_MINUTES", "10")
    try:
        idle_seconds = round(float(idle) * 60)
    except ValueError:
        raise ValueError(f"SENTINEL_IDLE_LOCK_MINUTES must be a number of minutes (0: never), not {idle!r}") from None
    if idle_seconds < 0:
        raise ValueError("SENTINEL_IDLE_LOCK_MINUTES cannot be negative")
    return Settings(
        data_dir=data_dir,
        db_url=db_url,
        anchor_path=anchor_path,
        console_id=console_id,
        operation=operation or ("demo" if demo else None),
        demo=demo,
        recordings_dir=Path(recordings) if recordings else None,
        recording_limit_bytes=limit,
        record_in_console=env.get("SENTINEL_RECORD_IN_CONSOLE", "1") != "0",
        idle_lock_seconds=idle_seconds,
    )
