"""A cadre signs in and out in a real browser; the pages pass the accessibility check."""
from tests.browser.conftest import assert_accessible, sign_in


def test_sign_in_and_sign_out(page, make):
    make.user("hocvien", full_name="Lê Thị Thu Hà")
    page.goto("/")
    assert "/sign-in" in page.url
    assert_accessible(page)
    sign_in(page, "hocvien")
    assert page.get_by_role("heading", name="Xin chào, Lê Thị Thu Hà").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    assert "/sign-in" in page.url
    assert page.get_by_text("Bạn đã đăng xuất.").is_visible()


def test_wrong_password_shows_the_message(page, make):
    make.user("hocvien")
    sign_in(page, "hocvien", "sai-mat-khau")
    assert page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.").is_visible()
    assert_accessible(page)


def test_usable_on_a_360px_phone(phone_page, make):
    make.user("hocvien", full_name="Lê Thị Thu Hà")
    sign_in(phone_page, "hocvien")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    phone_page.get_by_role("button", name="Mở menu").click()
    assert phone_page.get_by_role("button", name="Đăng xuất").is_visible()
