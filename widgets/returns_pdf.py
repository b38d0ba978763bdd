"""A return as a printable PDF (through Qt): the period, the record's head, the figures as a
table, then the charts, each under its title."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from widgets.exhibit_sheet import PdfPage, ensure_gui


def render_return(
    path: Path,
    title: str,
    facts: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, str, str]],
    charts: Sequence[tuple[str, QImage]] = (),
) -> None:
    """``rows``: (section, figure, value) in order; a section's name is printed once.
    ``charts``: (title, picture), each printed the width of the page."""
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
        if charts:
            writer.newPage()  # the charts start a page of their own, two to a page
            page.y = 0.0
        for name, picture in charts:
            _chart(page, name, picture)
    finally:
        painter.end()
    os.replace(partial, path)


def _chart(page: PdfPage, title: str, picture: QImage) -> None:
    height = page.width * picture.height() / picture.width()
    page.need(height + 200)  # the title stays with its chart
    page.text(title, 11, bold=True)
    # Flat colours and thin text: JPEG (Qt's default for pictures) would smear them.
    page.p.setRenderHint(QPainter.RenderHint.LosslessImageRendering)
    page.p.drawImage(QRectF(0, page.y, page.width, height), picture)
    page.y += height + 80
