"""What the printed documents say copies out of the PDF exactly: a hash with "ff" or "fi" in it
is those letters, not a ligature glyph (a court reads and types these)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from widgets.exhibit_sheet import pdf_pages


def test_hashes_and_marks_copy_out_of_a_pdf_letter_for_letter(qapp: object, tmp_path: Path) -> None:
    samples = ["1ff0c4e5ffa9" * 5 + "ffff", "offficial fifty Affleck", "VRM OFF1 FFI"]
    out = tmp_path / "sheet.pdf"
    with pdf_pages(out, "ligatures") as page:
        for words in samples:
            page.text(words, 10)
            page.row(["Hash", words], [0.2, 0.8])
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace("\n", "").replace(" ", "")
    assert "\ufb00" not in text and "\ufb01" not in text and "\ufb03" not in text
    for words in samples:
        assert words.replace(" ", "") in flat
