"""The lesson flow on a 360 px phone: open a module, "Bắt đầu học", mark each lesson complete and land back at
it with the next lesson offered, and at the module's last lesson see its result and the next module; axe stays
clean on every page."""
from __future__ import annotations

import re

from lms.extensions import db
from lms.learning import services
from tests.browser.conftest import assert_accessible, sign_in

# A lesson longer than a phone's screen, so that coming back "to the place of the action" means scrolling.
BODY = "\n\n".join(f"Đoạn {n}: chi bộ là hạt nhân chính trị ở cơ sở, lãnh đạo thực hiện nhiệm vụ chính trị của "
                     "đơn vị, xây dựng tổ chức cơ sở đảng trong sạch, vững mạnh." for n in range(1, 13))


def _lessons(*titles):
    return [{"title": t, "body_md": BODY, "minutes": 15} for t in titles]


def _setup(app, make):
    title = make.title("Bí thư Đảng ủy xã")
    first = make.module(title="Xây dựng Đảng ở cơ sở", lessons=_lessons("Vai trò của chi bộ", "Sinh hoạt chi bộ"))
    second = make.module(title="Quản lý nhà nước ở xã", lessons=_lessons("Chính quyền hai cấp"))
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[title],
                           modules=[(first, True, 30), (second, True, 60)])
    make.user("hocvien", held=[title])
    with app.app_context():
        services.ensure_statuses_for_program(program.id)
        db.session.commit()
    return first, second


def _links_to(page, lesson: str) -> int:
    """How many links in the page's main part lead to the lesson (by its title, whatever the wording around it)."""
    return page.locator("main a").filter(has_text=re.compile(re.escape(lesson))).count()


def _mark_complete(page, lesson: str) -> None:
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.wait_for_load_state()
    # Back at the lesson, scrolled to where the button was.
    assert page.url.endswith("#tien-do")
    assert page.get_by_role("heading", name=lesson, exact=True).count() == 1
    section = page.locator("#tien-do")
    assert section.get_by_text("Bạn đã hoàn thành bài học này.").is_visible()
    # The browser scrolls (smoothly) to the progress section: it comes into the 740 px high screen.
    page.wait_for_function("() => { const top = document.getElementById('tien-do').getBoundingClientRect().top;"
                           " return top >= 0 && top < window.innerHeight; }")
    assert page.evaluate("() => window.scrollY") > 0


def test_a_module_leads_from_its_first_lesson_to_the_next_module(app, make, phone_page):
    _first, second = _setup(app, make)
    page = phone_page
    sign_in(page, "hocvien")
    page.goto("/my/curriculum")
    page.get_by_role("link", name="Xây dựng Đảng ở cơ sở").click()
    page.wait_for_load_state()
    assert_accessible(page)

    page.get_by_role("link", name="Bắt đầu học").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Vai trò của chi bộ").is_visible()
    assert_accessible(page)
    # Before it is done the pager offers the next lesson; once done, the offer moves under the confirmation.
    assert _links_to(page, "Sinh hoạt chi bộ") == 1
    _mark_complete(page, "Vai trò của chi bộ")
    next_lesson = page.locator("#tien-do").get_by_role("link", name=re.compile("Bài tiếp theo: Sinh hoạt chi bộ"))
    assert next_lesson.is_visible()
    assert _links_to(page, "Sinh hoạt chi bộ") == 1, "the next lesson is offered once, not again by the pager"
    assert_accessible(page)

    next_lesson.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Sinh hoạt chi bộ").is_visible()
    result = page.locator(".learning-module-outcome")
    assert result.get_by_text("Bài học đã xong: 1/2").is_visible()  # what is left, before the last one is done
    # The lesson on screen is listed as left to do, but not as a link to itself.
    assert result.get_by_text("Sinh hoạt chi bộ (bài đang xem)").is_visible()
    assert _links_to(page, "Sinh hoạt chi bộ") == 0
    _mark_complete(page, "Sinh hoạt chi bộ")
    assert result.get_by_text("Bạn đã hoàn thành học phần này.").is_visible()
    assert result.get_by_text("Bài học đã xong: 2/2").is_visible()
    assert result.get_by_role("link", name="Bồi dưỡng Bí thư Đảng ủy xã").is_visible()
    assert_accessible(page)

    result.get_by_role("link", name=re.compile("Học phần tiếp theo: Quản lý nhà nước ở xã")).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/modules/{second.id}")
    assert page.get_by_role("link", name="Bắt đầu học").is_visible()
    assert_accessible(page)

    # Home: "continue where I left off" now leads into the next module, and the program name to the program.
    page.goto("/")
    assert page.get_by_role("link", name="Chính quyền hai cấp").is_visible()
    page.get_by_role("link", name="Bồi dưỡng Bí thư Đảng ủy xã").click()
    page.wait_for_load_state()
    assert page.url.endswith("/my/curriculum#program-" + page.url.rsplit("-", 1)[1])
    assert page.get_by_role("heading", name="Bồi dưỡng Bí thư Đảng ủy xã").is_visible()
