"""Where the shipped documents point for their text: an official Vietnamese portal of the Party or the State,
over https, or nowhere (an empty source) when no official address is known for sure. Never a translation site,
a private law library, a newspaper or a school's page."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lms.content.loader import load_content

SHIPPED = Path(__file__).resolve().parents[2] / "content"
# The Party's portal (and its document archive), the Government's portal (and its document base), the National
# Assembly, the national database of legal documents; and the portals of state bodies, which alone use gov.vn.
OFFICIAL = ("dangcongsan.vn", "chinhphu.vn", "quochoi.vn", "vbpl.vn", "gov.vn")


def official(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(host == d or host.endswith("." + d) for d in OFFICIAL)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://tulieuvankien.dangcongsan.vn/he-thong-van-ban/van-ban-cua-dang", True),
    ("https://vanban.chinhphu.vn/?pageid=27160", True),
    ("https://www.quangninh.gov.vn/so/sokhdt", True),
    ("http://vanban.chinhphu.vn/", False),  # not https
    ("https://thuvienphapluat.vn/van-ban/EN/", False),
    ("https://www.global-regulation.com/translation/vietnam/2954598/", False),
    ("https://dangcongsan.vn.example.com/", False),
    ("https://notgov.vn/", False),
    ("Chưa đối chiếu được; tra tại tulieuvankien.dangcongsan.vn", False),  # a note is not an address
])
def test_the_allow_list_accepts_only_https_on_official_portals(url, expected):
    assert official(url) is expected


def test_every_shipped_document_source_is_an_official_https_address_or_empty():
    documents = load_content(SHIPPED).documents
    assert documents
    unofficial = {code: spec.source for code, spec in documents.items() if spec.source and not official(spec.source)}
    assert unofficial == {}
    # 32-NQ/TW pointed at an English translation; no official address is known for sure, so it points nowhere.
    assert not documents["32-NQ/TW"].source
