"""Reading a produced PDF as a person would: its page sizes, its text, the QR codes printed on it."""
from __future__ import annotations

import pypdfium2
import zxingcpp


def _document(pdf: bytes) -> pypdfium2.PdfDocument:
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    return pypdfium2.PdfDocument(pdf)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height of every page, in points (A4 is 595 × 842)."""
    document = _document(pdf)
    return [tuple(round(side, 1) for side in page.get_size()) for page in document]


def page_texts(pdf: bytes) -> list[str]:
    """The text of every page, as a reader copying it would get it."""
    return [page.get_textpage().get_text_range() for page in _document(pdf)]


def qr_codes(pdf: bytes, page: int = 0) -> list[str]:
    """What the QR codes on a page say, read from the page drawn at about 216 dpi."""
    image = _document(pdf)[page].render(scale=3).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
