"""In a real browser, at 1280 px and on a 360 px phone: the rubric editor adds, reorders and removes rows, shows
the total of the weights, refuses a total other than 100 without losing the rows, and passes axe."""
import pytest

from tests.browser.conftest import assert_accessible, sign_in


@pytest.fixture
def klass(make):
    lecturer = make.lecturer("giangvien")
    module = make.module(title="Đi thực tế nông thôn mới", kind="field_trip")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", modules=[module])
    return make.training_class(program=program, lecturers=[lecturer], code="BTX-2026")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_a_lecturer_builds_a_rubric_as_rows(viewport, request, klass):
    page = request.getfixturevalue(viewport)
    sign_in(page, "giangvien")
    page.goto(f"/classes/{klass.id}/trips/new")
    page.get_by_label("Chuyên đề").fill("Xây dựng nông thôn mới")
    page.get_by_label("Nơi đến (cơ quan, mô hình)").fill("Xã Dân Hóa")
    page.get_by_label("Từ ngày").fill("2026-10-01")
    page.get_by_label("Đến ngày").fill("2026-10-03")
    page.get_by_label("Hạn nộp bài thu hoạch").fill("2026-10-20T17:00")
    page.get_by_label("Tên tiêu chí 1").fill("Liên hệ thực tiễn")
    page.get_by_label("Trọng số của tiêu chí 1").fill("40")
    page.get_by_label("Các mức của tiêu chí 1, mỗi dòng một mức").fill("Chưa đạt\nĐạt")
    page.get_by_role("button", name="Thêm tiêu chí").click()
    page.get_by_label("Tên tiêu chí 2").fill("Nội dung")
    page.get_by_label("Trọng số của tiêu chí 2").fill("50")
    page.get_by_label("Các mức của tiêu chí 2, mỗi dòng một mức").fill("Chưa đạt\nĐạt\nTốt")
    assert page.get_by_text("Tổng trọng số: 90%").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Chuyển tiêu chí 2 lên").click()
    page.get_by_role("button", name="Lưu bài tập").click()
    page.wait_for_load_state()
    assert page.get_by_text("Tổng trọng số là 90%; cần đúng 100%.").first.is_visible()
    assert page.get_by_label("Tên tiêu chí 1").input_value() == "Nội dung"  # nothing typed is lost
    page.get_by_label("Trọng số của tiêu chí 1").fill("60")
    assert page.get_by_text("Tổng trọng số: 100%").is_visible()
    page.get_by_role("button", name="Lưu bài tập").click()
    page.wait_for_load_state()
    rows = page.locator("table tbody tr th[scope=row]").all_inner_texts()
    assert rows == ["Nội dung", "Liên hệ thực tiễn"]
    assert_accessible(page)
