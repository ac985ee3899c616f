"""Certificates are numbered by the school that issues them: per school, per calendar year in Vietnam time,
never twice the same number, even when two are issued at the same moment."""
from __future__ import annotations

import threading
from datetime import datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.learning import certificates
from lms.learning.models import Certificate, CertificateIssuer


@pytest.fixture
def schools(make):
    """Two provinces, each with its school; a commune of the first one."""
    quang_tri = make.unit("Tỉnh Quảng Trị")
    hue = make.unit("Thành phố Huế")
    make.certificate_issuer(quang_tri)
    make.certificate_issuer(hue, superior_body="THÀNH ỦY HUẾ", name="TRƯỜNG CHÍNH TRỊ NGUYỄN CHÍ THANH",
                            place="Huế", number_suffix="GCN-TCT")
    commune = make.unit("UBND xã Hướng Hóa", parent=quang_tri)
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", modules=[make.learning_module()])
    return quang_tri, hue, commune, program


def at(monkeypatch, moment: datetime) -> None:
    """Issue as if the clock (UTC) showed this moment."""
    monkeypatch.setattr(certificates, "utcnow", lambda: moment)


def test_each_school_counts_its_own_certificates(make, schools, monkeypatch):
    _quang_tri, hue, commune, program = schools
    at(monkeypatch, datetime(2026, 6, 1, 8, 0))
    first, second = make.user(unit=commune), make.user(unit=commune)
    in_hue = make.user(unit=make.unit("Phường Thuận Hóa", parent=hue))

    numbers = [make.certificate(user, program).number for user in (first, in_hue, second)]

    assert numbers == ["1/2026/GCN", "1/2026/GCN-TCT", "2/2026/GCN"]


def test_the_numbers_start_again_at_one_on_new_years_day_in_vietnam_time(app, make, schools, monkeypatch):
    *_, commune, program = schools
    trainees = [make.user(unit=commune) for _ in range(3)]

    at(monkeypatch, datetime(2026, 12, 31, 16, 59))  # 23:59 in Hà Nội
    assert make.certificate(trainees[0], program).number == "1/2026/GCN"
    at(monkeypatch, datetime(2026, 12, 31, 17, 0))  # midnight in Hà Nội: already 2027 there
    assert make.certificate(trainees[1], program).number == "1/2027/GCN"
    assert make.certificate(trainees[2], program).number == "2/2027/GCN"


def test_the_nearest_school_above_the_trainee_issues_the_certificate(app, make, schools):
    quang_tri, _hue, commune, program = schools
    district_school = make.unit("Trung tâm Chính trị khu vực Khe Sanh", parent=quang_tri)
    make.certificate_issuer(district_school, name="TRUNG TÂM CHÍNH TRỊ KHE SANH", signer_title="GIÁM ĐỐC")
    below = make.user(unit=make.unit("UBND xã Khe Sanh", parent=district_school))

    from_district = make.certificate(below, program)
    from_province = make.certificate(make.user(unit=commune), program)

    assert from_district.issued_by["name"] == "TRUNG TÂM CHÍNH TRỊ KHE SANH"
    assert from_district.issued_by["signer_title"] == "GIÁM ĐỐC"
    assert from_province.issued_by["name"] == "TRƯỜNG CHÍNH TRỊ LÊ DUẨN"
    assert from_district.number.startswith("1/")
    assert from_province.number.startswith("1/")


def test_without_a_school_the_certificate_is_issued_without_a_number(make):
    program = make.learning_program(modules=[make.learning_module()])

    certificate = make.certificate(make.user(), program)

    assert certificate.number == ""
    assert certificate.issuer_id is None
    assert certificate.issued_by == {}


def test_a_changed_signer_does_not_change_certificates_already_issued(app, make, schools):
    quang_tri, _hue, commune, program = schools
    before = make.certificate(make.user(unit=commune), program)

    make.certificate_issuer(quang_tri, signer_title="KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG", signer_name="Lê Thị Hoa")
    after = make.certificate(make.user(unit=commune), program)

    with app.app_context():
        assert db.session.get(Certificate, before.id).issued_by["signer_name"] == "Nguyễn Văn Hùng"
        assert db.session.get(Certificate, after.id).issued_by["signer_name"] == "Lê Thị Hoa"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateIssuer)) == 2


def test_certificates_issued_at_the_same_moment_never_share_a_number(app, make, schools):
    """Each issuing request holds its own transaction; all of them wait at a barrier, then issue at once."""
    *_, commune, program = schools
    trainees = [make.user(unit=commune) for _ in range(6)]
    barrier = threading.Barrier(len(trainees))
    errors = []

    def issue(trainee):
        try:
            with app.app_context():
                from lms.accounts.models import User
                from lms.curriculum.models import Program

                user, prog = db.session.get(User, trainee.id), db.session.get(Program, program.id)
                db.session.commit()  # a request's transaction begins with its first statement: after the barrier
                barrier.wait(timeout=20)
                certificates.issue_certificate(user, prog, SimpleNamespace(cycle=1, valid_until=None))
                db.session.commit()
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=issue, args=(t,)) for t in trainees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    with app.app_context():
        serials = sorted(db.session.scalars(sa.select(Certificate.serial)))
    assert serials == [1, 2, 3, 4, 5, 6]


def test_the_database_refuses_a_second_certificate_with_the_same_number(app, make, schools):
    *_, commune, program = schools
    first = make.certificate(make.user(unit=commune), program)
    second = make.certificate(make.user(unit=commune), program)

    with app.app_context():
        db.session.get(Certificate, second.id).serial = first.serial
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
