"""Partner actions for the partnership meeting as a PDF (A4 through Qt): the date and the
record's head, then the actions grouped by partner, overdue ones said in words."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from widgets.exhibit_sheet import pdf_pages

HEADERS = ("Ref", "Finding and place", "Owner", "Due", "Status", "Last review", "Next review")
WIDTHS = (0.07, 0.29, 0.12, 0.16, 0.09, 0.16, 0.11)


def render_partner_actions(
    path: Path,
    title: str,
    facts: Sequence[tuple[str, str]],
    groups: Sequence[tuple[str, Sequence[Sequence[str]]]],
) -> None:
    """``groups``: (partner, rows) with each row's cells in HEADERS order."""
    with pdf_pages(path, title, landscape=True) as page:
        page.text(title, 15, bold=True)
        for label, value in facts:
            page.row([label, value], [0.25, 0.75], size=8.5)
        page.y += 40
        if not groups:
            page.text("No actions to list.", 10)
        for partner, rows in groups:
            page.y += 30
            page.need(page.height * 0.08)  # a partner's name stays with its first actions
            page.text(f"{partner} ({len(rows)})", 11, bold=True)
            page.row(list(HEADERS), list(WIDTHS), size=8.5, bold=True, words=True)
            for cells in rows:
                page.row(list(cells), list(WIDTHS), size=8.5, words=True)
