"""A trainee opens their certificate on a 360 px phone and prints it on A4: the paper reads on the phone without
sideways scrolling, axe stays clean, and Chromium's print of it is one A4 page with the number and a QR code
that opens the verification page."""
from __future__ import annotations

import pytest

from lms.printing import A4_POINTS
from tests.browser.conftest import assert_accessible, sign_in
from tests.pdfs import page_sizes, page_texts, qr_codes


def _issued(make):
    province = make.unit("Tỉnh Quảng Trị")
    make.certificate_issuer(province)
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", modules=[make.learning_module()])
    trainee = make.user("huong", full_name="Nguyễn Thị Hường", unit=make.unit("UBND xã Hướng Hóa", parent=province))
    return make.certificate(trainee, program)


def test_the_certificate_reads_on_a_phone_and_prints_on_one_a4_page(app, make, phone_page):
    certificate = _issued(make)
    page = phone_page
    sign_in(page, "huong")

    for address in (f"/certificates/{certificate.id}", f"/certificates/{certificate.id}/print"):
        page.goto(address)
        assert page.get_by_role("heading", name="GIẤY CHỨNG NHẬN").is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, address
        assert_accessible(page)
    assert page.get_by_role("link", name="Tải tệp PDF").is_visible()

    page.emulate_media(media="print")
    assert not page.get_by_role("link", name="Tải tệp PDF").is_visible()  # the buttons stay off the paper
    printed = page.pdf(prefer_css_page_size=True, print_background=True)

    [size] = page_sizes(printed)  # one page, A4 within a point (Chromium rounds to whole points)
    assert size == pytest.approx(A4_POINTS, abs=1)
    text = " ".join(page_texts(printed)[0].split())
    assert certificate.number in text
    assert "Nguyễn Thị Hường" in text
    assert qr_codes(printed) == [f"{app.config['LMS_BASE_URL']}/verify/{certificate.code}"]
