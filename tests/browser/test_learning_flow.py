"""A trainee studies a lesson to completion, passes the module's quiz and sees the certificate; every page
passes the accessibility check, and the certificate verifies publicly."""
import re

import sqlalchemy as sa

from lms.curriculum.models import Module
from lms.extensions import db
from lms.learning import quizzes
from lms.learning.models import Certificate, ModuleRule
from tests.browser.conftest import assert_accessible, sign_in

GIFT = """// Câu hỏi kiểm tra học phần
::Vai trò::Chi bộ là hạt nhân chính trị ở cơ sở. {T}

::Sinh hoạt::Chi bộ sinh hoạt thường kỳ bao lâu một lần? {
  =Mỗi tháng một lần#Đúng theo quy định.
  ~Mỗi năm một lần
  ~Khi có việc
}
"""


def _setup(app, make):
    title = make.title("Bí thư chi bộ")
    module = make.module(title="Công tác xây dựng chi bộ", lessons=[
        {"title": "Vai trò của chi bộ", "body_md": "Chi bộ là **hạt nhân chính trị** ở cơ sở.", "minutes": 15},
    ])
    make.program(name="Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[(module, True, 30)])
    make.user("hocvien", full_name="Lê Thị Thu Hà", held=[title])
    with app.test_request_context():
        quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, module.id))
        quizzes.import_gift(None, quiz, GIFT)
        db.session.add(ModuleRule(module_id=module.id, require_lessons=True, require_quiz=True))
        db.session.commit()
    return module


def test_study_quiz_and_certificate(page, app, make):
    _setup(app, make)
    sign_in(page, "hocvien")
    assert page.get_by_role("heading", name="Việc học của tôi").is_visible()
    assert_accessible(page)

    page.goto("/my/curriculum")
    page.get_by_role("link", name="Công tác xây dựng chi bộ").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name="Vai trò của chi bộ").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    # The time-on-task script posts its heartbeat (with the CSRF token) when the page becomes visible.
    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert beat.value.status == 200
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.wait_for_load_state()
    assert page.get_by_text("Bạn đã hoàn thành bài học này.").is_visible()

    page.get_by_role("link", name="Công tác xây dựng chi bộ", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("link", name=re.compile("Kiểm tra:")).click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Đúng", exact=True).check()
    page.get_by_label("Mỗi tháng một lần").check()
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_load_state()
    assert page.get_by_text("Điểm: 10,0/10").is_visible()
    assert page.get_by_text("Đúng theo quy định.").is_visible()
    assert_accessible(page)

    page.goto("/")
    page.locator("a[href^='/certificates/']", has_text="Bồi dưỡng Bí thư chi bộ").click()  # not the program's link
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="GIẤY CHỨNG NHẬN").is_visible()
    assert page.locator(".certificate-name").inner_text() == "Lê Thị Thu Hà"
    assert_accessible(page)

    with app.app_context():
        code = db.session.scalar(sa.select(Certificate.code))
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    page.goto(f"/verify/{code}")
    assert page.get_by_text("Chứng nhận hợp lệ.").is_visible()
    assert_accessible(page)


def test_the_dashboard_fits_a_phone(phone_page, app, make):
    _setup(app, make)
    sign_in(phone_page, "hocvien")
    assert phone_page.get_by_role("heading", name="Việc học của tôi").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
