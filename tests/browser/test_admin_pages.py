"""A training admin creates a cadre's account and deactivates it in a real browser; the admin pages pass
the accessibility check."""
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in


def _province(make):
    root = make.unit("Tỉnh ủy Quảng Trị", code="QT")
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=root, code="QT-DANHOA")
    make.title("Bí thư Đảng ủy xã", code="XA-BT")
    make.admin("admin", scope=root, full_name="Nguyễn Thị Hồng Nhung")
    return root, commune


def test_admin_creates_a_user_then_deactivates_the_account(page, make, app):
    _province(make)
    sign_in(page, "admin")
    page.get_by_role("link", name="Người dùng", exact=True).first.click()
    page.wait_for_load_state()
    assert_accessible(page)

    page.get_by_role("link", name="Thêm người dùng").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Tên đăng nhập").fill("hv.moi")
    page.get_by_label("Họ và tên").fill("Phạm Thị Mới")
    page.get_by_role("combobox", name="Đơn vị", exact=True).fill("dan hoa")
    page.get_by_role("option", name="Đảng ủy xã Dân Hóa (QT-DANHOA)").click()
    page.get_by_label("Học viên").check()
    page.get_by_label("Trình độ lý luận chính trị").select_option(label="Trung cấp")
    page.get_by_label("Mật khẩu ban đầu").fill("mat-khau-moi-1")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã tạo tài khoản hv.moi.").is_visible()
    assert page.get_by_role("heading", name="Phạm Thị Mới").is_visible()

    page.get_by_label("Chức danh", exact=True).select_option(label="Bí thư Đảng ủy xã (XA-BT)")
    page.get_by_label("Từ ngày").fill("2025-07-01")
    page.get_by_role("button", name="Thêm chức danh").click()
    page.wait_for_load_state()
    assert page.get_by_role("cell", name="01/07/2025").is_visible()
    assert_accessible(page)

    # Locking asks first: the red button opens the question, whose own button locks.
    page.locator("summary", has_text="Khóa tài khoản").click()
    assert page.get_by_text("Khóa tài khoản của Phạm Thị Mới?").is_visible()
    page.get_by_role("button", name="Xác nhận khóa").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã khóa tài khoản hv.moi").is_visible()
    assert page.get_by_role("button", name="Mở lại tài khoản").is_visible()
    assert_accessible(page)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "hv.moi"))
        assert (user.full_name, user.active, len(user.title_assignments)) == ("Phạm Thị Mới", False, 1)


def test_units_titles_and_import_pages_are_accessible(page, make, consumers):
    _province(make)
    sign_in(page, "admin")
    for path in ("/admin/units", "/admin/units/new", "/admin/titles", "/admin/titles/new", "/admin/users/import"):
        page.goto(path)
        assert_accessible(page)
    page.goto("/admin/users/import")
    page.get_by_label("Tệp CSV").set_input_files(files=[{
        "name": "can-bo.csv", "mimeType": "text/csv",
        "buffer": "username,full_name,unit_code\nhv.a,Người A,QT\nhv.b,Người B,KHONGCO\n".encode(),
    }])
    page.get_by_role("button", name="Nhập").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Đang chờ đến lượt")  # the import is a job
    assert_accessible(page)
    consumers.start()
    # The page reloads itself until the job ends, then lists the bad lines.
    page.get_by_role("cell", name="Mã đơn vị KHONGCO không có trong phạm vi quản lý của bạn.").wait_for(timeout=20_000)
    assert_accessible(page)


def test_user_list_fits_a_360px_phone(phone_page, make):
    _, commune = _province(make)
    make.user("hv.dai", unit=commune, full_name="Nguyễn Thị Hồng Nhung Trương Thị Ngọc Ánh", password=None)
    sign_in(phone_page, "admin")
    phone_page.goto("/admin/users/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone_page)
