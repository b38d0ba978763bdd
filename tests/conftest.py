"""Shared fixtures: an isolated data folder for every test, and databases on both engines."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from console.cameras import prepare_demo_clips
from console.demo import demo_spec, system_actor
from console.services import Services, build_services
from console.settings import Settings
from console.types import Actor, CameraView

pytest_plugins = ["tests.servers.fixtures"]

# shared/ sits beside the checkout (the developers' tree and CI's clone alike).
SHARED = Path(os.environ.get("SENTINEL_SHARED") or Path(__file__).resolve().parents[2] / "shared")


@pytest.fixture(autouse=True)
def _isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the user's data folder, database or Qt settings."""
    data = tmp_path / "data"
    monkeypatch.setenv("SENTINEL_DATA_DIR", str(data))
    monkeypatch.delenv("SENTINEL_DB", raising=False)
    monkeypatch.delenv("SENTINEL_ANCHOR_FILE", raising=False)
    monkeypatch.setenv("SENTINEL_CONSOLE_ID", "test-console")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return data


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the embedded SQLite file and on a fresh database of the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'record.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", db_url=db_url, anchor_path=tmp_path / "anchors.jsonl", console_id="test-console"
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings)
    yield built
    built.close()


@pytest.fixture
def demo(services: Services) -> Services:
    """Services with the demo operation imported."""
    services.operations.import_spec(system_actor("test-console"), demo_spec(date.today()))
    return services


@pytest.fixture
def controller(demo: Services) -> Actor:
    return demo.operations.operator("demo", "test-console")


@pytest.fixture
def shared_footage() -> Path:
    folder = SHARED / "footage"
    if not folder.is_dir():
        pytest.skip(f"real footage not present ({folder}); see shared/footage/SOURCES.md")
    return folder


def pytest_report_header() -> str:
    return f"sentinel: data isolated per test; shared folder {'found' if SHARED.is_dir() else 'absent'} ({SHARED})"


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def demo_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo cameras' clips, encoded once per test session as the first start would."""
    folder = tmp_path_factory.mktemp("demo-cameras")
    cams = [
        CameraView(i, c.key, c.name, "", False, c.kind, c.main_url, c.sub_url)
        for i, c in enumerate(demo_spec(date.today()).cameras)
    ]
    prepare_demo_clips(folder, cams)
    return folder


def demo_settings(tmp_path: Path, demo_clips: Path) -> Settings:
    """Settings of a demo console in ``tmp_path``, with the session's demo clips in place."""
    settings = Settings(
        data_dir=tmp_path / "data",
        db_url=f"sqlite:///{tmp_path / 'console.db'}",
        anchor_path=tmp_path / "anchors.jsonl",
        console_id="test-console",
        operation="demo",
        demo=True,
    )
    shutil.copytree(demo_clips, settings.demo_clip_dir)
    return settings


@contextmanager
def console_session(
    tmp_path: Path, demo_clips: Path, prepare: Callable[[Services], None] | None = None, **settings: Any
) -> Iterator[tuple[Any, Services]]:
    """The console started on the demo operation (offscreen), as `make run` does; shut after.
    ``prepare`` may change the database first (for example import a variant of the demo);
    ``settings`` replace fields of the demo settings (shorter timeouts, demo=False ...)."""
    from PySide6.QtWidgets import QApplication

    from console.app import ConsoleSession

    services = build_services(dataclasses.replace(demo_settings(tmp_path, demo_clips), **settings))
    if prepare is not None:
        prepare(services)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    session = ConsoleSession(app, services)
    try:
        assert session.start()
        yield session, services
    finally:
        if session.window is not None:
            session.window.finish_close()
        session.shutdown()
        services.close()


@pytest.fixture
def demo_console(qtbot: object, tmp_path: Path, demo_clips: Path) -> Iterator[tuple[Any, Services]]:
    with console_session(tmp_path, demo_clips) as started:
        yield started
