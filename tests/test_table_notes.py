"""A note that explains a table sits outside the box that scrolls the table sideways: on a 360 px phone a visible
<caption> is as wide as the table and scrolls away with it. Captions inside a scrolling box are for assistive
technology only (visually hidden); what a reader must see goes in a paragraph above the box."""
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
