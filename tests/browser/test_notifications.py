"""On a 360 px phone: the bell shows the unread count beside the menu button, the notifications page lists
them and marks them read, the calendar lists what is coming; every page passes axe."""
from datetime import timedelta

from lms.delivery.models import NominationState
from lms.extensions import db
from lms.formats import local_today
from lms.notifications import services
from tests.browser.conftest import assert_accessible, sign_in


def test_the_bell_and_the_notifications_page_on_a_phone(app, phone_page, make):
    trainee = make.user("hocvien", full_name="Nguyễn Văn An")
    with app.app_context():
        for n in range(1, 4):
            services.notify(trainee.id, "certificate.issued", str(n),
                            {"certificate_id": n, "program_name": f"Bồi dưỡng cập nhật kiến thức {n}"})
        today = local_today()
        db.session.commit()
    klass = make.training_class(starts_on=today + timedelta(days=2))
    make.nomination(klass, trainee, NominationState.ENROLLED)
    page = phone_page
    sign_in(page, "hocvien")
    bell = page.locator("#nav-bell")
    assert bell.is_visible()  # not folded into the collapsed menu
    assert page.locator("#nav-bell-count").inner_text() == "3"
    assert bell.get_attribute("aria-label") == "Thông báo: 3 chưa đọc"
    assert_accessible(page)
    bell.click()
    page.wait_for_load_state()
    assert page.get_by_text("Bạn đã được cấp chứng nhận hoàn thành chương trình Bồi dưỡng cập nhật kiến thức 2.")\
        .is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    assert_accessible(page)
    page.get_by_role("button", name="Đánh dấu đã đọc").first.click()
    page.wait_for_load_state()
    assert page.locator("#nav-bell-count").inner_text() == "2"
    page.get_by_role("button", name="Đánh dấu tất cả là đã đọc").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã đánh dấu 2 thông báo là đã đọc.").is_visible()
    assert page.locator("#nav-bell-count").count() == 0
    assert_accessible(page)
    page.goto("/calendar")
    assert page.get_by_role("link", name=f"{klass.name} ({klass.code})").is_visible()  # under its label "Lớp học"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    page.goto("/notifications/preferences")
    assert_accessible(page)
