"""Activation slips as an A4 PDF: several to a sheet, every name and username as text, a QR code that opens
the person's one-time link; issued like the print page (a POST, audited, earlier links retired)."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from lms.accounts.models import ActivationLink
from lms.accounts.slips import SLIPS_PER_PAGE
from lms.audit import AuditEntry
from lms.extensions import db
from tests.pdfs import page_sizes, page_texts, qr_codes

PDF_URL = "/admin/users/activation-slips.pdf"
NAMES = ["Nguyễn Thị Hương", "Trần Đức Thắng", "Lê Văn Toàn", "Phạm Thị Ngọc Ánh", "Hoàng Quốc Việt",
         "Võ Thị Sáu", "Đặng Thùy Trâm", "Bùi Thị Xuân", "Ngô Quyền", "Lý Thường Kiệt"]


@pytest.fixture
def people(make):
    province = make.unit("Tỉnh ủy Hà Tĩnh")
    make.admin("admin", scope=province)
    imported = [make.user(f"hv{n:02d}", full_name=name, unit=province, password=None)
                for n, name in enumerate(NAMES)]
    stranger = make.user("ngoai", full_name="Người Tỉnh Khác", unit=make.unit("Thành ủy Huế"), password=None)
    return imported, stranger


def _ids(users) -> dict:
    return {"ids": [str(u.id) for u in users]}


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_has_a_sheet_per_eight_slips_with_every_name_and_username(client, auth, people):
    imported, _stranger = people
    assert len(imported) > SLIPS_PER_PAGE  # two sheets, the second not full
    auth.login("admin")
    response = client.post(PDF_URL, data=_ids(imported))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="phieu-kich-hoat-tinh-uy-ha-tinh-')
    assert response.headers["Content-Disposition"].isascii()
    pdf = response.data
    assert page_sizes(pdf) == [(595.3, 841.9)] * math.ceil(len(imported) / SLIPS_PER_PAGE)
    texts = [_flat(t) for t in page_texts(pdf)]
    on_sheet = [[u for u in imported if u.full_name in sheet and f"Tên đăng nhập: {u.username}" in sheet]
                for sheet in texts]  # names extracted as written, diacritics and all (Đặng Thùy Trâm, Lý Thường Kiệt)
    assert [len(people) for people in on_sheet] == [SLIPS_PER_PAGE, len(imported) - SLIPS_PER_PAGE]
    assert {u.username for people in on_sheet for u in people} == {u.username for u in imported}
    assert "Liên kết dùng được một lần, trong 14 ngày." in texts[0]
    assert texts[0].count("Tỉnh ủy Hà Tĩnh") == SLIPS_PER_PAGE


def test_each_qr_code_opens_the_link_printed_beside_it_and_the_link_works_once(app, client, auth, people):
    imported, _stranger = people
    auth.login("admin")
    pdf = client.post(PDF_URL, data=_ids(imported[:3])).data
    links = qr_codes(pdf)
    assert len(links) == 3
    text = "".join(page_texts(pdf)[0].split())  # a printed link wraps; its characters stay in order
    assert all(link.startswith("http://localhost/activate/") and link in text for link in links)
    with app.app_context():
        stored = set(db.session.scalars(sa.select(ActivationLink.token_hash)))
        assert not any(urlsplit(link).path.rsplit("/", 1)[1] in stored for link in links)  # only hashes kept
    auth.logout()

    # The codes are found in no set order; the slips are printed in the order of the people.
    path = urlsplit(min(links, key=text.index)).path
    assert "Tài khoản: Nguyễn Thị Hương (hv00)" in client.get(path).get_data(as_text=True)
    done = client.post(path, data={"new_password": "mat-khau-rieng", "confirm": "mat-khau-rieng"},
                       follow_redirects=True)
    assert "Đã đặt mật khẩu. Chào mừng Nguyễn Thị Hương!" in done.get_data(as_text=True)
    client.post("/sign-out")
    again = client.post(path, data={"new_password": "mat-khau-khac", "confirm": "mat-khau-khac"})
    assert again.status_code == 400
    assert "Liên kết này đã được dùng." in again.get_data(as_text=True)
    assert auth.login("hv00", "mat-khau-rieng").headers["Location"] == "/"


def test_the_pdf_issues_links_like_the_print_page_retiring_earlier_ones_and_audited(app, client, auth, people):
    imported, _stranger = people
    auth.login("admin")
    page = client.post("/admin/users/activation-slips", data=_ids(imported[:1]))
    assert page.headers["Cache-Control"] == "no-store"  # neither form of the slips is kept by a cache
    html = page.get_data(as_text=True)
    printed = "/activate/" + html.split('class="slip-token">', 1)[1].split("<", 1)[0]
    [downloaded] = qr_codes(client.post(PDF_URL, data=_ids(imported[:1])).data)
    auth.logout()
    assert client.get(printed).status_code == 400  # the PDF's new link retired the printed one
    assert client.get(urlsplit(downloaded).path).status_code == 200
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.object_type == "users", AuditEntry.object_id == imported[0].id)).all()
    assert actions.count("user.activation_link") == 2


def test_the_pdf_is_never_issued_by_a_get_or_without_the_form_token(app, client, auth, people):
    imported, _stranger = people
    auth.login("admin")
    assert client.get(PDF_URL, query_string=_ids(imported)).status_code == 405
    assert client.post(PDF_URL, data=_ids(imported), csrf=False).status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(ActivationLink.id)).all() == []


def test_an_admin_cannot_print_slips_for_someone_outside_their_scope(app, client, auth, people):
    imported, stranger = people
    auth.login("admin")
    response = client.post(PDF_URL, data=_ids([imported[0], stranger]))
    assert response.status_code == 403
    assert response.mimetype != "application/pdf"
    with app.app_context():
        assert db.session.scalars(sa.select(ActivationLink.id)).all() == []


def test_the_user_list_offers_the_pdf_for_the_ticked_people(client, auth, people):
    auth.login("admin")
    page = client.get("/admin/users/").get_data(as_text=True)
    assert f'formaction="{PDF_URL}"' in page
    assert "Tải phiếu kích hoạt (PDF, khổ A4)" in page
