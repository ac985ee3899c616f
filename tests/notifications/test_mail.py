"""Notification mail goes to a real SMTP server on 127.0.0.1 after commit, in the reader's language, at most
once each: refusals are tried again with backoff and then reported, and a worker that stopped between
sending and marking never causes a second copy."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import TheoryLevel, User
from lms.db import utcnow
from lms.extensions import db
from lms.notifications import mailing, services
from lms.notifications.models import MailState, Notification, NotificationPreference
from tests.notifications.conftest import html, plain
from tests.notifications.helpers import deliver as _deliver
from tests.notifications.helpers import notices

CERTIFICATE = {"certificate_id": 7, "program_name": "Bồi dưỡng Bí thư Đảng ủy xã"}


def _person(make, username="hocvien", *, email="hocvien@xa.example.vn", locale="vi"):
    user = make.user(username, full_name="Nguyễn Văn An")
    with make.app.app_context():
        db.session.execute(sa.update(User).where(User.id == user.id).values(email=email, locale=locale))
        db.session.commit()
    return user


def _notify(app, user, key="7", kind="certificate.issued", params=CERTIFICATE) -> int:
    with app.app_context():
        new_id = services.notify(user.id, kind, key, params)
        db.session.commit()
        return new_id


def _row(app, notification_id) -> Notification:
    [row] = notices(app, id=notification_id)
    return row


def test_a_nomination_is_mailed_after_commit_in_vietnamese_with_its_link(app, client, auth, make, mailbox,
                                                                         storage, consumers):
    province = make.unit("Tỉnh ủy")
    secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary])
    klass = make.training_class(program=program, unit=province, code="BT-2026")
    make.admin("admin", scope=province)
    cadre = make.user("hocvien", unit=province, held=[secretary], theory_level=TheoryLevel.INTERMEDIATE,
                      full_name="Nguyễn Văn An")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == cadre.id).values(email="an@xa.example.vn"))
        db.session.commit()
    consumers.start()
    auth.login("admin")
    response = client.post(f"/admin/classes/{klass.id}/nominate", data={"trainee_id": cadre.id})
    assert response.status_code == 302
    consumers.wait_for(1)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "Nguyễn Văn An <an@xa.example.vn>"
    assert mailbox.envelopes == [("no-reply@llct.example.vn", ["an@xa.example.vn"])]
    assert message["Subject"].startswith("Bạn được cử đi học lớp")
    assert "(BT-2026)" in message["Subject"]
    body = plain(message)
    assert "Kính gửi Nguyễn Văn An," in body
    assert f"http://localhost/my/classes#class-{klass.id}" in body  # a page the trainee may open
    assert f'href="http://localhost/my/classes#class-{klass.id}"' in html(message)
    [row] = notices(app)
    assert (row.mail_state, row.mail_attempts) == (MailState.SENT, 1)
    with app.app_context():
        assert message["Message-ID"] == mailing.message_id(row.key)  # the same if it is ever sent again


def test_a_reader_who_chose_english_gets_english_mail(app, make, mailbox):
    user = _person(make, locale="en")
    assert _deliver(app, _notify(app, user)) == MailState.SENT
    [message] = mailbox.messages
    assert message["Subject"] == "You have been awarded the certificate of completion of the programme " \
                                 "Bồi dưỡng Bí thư Đảng ủy xã."
    assert plain(message).startswith("Dear Nguyễn Văn An,")


def test_a_refusing_server_is_tried_again_with_backoff_then_reported_to_admins(app, client, auth, make, mailbox):
    user = _person(make)
    notification_id = _notify(app, user)
    mailbox.refuse = "451 4.3.0 Mailbox temporarily unavailable"
    now = utcnow()
    waits = []
    for _attempt in range(mailing.MAX_ATTEMPTS):
        state = _deliver(app, notification_id, now)
        row = _row(app, notification_id)
        if state is MailState.RETRY:
            assert _deliver(app, notification_id, row.next_mail_at - timedelta(seconds=1)) is None  # not yet due
            waits.append(row.next_mail_at - now)
            now = row.next_mail_at
    assert waits == list(mailing.RETRY_DELAYS)  # each wait longer than the last
    assert (row.mail_state, row.mail_attempts, mailbox.refused) == (MailState.FAILED, mailing.MAX_ATTEMPTS, 5)
    assert "451" in row.mail_error
    assert "temporarily unavailable" in row.mail_error
    assert _deliver(app, notification_id, now + timedelta(days=1)) is None  # given up: no sixth try
    make.admin("admin", scope=db_unit_of(app, user))
    auth.login("admin")
    page = client.get("/notifications/admin").get_data(as_text=True)
    assert "Thư gửi không được" in page
    assert "Mailbox temporarily unavailable" in page
    mailbox.refuse = None
    client.post(f"/notifications/admin/{notification_id}/send-again")
    assert _deliver(app, notification_id) == MailState.SENT
    assert len(mailbox.messages) == 1


def db_unit_of(app, user):
    with app.app_context():
        unit = db.session.get(User, user.id).unit
        db.session.expunge(unit)
        return unit


def test_a_worker_stopped_between_sending_and_marking_never_sends_twice(app, make, mailbox, monkeypatch):
    user = _person(make)
    notification_id = _notify(app, user)
    now = utcnow()

    def crash(*_args):
        raise SystemExit("the worker stopped")

    monkeypatch.setattr(mailing, "_mark_sent", crash)
    with pytest.raises(SystemExit):
        _deliver(app, notification_id, now)
    monkeypatch.undo()
    assert len(mailbox.messages) == 1  # the server accepted it
    assert _row(app, notification_id).mail_state == MailState.SENDING
    # The task is tried again: while the claim holds, it leaves the row alone...
    assert _deliver(app, notification_id, now + timedelta(minutes=1)) is None
    # ... and afterwards it cannot know whether the mail left, so it does not send it again.
    assert _deliver(app, notification_id, now + mailing.LEASE + timedelta(seconds=1)) is None
    with app.app_context():
        assert mailing.dispatch(now + mailing.LEASE + timedelta(minutes=5)) == 0
    assert len(mailbox.messages) == 1
    assert _row(app, notification_id).mail_state == MailState.UNKNOWN


def test_two_workers_given_the_same_notification_send_it_once(app, make, mailbox):
    user = _person(make)
    notification_id = _notify(app, user)
    assert _deliver(app, notification_id) == MailState.SENT
    assert _deliver(app, notification_id) is None
    assert len(mailbox.messages) == 1


def test_choices_are_honoured_off_digest_and_no_address(app, make, mailbox):
    quiet_one = _person(make, "tat", email="tat@xa.example.vn")
    digest_one = _person(make, "gop", email="gop@xa.example.vn")
    no_address = _person(make, "khong", email=None)
    with app.app_context():
        db.session.add_all([NotificationPreference(user_id=quiet_one.id, kind="certificate.issued", mail="off"),
                            NotificationPreference(user_id=digest_one.id, kind="certificate.issued", mail="digest"),
                            NotificationPreference(user_id=digest_one.id, kind="report.graded", mail="digest")])
        db.session.commit()
    off_id = _notify(app, quiet_one)
    first = _notify(app, digest_one)
    second = _notify(app, digest_one, key="9", kind="report.graded",
                     params={"submission_id": 9, "topic": "Nông thôn mới", "score": 8.5, "passed": True})
    nowhere = _notify(app, no_address)
    with app.app_context():
        assert mailing.dispatch() == 0
    assert mailbox.messages == []
    states = {i: _row(app, i).mail_state for i in (off_id, first, second, nowhere)}
    assert states == {off_id: MailState.NONE, first: MailState.DIGEST, second: MailState.DIGEST,
                      nowhere: MailState.NONE}
    with app.app_context():
        assert mailing.send_digests() == 1
        assert mailing.send_digests() == 0
    [digest] = mailbox.messages
    assert digest["To"] == "Nguyễn Văn An <gop@xa.example.vn>"
    assert digest["Subject"] == "Thông báo trong ngày: 2 mục"
    body = plain(digest)
    assert "- Bạn đã được cấp chứng nhận hoàn thành chương trình Bồi dưỡng Bí thư Đảng ủy xã." in body
    assert '- Bài thu hoạch "Nông thôn mới" đã được chấm.' in body
    assert len(notices(app, user_id=quiet_one.id)) == 1  # in the app every notice shows


def test_an_admin_default_applies_to_their_scope_unless_the_person_chose(app, client, auth, make, mailbox):
    province = make.unit("Tỉnh ủy")
    commune = make.unit("Xã", parent=province)
    make.admin("admin", scope=province)
    follows, chose = _person(make, "theo"), _person(make, "tuchon", email="tuchon@xa.example.vn")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id.in_([follows.id, chose.id])).values(unit_id=commune.id))
        db.session.add(NotificationPreference(user_id=chose.id, kind="certificate.issued", mail="immediate"))
        db.session.commit()
    auth.login("admin")
    assert client.post("/notifications/admin", data={"certificate.issued": "off"}).status_code == 302
    assert _deliver(app, _notify(app, follows)) == MailState.NONE
    assert _deliver(app, _notify(app, chose)) == MailState.SENT
    assert [m["To"] for m in mailbox.messages] == ["Nguyễn Văn An <tuchon@xa.example.vn>"]


def test_quiet_hours_hold_mail_until_morning(app, make, mailbox):
    _notify(app, _person(make))
    app.config["MAIL_QUIET_HOURS"] = (21, 7)
    late_evening = utcnow().replace(hour=15, minute=30)  # 22:30 in Hà Nội
    morning = late_evening + timedelta(hours=9)  # 07:30
    with app.app_context():
        assert mailing.dispatch(late_evening) == 0
        assert mailing.dispatch(morning) == 1
    assert len(mailbox.messages) == 1


def test_without_an_smtp_server_notifications_stay_in_the_app_and_admins_are_told(app, client, auth, make):
    assert not app.config.get("SMTP_HOST")
    user = _person(make)
    assert _row(app, _notify(app, user)).mail_state == MailState.NONE
    make.admin("admin", scope=db_unit_of(app, user))
    auth.login("admin")
    page = client.get("/notifications/admin").get_data(as_text=True)
    assert "thông báo chỉ hiện trong ứng dụng" in page



def test_a_request_that_fails_after_nominating_notifies_and_mails_nobody(app, client, auth, make, mailbox, storage,
                                                                           consumers, monkeypatch):
    from lms import signals

    province = make.unit("Tỉnh ủy")
    secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT")
    klass = make.training_class(program=make.program(titles=[secretary]), unit=province)
    make.admin("admin", scope=province)
    cadre = make.user("hocvien", unit=province, held=[secretary], theory_level=TheoryLevel.INTERMEDIATE)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == cadre.id).values(email="an@xa.example.vn"))
        db.session.commit()
    real_send = signals.nomination_changed.send

    def send_then_fail(*args, **kwargs):
        real_send(*args, **kwargs)  # the notification is written...
        raise RuntimeError("the disk failed")  # ... and the request fails before its commit

    monkeypatch.setattr(signals.nomination_changed, "send", send_then_fail)
    consumers.start()
    auth.login("admin")
    with pytest.raises(RuntimeError):
        client.post(f"/admin/classes/{klass.id}/nominate", data={"trainee_id": cadre.id})
    assert notices(app) == []
    monkeypatch.undo()
    assert client.post(f"/admin/classes/{klass.id}/nominate", data={"trainee_id": cadre.id}).status_code == 302
    consumers.wait_for(1)
    assert len(mailbox.wait_for(1)) == 1  # only the nomination that was saved is mailed
    assert len(notices(app)) == 1


def test_the_queue_tries_a_refused_mail_again_after_each_backoff_then_gives_up(app, make, mailbox, storage,
                                                                                consumers, monkeypatch):
    monkeypatch.setattr(mailing, "RETRY_DELAYS", tuple(timedelta(seconds=0.2 * n) for n in range(1, 5)))
    mailbox.refuse = "451 4.3.0 Mailbox temporarily unavailable"
    user = _person(make)
    consumers.start()
    with app.app_context():
        services.notify(user.id, "certificate.issued", "7", CERTIFICATE)
        db.session.commit()  # the task is enqueued after this commit
    finished = consumers.wait_for(mailing.MAX_ATTEMPTS)
    assert [name for name, _outcome in finished] == ["notifications.send"] * mailing.MAX_ATTEMPTS
    [row] = notices(app)
    assert (row.mail_state, row.mail_attempts, mailbox.refused) == (MailState.FAILED, 5, 5)
