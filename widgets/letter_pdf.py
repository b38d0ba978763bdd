"""Warning letters printed to one PDF, a letter a page (A4, through Qt)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

from widgets.exhibit_sheet import PdfPage, ensure_gui


def render_letters(path: Path, letters: Sequence[tuple[str, str]]) -> None:
    """``letters``: (reference, body) pairs; written atomically."""
    if not letters:
        raise ValueError("no letters to print")
    ensure_gui()
    partial = path.with_name(path.name + ".partial")
    writer = QPdfWriter(str(partial))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(25, 25, 25, 25), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle("Warning letters")
    writer.setCreator("Sentinel Console")
    painter = QPainter(writer)
    try:
        page = PdfPage(writer, painter)
        for index, (_reference, body) in enumerate(letters):
            if index:
                writer.newPage()
                page.y = 0.0
            for paragraph in body.split("\n\n"):
                page.text(paragraph.strip("\n"), 11)
    finally:
        painter.end()
    os.replace(partial, path)
