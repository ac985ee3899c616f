"""Tables on a 360 px phone. A note that explains a table sits outside the box that scrolls the table sideways: a
visible <caption> is as wide as the table and scrolls away with it. Captions inside a scrolling box are for
assistive technology only (visually hidden); what a reader must see goes in a paragraph above the box. And no table
refuses to wrap as a whole: one long name would push every figure beside it off the screen."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
CAPTION = re.compile(r"<caption\b[^>]*>")


def test_no_visible_caption_scrolls_with_its_table():
    offending = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if "table-responsive" not in text:
            continue
        for tag in CAPTION.findall(text):
            if "visually-hidden" not in tag:
                offending.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert offending == []


def test_no_table_refuses_to_wrap_as_a_whole():
    """Cells that must stay on one line (codes, dates, figures) say so one by one; names and titles wrap."""
    whole = [f"{path.relative_to(TEMPLATES)}: {tag}" for path in sorted(TEMPLATES.rglob("*.html"))
             for tag in re.findall(r"<table\b[^>]*>", path.read_text(encoding="utf-8")) if "text-nowrap" in tag]
    assert whole == []
