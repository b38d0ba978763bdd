"""Layering that import-linter cannot express (ARCHITECTURE.md): no Qt widgets or GUI in video/,
widgets take only the plain types from console/, and the contracts themselves hold."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports(folder: str) -> list[tuple[Path, str]]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((path, node.module))
    return found


def test_video_uses_no_qt_widgets_or_gui() -> None:
    bad = [(p.name, m) for p, m in imports("video") if m.startswith(("PySide6.QtWidgets", "PySide6.QtGui"))]
    assert bad == []


def test_widgets_take_only_plain_types_from_console() -> None:
    # Plain types and rules as data (no database, no Qt): the board reads the dispatch rules to
    # offer only the allowed changes; the services enforce the same rules.
    allowed = {"console.types", "console.access", "console.dispatch_rules", "console.partner_rules"}
    bad = [(p.name, m) for p, m in imports("widgets") if m.startswith("console") and m not in allowed]
    assert bad == []


def test_no_gui_blocking_calls_in_console_or_widgets() -> None:
    bad = [
        (p.name, m)
        for folder in ("console", "widgets")
        for p, m in imports(folder)
        if m in ("cv2", "av") and folder == "widgets"
    ]
    assert bad == []
    for folder in ("console", "widgets"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "time.sleep(" not in path.read_text(), f"{path.name} sleeps"


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout
