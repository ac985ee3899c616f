"""In a real browser: the admin adds a session to the timetable; the lecturer takes attendance on a 360 px
phone (absent with permission, with its reason); an inspector reads the class and records an inspection.
Every page passes axe."""
from datetime import date

import pytest

from lms.accounts.models import Role
from lms.delivery.models import NominationState
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_tables_on_a_phone import NARROW_CELLS


@pytest.fixture
def supervised(make):
    province = make.unit("Tỉnh ủy Quảng Trị")
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=province)
    lecturer = make.lecturer("giangvien", full_name="Trần Văn Minh", unit=province)
    klass = make.training_class(unit=province, lecturers=[lecturer], code="BTX-2026")
    make.admin("admin", scope=province, full_name="Nguyễn Thị Hồng Nhung")
    make.user("thanhtra", roles=(Role.INSPECTOR,), unit=province, scope=province, full_name="Phạm Thanh Tra")
    people = [make.user(f"hv{i}", unit=commune, full_name=name)
              for i, name in enumerate(("Lê Thị Thu Hà", "Đặng Văn Hùng", "Nguyễn Hoàng Phương Thảo"))]
    for person in people:
        make.nomination(klass, person, NominationState.ENROLLED)
    session = make.class_session(klass, held_on=date(2026, 9, 8), lecturer=lecturer, topic="Công tác dân vận",
                                 room="P.301")
    return type("S", (), dict(klass=klass, session=session, people=people))


def test_the_admin_adds_a_session_and_the_timetable_reads_well(page, supervised):
    sign_in(page, "admin")
    page.goto(f"/classes/{supervised.klass.id}/timetable")
    assert_accessible(page)
    page.get_by_role("link", name="Thêm buổi học").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Ngày học").fill("2026-09-07")
    page.get_by_label("Từ giờ").fill("07:30")
    page.get_by_label("Đến giờ").fill("11:00")
    page.get_by_label("Chủ đề").fill("Khai giảng và quán triệt Nghị quyết")
    page.get_by_label("Giảng viên").select_option(label="Trần Văn Minh")
    page.get_by_label("Phòng học").fill("Hội trường A")
    page.get_by_role("button", name="Lưu buổi học").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã lưu buổi học.").is_visible()
    assert page.get_by_role("link", name="Khai giảng và quán triệt Nghị quyết", exact=True).is_visible()
    assert_accessible(page)


def test_the_lecturer_takes_attendance_on_a_phone(phone_page, supervised):
    page = phone_page
    sign_in(page, "giangvien")
    page.goto(f"/sessions/{supervised.session.id}")
    assert page.evaluate(NARROW_CELLS) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    page.get_by_label("Điểm danh: Đặng Văn Hùng").select_option(label="Vắng có phép")
    page.get_by_label("Lý do vắng: Đặng Văn Hùng").fill("Đi công tác theo quyết định")
    page.get_by_label("Điểm danh: Nguyễn Hoàng Phương Thảo").select_option(label="Vắng không phép")
    page.get_by_role("button", name="Lưu điểm danh").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã ghi điểm danh (3 thay đổi).").is_visible()
    assert page.get_by_label("Lý do vắng: Đặng Văn Hùng").input_value() == "Đi công tác theo quyết định"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_accessible(page)


def test_the_inspector_reads_the_class_and_records_an_inspection(page, supervised):
    sign_in(page, "thanhtra")
    page.goto(f"/classes/{supervised.klass.id}/inspection")
    assert_accessible(page)
    page.get_by_label("Ngày kiểm tra").fill("2026-09-09")
    page.get_by_label("Kết quả kiểm tra (những điều phát hiện)").fill("Danh sách điểm danh buổi 1 chưa có chữ ký.")
    page.get_by_label("Kiến nghị").fill("Bổ sung chữ ký giảng viên.")
    page.get_by_label("Hạn trả lời").fill("2026-09-30")
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã ghi kết quả kiểm tra lớp BTX-2026.").is_visible()
    assert page.get_by_text("Chờ trả lời, hạn 30/09/2026").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Tổng hợp chuyên cần").click()
    page.wait_for_load_state()
    assert page.get_by_role("rowheader", name="Lê Thị Thu Hà").is_visible()
    assert_accessible(page)
