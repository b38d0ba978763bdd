"""The readable summary of a served subject access request, as an A4 PDF."""

from __future__ import annotations

from pathlib import Path

from widgets.exhibit_sheet import pdf_pages


def render_summary(path: Path, title: str, summary: str) -> None:
    """``summary``: plain text, blocks separated by blank lines; written atomically."""
    with pdf_pages(path, title) as page:
        for block in summary.split("\n\n"):
            page.text(block, 9)
