"""In the app: the bell with the unread count, the notifications page (paged, mark read, mark all read, links
to the object), and each person's choices of how they are mailed."""
import re

import sqlalchemy as sa

from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import NotificationPreference
from tests.notifications.helpers import notices


def _certificates(app, user, count: int, start: int = 1) -> None:
    with app.app_context():
        for n in range(start, start + count):
            services.notify(user.id, "certificate.issued", str(n),
                            {"certificate_id": n, "program_name": f"Chương trình {n}"})
        db.session.commit()


def _bell(page: str) -> str | None:
    found = re.search(r'id="nav-bell-count"[^>]*>([^<]+)<', page)
    return found.group(1) if found else None


def test_the_bell_counts_unread_notifications_and_the_page_marks_them_read(app, client, auth, make):
    user = make.user("hocvien")
    _certificates(app, user, 3)
    auth.login("hocvien")
    home = client.get("/").get_data(as_text=True)
    assert _bell(home) == "3"
    assert 'aria-label="Thông báo: 3 chưa đọc"' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "Bạn đã được cấp chứng nhận hoàn thành chương trình Chương trình 3." in page
    first = notices(app)[0]
    assert client.post(f"/notifications/{first.id}/read").status_code == 302
    assert _bell(client.get("/").get_data(as_text=True)) == "2"
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "Đã đánh dấu 2 thông báo là đã đọc." in response.get_data(as_text=True)
    assert _bell(response.get_data(as_text=True)) is None


def test_opening_a_notification_marks_it_read_and_leads_to_its_object(app, client, auth, make):
    user = make.user("hocvien")
    _certificates(app, user, 1, start=42)
    [row] = notices(app)
    auth.login("hocvien")
    response = client.post(f"/notifications/{row.id}/open")
    assert response.headers["Location"] == "/certificates/42"
    assert notices(app)[0].read_at is not None


def test_nobody_reads_or_marks_another_persons_notifications(app, client, auth, make):
    owner = make.user("chu")
    make.user("khac")
    _certificates(app, owner, 1)
    [row] = notices(app)
    auth.login("khac")
    assert client.post(f"/notifications/{row.id}/read").status_code == 404
    assert client.post(f"/notifications/{row.id}/open").status_code == 404
    assert "Chương trình 1" not in client.get("/notifications").get_data(as_text=True)
    assert notices(app)[0].read_at is None


def test_the_page_shows_twenty_at_a_time_newest_first(app, client, auth, make):
    user = make.user("hocvien")
    _certificates(app, user, services.PER_PAGE + 3)
    auth.login("hocvien")
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('action="/notifications/') - first.count("read-all") == 2 * services.PER_PAGE
    assert "Trang 1 / 2" in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "Chương trình 1." in second
    assert "Chương trình 23." not in second


def test_the_bell_costs_one_statement_and_the_lesson_page_does_not_count(app, client, auth, make, page_statements):
    user = make.user("hocvien")
    module = make.learning_module(lessons=("Bài 1",))
    with app.app_context():
        from lms.curriculum.models import Module

        lesson_id = db.session.get(Module, module.id).published.lessons[0].id
    auth.login("hocvien")
    empty = page_statements("/my/curriculum")
    _certificates(app, user, 30)
    assert page_statements("/my/curriculum") == empty  # the count does not grow with the notifications
    lesson = client.get(f"/lessons/{lesson_id}").get_data(as_text=True)
    assert 'id="nav-bell"' in lesson
    assert _bell(lesson) is None


def test_each_person_chooses_how_each_kind_is_mailed(app, client, auth, make):
    make.user("hocvien")
    auth.login("hocvien")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Được cấp chứng nhận" in page
    assert "Học phần cần rà soát" not in page  # a lecturer's kind
    response = client.post("/notifications/preferences", data={"certificate.issued": "digest",
                                                                "module.overdue": "off"}, follow_redirects=True)
    assert "Đã lưu cách nhận thông báo." in response.get_data(as_text=True)
    with app.app_context():
        saved = dict(db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.mail)).all())
    assert saved == {"certificate.issued": "digest", "module.overdue": "off"}
    bad = client.post("/notifications/preferences", data={"certificate.issued": "sometimes"},
                      follow_redirects=True).get_data(as_text=True)
    assert "Lựa chọn không hợp lệ cho một loại thông báo; chưa có gì thay đổi." in bad
    with app.app_context():
        assert db.session.scalar(sa.select(NotificationPreference.mail)
                                 .where(NotificationPreference.kind == "certificate.issued")) == "digest"


def test_notifications_and_their_pages_are_in_english_for_english_readers(app, client, auth, make):
    user = make.user("hocvien")
    _certificates(app, user, 1)
    auth.login("hocvien")
    client.post("/language", data={"locale": "en"})
    page = client.get("/notifications").get_data(as_text=True)
    assert "You have been awarded the certificate of completion of the programme Chương trình 1." in page
    assert 'aria-label="Notifications: 1 unread"' in page
