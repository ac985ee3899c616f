"""An admin mails activation links instead of printing slips: the mail carries a token made just before it is
sent, which is stored nowhere but as a hash on the link (not on the notification, not in the task queue)."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import ActivationLink, User
from lms.db import utcnow
from lms.extensions import db
from lms.jobs import queue
from lms.notifications import mailing
from lms.notifications.models import MailState
from tests.notifications.conftest import html, plain
from tests.notifications.helpers import deliver as _deliver
from tests.notifications.helpers import notices

LINK = re.compile(r"http://localhost(/activate/([A-Za-z0-9_-]{43,}))")


@pytest.fixture
def people(make):
    province = make.unit("Tỉnh ủy Hà Tĩnh")
    make.admin("admin", scope=province)
    with_mail = make.user("hv0", full_name="Nguyễn Văn An", unit=province, password=None)
    english = make.user("hv1", full_name="Trần Thị Bình", unit=province, password=None)
    no_mail = make.user("hv2", full_name="Lê Văn Cường", unit=province, password=None)
    with make.app.app_context():
        for user, address, locale in ((with_mail, "an@xa.example.vn", "vi"), (english, "binh@xa.example.vn", "en")):
            db.session.execute(sa.update(User).where(User.id == user.id).values(email=address, locale=locale))
        db.session.commit()
    return with_mail, english, no_mail


def _mail(client, users):
    return client.post("/admin/users/activation-mail", data={"ids": [str(u.id) for u in users]},
                       follow_redirects=True).get_data(as_text=True)


def _stored_text(app) -> str:
    """Every notification and activation link as stored, as one text."""
    with app.app_context():
        rows = [dict(r._mapping) for r in db.session.execute(sa.text("SELECT * FROM notifications"))]
        rows += [dict(r._mapping) for r in db.session.execute(sa.text("SELECT * FROM activation_links"))]
        return json.dumps(rows, default=str)


def test_the_mailed_link_sets_the_password_and_signs_in_and_its_token_is_stored_nowhere(
        app, client, auth, people, mailbox, storage, consumers):
    an, _binh, cuong = people
    auth.login("admin")
    page = _mail(client, [an, cuong])
    assert "Đã gửi thư kích hoạt cho 1 người." in page
    assert "Không có địa chỉ e-mail, hãy in phiếu kích hoạt cho: Lê Văn Cường (hv2)" in page
    [row] = notices(app, kind="account.activation")
    assert row.user_id == an.id
    queued = b"".join(queue.huey.storage.enqueued_items())
    assert queued  # the mail task waits in the queue with the notification's id only
    consumers.start()
    [message] = mailbox.wait_for(1)
    assert mailbox.envelopes == [("no-reply@llct.example.vn", ["an@xa.example.vn"])]
    assert message["Subject"] == "Kích hoạt tài khoản hv0: hãy đặt mật khẩu của bạn"
    body = plain(message)
    assert "Liên kết dùng được một lần" in body
    path, token = LINK.search(body).groups()
    assert token in html(message)
    # Neither the notification, nor the links, nor the queued task hold the token; the link holds its hash.
    assert token not in _stored_text(app)
    assert token.encode() not in queued
    assert set(row.params) == {"link_id", "username", "days"}
    with app.app_context():
        link = db.session.get(ActivationLink, row.params["link_id"])
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivationLink)
                                 .where(ActivationLink.user_id == cuong.id)) == 0  # he needs a slip
    assert notices(app, kind="account.activation")[0].mail_state == MailState.SENT
    client.post("/sign-out")
    assert "Nguyễn Văn An (hv0)" in client.get(path).get_data(as_text=True)
    done = client.post(path, data={"new_password": "mat-khau-rieng", "confirm": "mat-khau-rieng"},
                       follow_redirects=True)
    assert "Đã đặt mật khẩu. Chào mừng Nguyễn Văn An!" in done.get_data(as_text=True)
    assert client.get("/notifications").status_code == 200  # signed in


def test_an_english_reader_gets_the_mail_in_english(app, client, auth, people, mailbox):
    _an, binh, _cuong = people
    auth.login("admin")
    _mail(client, [binh])
    [row] = notices(app, kind="account.activation")
    assert _deliver(app, row.id) == MailState.SENT
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Activate account hv1: set your password"
    assert "The link works once, for" in plain(message)
    assert LINK.search(plain(message))


def test_a_link_used_or_replaced_before_the_mail_leaves_sends_nothing(app, client, auth, people, mailbox):
    an, binh, _cuong = people
    auth.login("admin")
    _mail(client, [an, binh])
    first, second = notices(app, kind="account.activation")
    with app.app_context():
        db.session.execute(sa.update(ActivationLink).where(ActivationLink.id == first.params["link_id"])
                           .values(used_at=utcnow()))
        db.session.commit()
    client.post("/admin/users/activation-slips", data={"ids": [str(binh.id)]})  # a slip replaces the mailed link
    assert _deliver(app, first.id) == MailState.NONE
    assert _deliver(app, second.id) == MailState.NONE
    assert mailbox.messages == []
    for row in notices(app, kind="account.activation"):
        assert row.mail_state == MailState.NONE
        assert row.mail_error == mailing.LINK_GONE


def test_a_worker_stopped_after_sending_never_sends_a_second_link(app, client, auth, people, mailbox, monkeypatch):
    an, _binh, _cuong = people
    auth.login("admin")
    _mail(client, [an])
    [row] = notices(app, kind="account.activation")
    now = utcnow()
    monkeypatch.setattr(mailing, "_mark_sent", lambda *_a: (_ for _ in ()).throw(SystemExit("stopped")))
    with pytest.raises(SystemExit):
        _deliver(app, row.id, now)
    monkeypatch.undo()
    assert _deliver(app, row.id, now + mailing.LEASE + timedelta(seconds=1)) is None
    assert len(mailbox.messages) == 1
    assert notices(app, id=row.id)[0].mail_state == MailState.UNKNOWN
    # The one mail that left still works: its token's hash was committed before the server was contacted.
    path, _token = LINK.search(plain(mailbox.messages[0])).groups()
    client.post("/sign-out")
    assert client.get(path).status_code == 200


def test_without_a_mail_server_the_admin_is_told_to_print_slips(app, client, auth, people):
    an, _binh, _cuong = people
    auth.login("admin")
    page = _mail(client, [an])
    assert "Chưa cấu hình máy chủ thư nên không gửi được thư kích hoạt. Hãy in phiếu kích hoạt." in page
    assert notices(app, kind="account.activation") == []
    assert "Gửi thư kích hoạt" in page  # the user list, with both actions


def test_people_outside_the_admins_scope_are_refused_not_named(app, client, auth, make, people, mailbox):
    an, _binh, _cuong = people
    stranger = make.user("ngoai", full_name="Phạm Văn Ngoại", unit=make.unit("Thành ủy Huế"), password=None)
    auth.login("admin")
    response = client.post("/admin/users/activation-mail", data={"ids": [str(an.id), str(stranger.id)]})
    assert response.status_code == 403
    assert "Phạm Văn Ngoại" not in response.get_data(as_text=True)
    assert notices(app, kind="account.activation") == []
