"""A certificate as a school issues it: on a page, on an A4 print page and as a PDF, with the school's heading,
its number, the place and date in Vietnam time, the signer, and a QR code that opens the public verification."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from lms.audit import AuditEntry
from lms.extensions import db
from lms.learning import certificates
from lms.learning.models import CertificateCounter, CertificateIssuer
from lms.printing import A4_POINTS
from tests.pdfs import page_sizes, page_texts, qr_codes

LATE_EVENING_UTC = datetime(2026, 11, 30, 23, 30)  # 06:30 on 1 December in Hà Nội


@pytest.fixture
def issued(app, make, monkeypatch):
    """Nguyễn Thị Hường's certificate, the 123rd of 2026 of Quảng Trị's provincial school."""
    province = make.unit("Tỉnh Quảng Trị")
    issuer = make.certificate_issuer(province)
    with app.app_context():
        db.session.add(CertificateCounter(issuer_id=issuer.id, year=2026, last_number=122))
        db.session.commit()
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", modules=[make.learning_module()])
    trainee = make.user("huong", full_name="Nguyễn Thị Hường", unit=make.unit("UBND xã Hướng Hóa", parent=province))
    monkeypatch.setattr(certificates, "utcnow", lambda: LATE_EVENING_UTC)
    return make.certificate(trainee, program), province


def test_the_pdf_carries_the_number_issuer_trainee_date_and_signer_as_text(client, auth, issued):
    certificate, _province = issued
    auth.login("huong")

    response = client.get(f"/certificates/{certificate.id}/pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="giay-chung-nhan-123-2026-GCN.pdf"'
    assert page_sizes(response.data) == [tuple(round(side, 1) for side in A4_POINTS)]  # one A4 page
    text = " ".join(page_texts(response.data)[0].split())
    for printed in ("TỈNH ỦY QUẢNG TRỊ", "TRƯỜNG CHÍNH TRỊ LÊ DUẨN", "Số: 123/2026/GCN", "ĐẢNG CỘNG SẢN VIỆT NAM",
                    "Quảng Trị, ngày 01 tháng 12 năm 2026", "GIẤY CHỨNG NHẬN", "Nguyễn Thị Hường",
                    "Bồi dưỡng Bí thư Đảng ủy xã", "HIỆU TRƯỞNG", "Nguyễn Văn Hùng"):
        assert printed in text, printed


def test_the_qr_code_on_the_pdf_opens_the_public_verification(app, client, auth, issued):
    certificate, _province = issued
    auth.login("huong")
    pdf = client.get(f"/certificates/{certificate.id}/pdf").data
    auth.logout()

    [address] = qr_codes(pdf)

    assert address == f"{app.config['LMS_BASE_URL']}/verify/{certificate.code}"
    verification = client.get(address.removeprefix(app.config["LMS_BASE_URL"]))
    assert verification.status_code == 200
    shown = verification.get_data(as_text=True)
    assert "Chứng nhận hợp lệ." in shown
    assert "123/2026/GCN" in shown  # the number on the paper, to compare
    assert "TRƯỜNG CHÍNH TRỊ LÊ DUẨN" in shown


def test_the_qr_code_names_the_sites_public_address(app, client, auth, issued, monkeypatch):
    certificate, _province = issued
    monkeypatch.setitem(app.config, "LMS_BASE_URL", "https://llct.quangtri.gov.vn/")
    auth.login("huong")

    assert qr_codes(client.get(f"/certificates/{certificate.id}/pdf").data) == [
        f"https://llct.quangtri.gov.vn/verify/{certificate.code}"]


def test_the_print_page_is_the_paper_alone_and_the_page_offers_print_and_pdf(client, auth, issued):
    certificate, _province = issued
    auth.login("huong")

    paper = client.get(f"/certificates/{certificate.id}/print").get_data(as_text=True)
    assert "Quảng Trị, ngày 01 tháng 12 năm 2026" in paper
    assert "Số: 123/2026/GCN" in paper
    assert "<svg" in paper  # the QR code, drawn inline
    assert "navbar" not in paper
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert f"/certificates/{certificate.id}/print" in page
    assert f"/certificates/{certificate.id}/pdf" in page
    assert "Ngày cấp: 01/12/2026" in page


def test_only_the_trainee_and_admins_of_their_unit_open_the_paper(client, auth, make, issued):
    certificate, province = issued
    make.user("stranger")
    make.admin("admin_elsewhere", scope=make.unit("Tỉnh Quảng Ngãi"))
    make.admin("admin_here", scope=province)

    for username, status in (("stranger", 404), ("admin_elsewhere", 404), ("admin_here", 200)):
        auth.login(username)
        for suffix in ("/print", "/pdf"):
            assert client.get(f"/certificates/{certificate.id}{suffix}").status_code == status, (username, suffix)
        auth.logout()


def test_a_certificate_issued_before_any_school_was_set_up_still_prints(client, auth, make):
    program = make.learning_program("Bồi dưỡng Chủ tịch UBND xã", modules=[make.learning_module()])
    certificate = make.certificate(make.user("binh", full_name="Trần Thị Bình"), program)
    auth.login("binh")

    response = client.get(f"/certificates/{certificate.id}/pdf")

    text = " ".join(page_texts(response.data)[0].split())
    assert "Trần Thị Bình" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Số:" not in text
    assert response.headers["Content-Disposition"] == f'attachment; filename="giay-chung-nhan-{certificate.id}.pdf"'


# --- the admin sets up the school ----------------------------------------------------------------------------

SCHOOL = {"heading": "party", "superior_body": "TỈNH ỦY QUẢNG NGÃI", "name": "TRƯỜNG CHÍNH TRỊ TỈNH QUẢNG NGÃI",
          "place": "Quảng Ngãi", "number_suffix": "GCN-TCT", "signer_title": "KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG",
          "signer_name": "Phạm Thị Lan"}


def test_an_admin_sets_up_the_school_of_their_province_and_the_next_certificate_carries_it(app, client, auth, make):
    province = make.unit("Tỉnh Quảng Ngãi")
    make.admin("admin_qn", scope=province)
    trainee = make.user("lan", unit=make.unit("UBND xã Sơn Tịnh", parent=province))
    program = make.learning_program(modules=[make.learning_module()])
    auth.login("admin_qn")

    assert "Tỉnh Quảng Ngãi" in client.get("/admin/certificates").get_data(as_text=True)
    unit_page = client.get(f"/admin/units/{province.id}").get_data(as_text=True)
    assert f"/admin/units/{province.id}/certificate-issuer" in unit_page
    response = client.post(f"/admin/units/{province.id}/certificate-issuer", data=dict(SCHOOL))

    assert response.status_code == 302
    assert "Phạm Thị Lan" in client.get("/admin/certificates").get_data(as_text=True)
    certificate = make.certificate(trainee, program)
    assert certificate.number.endswith("/GCN-TCT")
    paper = client.get(f"/certificates/{certificate.id}/print").get_data(as_text=True)
    assert "KT. HIỆU TRƯỞNG<br>PHÓ HIỆU TRƯỞNG" in paper
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "certificate_issuer.create")) == 1


def test_a_bad_number_suffix_is_explained_and_nothing_is_saved(app, client, auth, make):
    province = make.unit("Tỉnh Quảng Ngãi")
    make.admin("admin_qn", scope=province)
    auth.login("admin_qn")

    response = client.post(f"/admin/units/{province.id}/certificate-issuer",
                           data={**SCHOOL, "number_suffix": "GCN/TCT"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ký hiệu số giấy chứng nhận chỉ gồm chữ không dấu" in page
    assert "Phạm Thị Lan" in page  # what was typed is still in the form
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateIssuer)) == 0


def test_an_admin_cannot_set_up_the_school_of_another_province(client, auth, make):
    make.admin("admin_qn", scope=make.unit("Tỉnh Quảng Ngãi"))
    elsewhere = make.unit("Tỉnh Quảng Trị")
    auth.login("admin_qn")

    assert client.get(f"/admin/units/{elsewhere.id}/certificate-issuer").status_code == 403
    assert client.post(f"/admin/units/{elsewhere.id}/certificate-issuer", data=dict(SCHOOL)).status_code == 403
