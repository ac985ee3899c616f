"""In a real browser: an admin prints activation slips for imported people; one of them opens the link on
the slip, sets a password and is signed in; the link does not work a second time. The slips also come as a
PDF whose QR code opens the person's link."""
from pathlib import Path
from urllib.parse import urlsplit

from tests.browser.conftest import assert_accessible, sign_in
from tests.pdfs import qr_codes


def test_slip_printed_link_opened_password_set_and_signed_in(page, make):
    province = make.unit("Tỉnh ủy Hà Tĩnh")
    make.admin("admin", scope=province)
    make.user("hv.an", full_name="Nguyễn Văn An", unit=province, password=None)
    make.user("hv.binh", full_name="Trần Thị Bình", unit=province, password=None)
    sign_in(page, "admin")
    page.goto("/admin/users/")
    page.get_by_label("Chọn Nguyễn Văn An").check()
    page.get_by_label("Chọn Trần Thị Bình").check()
    page.get_by_role("button", name="In phiếu kích hoạt (đặt lại mật khẩu) cho người đã chọn").click()
    page.wait_for_load_state()
    slip = page.get_by_role("region", name="Nguyễn Văn An")
    assert slip.get_by_text("hv.an").is_visible()
    assert slip.locator("svg").is_visible()  # the link's QR code
    assert_accessible(page)
    link = slip.locator(".slip-link").inner_text()
    page.context.clear_cookies()  # the person opens the link on their own phone

    page.goto(urlsplit(link).path)
    assert page.get_by_text("Tài khoản: Nguyễn Văn An (hv.an).").is_visible()
    assert_accessible(page)
    page.get_by_label("Mật khẩu mới", exact=True).fill("mat-khau-cua-an")
    page.get_by_label("Nhập lại mật khẩu mới").fill("mat-khau-cua-an")
    page.get_by_role("button", name="Đặt mật khẩu và đăng nhập").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã đặt mật khẩu. Chào mừng Nguyễn Văn An!").is_visible()
    assert page.get_by_role("heading", name="Xin chào, Nguyễn Văn An").is_visible()

    page.context.clear_cookies()
    page.goto(urlsplit(link).path)
    assert page.get_by_text("Liên kết này đã được dùng.").is_visible()
    sign_in(page, "hv.an", "mat-khau-cua-an")
    assert page.get_by_role("heading", name="Xin chào, Nguyễn Văn An").is_visible()


def test_slips_downloaded_as_pdf_carry_a_qr_code_that_opens_the_link(page, make):
    province = make.unit("Tỉnh ủy Hà Tĩnh")
    make.admin("admin", scope=province)
    make.user("hv.binh", full_name="Trần Thị Bình", unit=province, password=None)
    sign_in(page, "admin")
    page.goto("/admin/users/")
    page.get_by_label("Chọn Trần Thị Bình").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải phiếu kích hoạt (PDF, khổ A4)").click()
    assert download.value.suggested_filename.startswith("phieu-kich-hoat-tinh-uy-ha-tinh-")
    [link] = qr_codes(Path(download.value.path()).read_bytes())
    page.context.clear_cookies()

    page.goto(urlsplit(link).path)
    assert page.get_by_text("Tài khoản: Trần Thị Bình (hv.binh).").is_visible()
