"""On a 360 px phone, an admin finds a unit among hundreds by typing part of its name without diacritics,
chooses it with the keyboard and saves: the picker is a combobox that assistive technology can follow."""
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in


def test_an_admin_types_a_unit_picks_it_with_the_keyboard_and_saves(phone_page, make, app):
    page = phone_page
    root = make.unit("Tỉnh ủy Hà Tĩnh", code="HT")
    make.admin("admin", scope=root)
    with app.app_context():
        for n in range(120):
            make.unit(f"Chi bộ thôn {n}", parent=root)
        db.session.commit()
    make.unit("Đảng ủy xã Kỳ Anh", parent=root, code="HT-KA")
    make.unit("Đảng ủy xã Kỳ Hoa", parent=root, code="HT-KH")
    sign_in(page, "admin")
    page.goto("/admin/users/new")
    page.get_by_label("Tên đăng nhập").fill("hv.kyhoa")
    page.get_by_label("Họ và tên").fill("Trần Thị Hoa")
    unit = page.get_by_role("combobox", name="Đơn vị", exact=True)
    unit.fill("ky")
    options = page.get_by_role("listbox").get_by_role("option")
    options.first.wait_for()
    assert options.count() == 2
    assert unit.get_attribute("aria-expanded") == "true"
    assert_accessible(page)
    unit.press("ArrowDown")
    unit.press("ArrowDown")
    assert unit.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    unit.press("Enter")  # chooses the highlighted unit; it does not send the form
    assert unit.input_value() == "Đảng ủy xã Kỳ Hoa (HT-KH)"
    assert unit.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing runs off a phone's screen
    page.get_by_label("Học viên").check()
    page.get_by_label("Mật khẩu ban đầu").fill("mat-khau-moi-1")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã tạo tài khoản hv.kyhoa.").is_visible()
    assert page.get_by_role("combobox", name="Đơn vị", exact=True).input_value() == "Đảng ủy xã Kỳ Hoa (HT-KH)"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "hv.kyhoa"))
        assert user.unit.code == "HT-KH"
