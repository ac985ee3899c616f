"""In a real browser: an admin's nomination refused with its reason then accepted; a trainee submits a
report with a file; the lecturer grades it; the trainee reads the result. Every page passes axe."""
import pytest

from lms.accounts.models import TheoryLevel
from lms.delivery.models import NominationState
from tests.browser.conftest import assert_accessible, sign_in
from tests.delivery.test_trips import PDF


@pytest.fixture
def school(make):
    province = make.unit("Tỉnh ủy Quảng Trị")
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=province)
    secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT", is_key=True)
    police = make.title("Trưởng Công an xã", code="XA-TCA")
    module = make.module(title="Đi thực tế nông thôn mới", kind="field_trip")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary], modules=[module],
                           required_theory_level=TheoryLevel.INTERMEDIATE)
    lecturer = make.lecturer("giangvien", full_name="Trần Văn Minh")
    klass = make.training_class(program=program, unit=province, lecturers=[lecturer], code="BTX-2026")
    make.admin("admin", scope=province, full_name="Nguyễn Thị Hồng Nhung")
    alice = make.user("alice", unit=commune, held=[secretary], theory_level=TheoryLevel.INTERMEDIATE,
                      full_name="Lê Thị Thu Hà")
    make.user("carol", unit=commune, held=[police], theory_level=TheoryLevel.INTERMEDIATE,
              full_name="Dương Văn Long")
    return type("School", (), dict(klass=klass, alice=alice, module=module))


def test_nomination_refused_with_its_reason_then_accepted(page, school):
    sign_in(page, "admin")
    page.goto(f"/classes/{school.klass.id}")
    assert_accessible(page)
    page.get_by_role("link", name="Chọn người để cử").click()
    page.get_by_label("Tìm theo tên (gõ không dấu được)").fill("duong van long")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_label("Chọn Dương Văn Long").check()
    page.get_by_role("button", name="Kiểm tra trước khi cử").click()
    page.wait_for_load_state()
    refusal = "Dương Văn Long không giữ và không được quy hoạch chức danh nào"
    assert page.get_by_text(refusal).is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Quay lại chọn").click()
    # The search is kept: the admin picks again from where they were.
    assert page.get_by_label("Tìm theo tên (gõ không dấu được)").input_value() == "duong van long"
    page.get_by_label("Tìm theo tên (gõ không dấu được)").fill("le thi thu ha")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_label("Chọn Lê Thị Thu Hà").check()
    page.get_by_role("button", name="Kiểm tra trước khi cử").click()
    assert_accessible(page)
    page.get_by_role("button", name="Xác nhận cử 1 người").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã cử 1 người vào lớp BTX-2026.").is_visible()
    page.get_by_role("button", name="Duyệt: Lê Thị Thu Hà").click()
    page.wait_for_load_state()
    assert page.get_by_role("cell", name="Đã duyệt").is_visible()
    assert_accessible(page)
    page.get_by_text("Rút").first.click()
    page.get_by_label("Lý do rút Lê Thị Thu Hà khỏi lớp").fill("Bận công tác")
    page.get_by_role("button", name="Xác nhận rút").click()
    page.wait_for_load_state()
    assert page.get_by_role("cell", name="Đã rút").is_visible()


def test_report_with_a_file_is_submitted_graded_and_read(page, school, make):
    make.nomination(school.klass, school.alice, NominationState.ENROLLED)
    trip = make.trip(school.klass)
    sign_in(page, "alice")
    page.goto("/my/classes")
    page.get_by_role("link", name="Xây dựng nông thôn mới").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Viết bài thu hoạch").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Nội dung bài thu hoạch").fill("## Mô hình\n\nXã Dân Hóa làm **dân vận khéo**.")
    page.get_by_label("Đính kèm tệp (PDF, DOCX, ODT, JPEG, PNG)").set_input_files(
        files=[{"name": "bao-cao.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("Tôi đồng ý để giảng viên công bố bài này là bài thu hoạch tiêu biểu").check()
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã nộp bài thu hoạch.").is_visible()
    assert page.get_by_role("link", name="bao-cao.pdf").is_visible()
    assert page.locator("strong", has_text="dân vận khéo").is_visible()
    assert_accessible(page)
    submission_url = page.url
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()

    sign_in(page, "giangvien")
    page.goto(f"/trips/{trip.id}")
    page.get_by_role("link", name="Lê Thị Thu Hà").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("group", name="Nội dung").get_by_label("Tốt").check()
    page.get_by_role("group", name="Liên hệ thực tiễn").get_by_label("Đạt", exact=True).check()
    page.get_by_label("Nhận xét").fill("Bài **có số liệu** cụ thể.")
    page.get_by_role("button", name="Chấm điểm").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã chấm: 8,3/10 điểm.").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()

    sign_in(page, "alice")
    page.goto(submission_url)
    assert page.get_by_text("Điểm: 8,3/10").is_visible()
    assert page.locator("strong", has_text="có số liệu").is_visible()
    assert_accessible(page)


def test_my_classes_on_a_360px_phone(phone_page, school, make):
    make.nomination(school.klass, school.alice, NominationState.ENROLLED)
    trip = make.trip(school.klass)
    sign_in(phone_page, "alice")
    for url in ("/my/classes", f"/trips/{trip.id}", f"/trips/{trip.id}/report"):
        phone_page.goto(url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, url
