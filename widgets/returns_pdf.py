"""A return as a printable PDF table (through Qt): the period, the record's head, the figures."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

from widgets.exhibit_sheet import PdfPage, ensure_gui


def render_return(
    path: Path, title: str, facts: Sequence[tuple[str, str]], rows: Sequence[tuple[str, str, str]]
) -> None:
    """``rows``: (section, figure, value) in order; a section's name is printed once."""
    ensure_gui()
    partial = path.with_name(path.name + ".partial")
    writer = QPdfWriter(str(partial))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Sentinel Console")
    painter = QPainter(writer)
    try:
        page = PdfPage(writer, painter)
        page.text(title, 15, bold=True)
        for label, value in facts:
            page.row([label, value], [0.25, 0.75], size=8.5)
        page.y += 40
        section = None
        for name, figure, value in rows:
            if name != section:
                section = name
                page.y += 30
                page.text(name, 11, bold=True)
            page.row([figure, value], [0.8, 0.2], size=9)
    finally:
        painter.end()
    os.replace(partial, path)
