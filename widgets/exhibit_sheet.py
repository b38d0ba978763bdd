"""The printable exhibit sheet of an evidence package (PDF through Qt): the facts of the
manifest, the manifest's own SHA-256, and the handling log that each handover extends."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen
from PySide6.QtWidgets import QApplication


def sheet_time(iso: str) -> str:
    """``2026-12-01T08:15:09.573+00:00`` as ``01/12/2026 08:15:09 +00:00`` (the offset kept)."""
    moment = datetime.fromisoformat(iso)
    digits = moment.strftime("%z")
    return f"{moment:%d/%m/%Y %H:%M:%S} {digits[:3]}:{digits[3:]}"


@dataclass(frozen=True)
class Handling:
    """One line of the handling log (``when``: ISO date-time with its offset)."""

    when: str
    from_name: str
    to_name: str
    note: str = ""


@dataclass(frozen=True)
class ExhibitSheet:
    reference: str
    facts: tuple[tuple[str, str], ...]
    manifest_sha256: str
    files: tuple[tuple[str, str], ...]  # (name, sha256)
    handling: tuple[Handling, ...]


def sheet_from_manifest(manifest: dict[str, Any], manifest_sha256: str, handovers: Sequence[Handling]) -> ExhibitSheet:
    req, act = manifest["requested"], manifest["actual"]
    cameras = "; ".join(f"{c['name']} ({c['key']})" for c in manifest["cameras"])
    gaps = [f"{c['name']}: {g['from_utc']} to {g['to_utc']}" for c in manifest["cameras"] for g in c["gaps"]]
    clocks = manifest["clocks"]
    offset = clocks["console_minus_database_ms"]
    facts = (
        ("Exhibit reference", manifest["exhibit_reference"]),
        ("Operation", manifest["operation"]["title"] or manifest["operation"]["name"]),
        ("Produced by", f"{manifest['operator']['name']} ({manifest['operator']['role']}) at {manifest['console']}"),
        ("Produced at", f"{manifest['created_at_local']} ({manifest['created_at_utc']})"),
        ("Reason", manifest["reason"]),
        ("Cameras", cameras),
        ("Requested span", f"{req['start_local']} to {req['end_local']}"),
        ("Actual span", f"{act['start_local']} to {act['end_local']}"),
        ("Gaps in the footage", "; ".join(gaps) if gaps else "none"),
        ("Console clock", clocks["database"] if offset is None else f"{offset:+.0f} ms against the database server"),
        ("Privacy masks", _privacy_words(manifest["privacy_masks"])),
        ("Record head at export", f"{manifest['record_head']['entries']} entries, {manifest['record_head']['hash']}"),
        ("Software", f"sentinel-console {manifest['software']['version']}, PyAV {manifest['software']['pyav']}"),
    )
    first = Handling(manifest["created_at_local"], "(produced)", manifest["operator"]["name"], "exported")
    return ExhibitSheet(
        reference=manifest["exhibit_reference"],
        facts=facts,
        manifest_sha256=manifest_sha256,
        files=tuple(sorted(manifest["files"].items())),
        handling=(first, *handovers),
    )


def ensure_gui() -> None:
    """QPdfWriter needs a GUI application (fonts), and the return's charts a widgets one; the
    command line has neither."""
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        QApplication(["sentinel-console"])


class PdfPage:
    """Writes lines down A4 pages, starting a new page when one is full."""

    def __init__(self, writer: QPdfWriter, painter: QPainter) -> None:
        self.writer, self.p = writer, painter
        self.width = writer.width()
        self.height = writer.height()
        self.y = 0.0

    def need(self, height: float) -> None:
        if self.y + height > self.height:
            self.writer.newPage()
            self.y = 0.0

    def text(self, words: str, size: float = 10, bold: bool = False, indent: float = 0, wrap: bool = True) -> None:
        self.p.setFont(sheet_font(size, bold))
        flags = int(Qt.AlignmentFlag.AlignLeft) | (int(Qt.TextFlag.TextWordWrap) if wrap else 0)
        box = self.p.boundingRect(QRectF(indent, 0, self.width - indent, self.height), flags, words)
        self.need(box.height())
        self.p.drawText(QRectF(indent, self.y, self.width - indent, box.height()), flags, words)
        self.y += box.height() + size * 4

    def row(
        self, cells: Sequence[str], widths: Sequence[float], size: float = 9, bold: bool = False, words: bool = False
    ) -> None:
        """A row of boxed cells; ``words``: wrap between words (prose), else anywhere (hashes)."""
        self.p.setFont(sheet_font(size, bold))
        wrap = Qt.TextFlag.TextWordWrap if words else Qt.TextFlag.TextWrapAnywhere
        flags = int(Qt.AlignmentFlag.AlignLeft) | int(wrap)
        x, tallest = 0.0, 0.0
        boxes = []
        for cell, share in zip(cells, widths, strict=True):
            w = self.width * share
            box = self.p.boundingRect(QRectF(0, 0, w - 40, self.height), flags, cell)
            boxes.append((x, w))
            tallest = max(tallest, box.height())
            x += w
        height = tallest + 60
        self.need(height)
        self.p.setPen(QPen(Qt.GlobalColor.black, 4))
        for (left, w), cell in zip(boxes, cells, strict=True):
            self.p.drawRect(QRectF(left, self.y, w, height))
            self.p.drawText(QRectF(left + 20, self.y + 30, w - 40, tallest), flags, cell)
        self.y += height


def sheet_font(size: float, bold: bool = False) -> QFont:
    """The printed documents' font, without ligatures: a hash or VRM with "ff" or "fi" must copy
    out of the PDF as the letters it is, not as one ligature glyph."""
    font = QFont("DejaVu Sans", 1)
    font.setPointSizeF(size)
    font.setBold(bold)
    for tag in ("liga", "clig", "dlig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


@contextmanager
def pdf_pages(path: Path, title: str, margin_mm: float = 15, landscape: bool = False) -> Iterator[PdfPage]:
    """An A4 PDF at 300 dpi written to a side file and moved onto ``path`` only when complete,
    so a half-written document never replaces a good one."""
    ensure_gui()
    partial = path.with_name(path.name + ".partial")
    writer = QPdfWriter(str(partial))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    if landscape:
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Sentinel Console")
    painter = QPainter(writer)
    try:
        yield PdfPage(writer, painter)
    finally:
        painter.end()
    os.replace(partial, path)


def render_exhibit_sheet(path: Path, sheet: ExhibitSheet, blank_handling_rows: int = 6) -> None:
    """Write the sheet as an A4 PDF (atomically: a half-written sheet never replaces a good one)."""
    ensure_gui()
    partial = path.with_name(path.name + ".partial")
    writer = QPdfWriter(str(partial))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(f"Exhibit {sheet.reference}")
    writer.setCreator("Sentinel Console")
    painter = QPainter(writer)
    try:
        page = PdfPage(writer, painter)
        page.text(f"Exhibit sheet: {sheet.reference}", 16, bold=True)
        for label, value in sheet.facts:
            page.row([label, value], [0.28, 0.72])
        page.y += 60
        page.text("SHA-256 of manifest.json (also held in the operation record):", 10, bold=True)
        page.text(sheet.manifest_sha256, 11, bold=True, wrap=False)
        page.text(
            "Check the package without the console: in its folder run  sha256sum -c SHA256SUMS  (every line OK), "
            "then  sha256sum manifest.json  must print the hash above.",
            9,
        )
        page.text("Files", 11, bold=True)
        page.row(["File", "SHA-256"], [0.4, 0.6], bold=True)
        for name, digest in sheet.files:
            page.row([name, digest], [0.4, 0.6], size=7.5)
        page.y += 60
        page.need(page.height * 0.2)  # the log's title, header and first rows stay together
        page.text("Handling log", 11, bold=True)
        widths = [0.25, 0.22, 0.22, 0.15, 0.16]
        page.row(["Date and time", "From", "To", "Purpose", "Signature"], widths, bold=True)
        for h in sheet.handling:
            page.row([sheet_time(h.when), h.from_name, h.to_name, h.note, ""], widths)
        for _ in range(blank_handling_rows):
            page.row([" ", " ", " ", " ", " "], widths)
    finally:
        painter.end()
    os.replace(partial, path)


def _privacy_words(privacy: str | dict[str, object]) -> str:
    """The manifest's privacy-mask words, with each masked camera's masks named (older
    manifests held only words)."""
    if isinstance(privacy, str):
        return privacy
    words = str(privacy.get("words", ""))
    cameras = privacy.get("cameras")
    if isinstance(cameras, dict):
        named = [f"{key}: " + ", ".join(str(m.get("name", "")) for m in masks) for key, masks in cameras.items()]
        words += " Masks: " + "; ".join(named) + "."
    return words
