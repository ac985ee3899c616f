"""A class's printed papers and its evidence pack: A4 pages and PDFs a person can read (class name, roster),
and a ZIP whose manifest's SHA-256 hashes match its files."""
import hashlib
import io
import re
import zipfile
from datetime import date, datetime

import pytest

from lms.accounts.models import Role, User
from lms.delivery import attendance, files
from lms.delivery.models import NominationState, Submission, SubmissionFile, SubmissionStatus, TrainingClass
from lms.delivery.timetable_models import ClassSession, Presence
from lms.extensions import db
from tests.pdfs import page_sizes, page_texts

CLASS_NAME = "Lớp Bồi dưỡng Bí thư Đảng ủy xã khóa 3"
PEOPLE = ("Lê Thị Thu Hà", "Đặng Văn Hùng", "Hoàng Thị Ngọc Ánh")


@pytest.fixture
def pack_class(app, make):
    province = make.unit("Tỉnh ủy Quảng Trị", code="QT")
    lecturer = make.lecturer("giangvien", full_name="Trần Văn Minh", unit=province)
    klass = make.training_class(unit=province, lecturers=[lecturer], code="BTX-K3")
    make.admin("qt.admin", scope=province)
    make.user("thanhtra", roles=(Role.INSPECTOR,), unit=province, scope=province)
    trainees = [make.user(f"hv{i}", unit=province, full_name=name) for i, name in enumerate(PEOPLE)]
    for trainee in trainees:
        make.nomination(klass, trainee, NominationState.ENROLLED)
    sessions = [make.class_session(klass, held_on=date(2026, 9, 7 + i), lecturer=lecturer, topic=f"Chuyên đề {i + 1}")
                for i in range(2)]
    trip = make.trip(klass)
    with app.app_context():
        k = db.session.get(TrainingClass, klass.id)
        k.name = CLASS_NAME
        teacher = db.session.get(User, lecturer.id)
        attendance.record_list(teacher, db.session.get(ClassSession, sessions[0].id), [
            attendance.Mark(trainees[0].id, Presence.PRESENT), attendance.Mark(trainees[1].id, Presence.EXCUSED, "Ốm"),
            attendance.Mark(trainees[2].id, Presence.PRESENT)])
        submission = Submission(trip_id=trip.id, trainee_id=trainees[0].id, status=SubmissionStatus.GRADED,
                                body_md="Bài thu hoạch về **nông thôn mới**.", submitted_at=datetime(2026, 10, 5),
                                score=85.0, passed=True)
        stored = files.store(b"%PDF-1.4 bai thu hoach")
        submission.files.append(SubmissionFile(stored_name=stored, original_name="phu-luc.pdf",
                                               content_type="application/pdf", size=22))
        db.session.add(submission)
        db.session.commit()
    return type("C", (), dict(klass=klass, sessions=sessions, trainees=trainees))


def test_the_print_pages_show_the_class_and_its_roster(client, auth, pack_class):
    auth.login("qt.admin")
    for kind in ("roster", "attendance", "results", "certificates"):
        response = client.get(f"/classes/{pack_class.klass.id}/papers/{kind}")
        assert response.status_code == 200, kind
        assert CLASS_NAME in response.get_data(as_text=True), kind
    roster = client.get(f"/classes/{pack_class.klass.id}/papers/roster").get_data(as_text=True)
    assert all(name in roster for name in PEOPLE)
    sheet = client.get(f"/sessions/{pack_class.sessions[0].id}/sheet").get_data(as_text=True)
    assert "Chuyên đề 1" in sheet
    assert "Chuyên đề 2" not in sheet
    assert "Vắng có phép" in sheet


def test_a_roster_pdf_is_a4_and_its_text_reads_back(client, auth, pack_class):
    auth.login("thanhtra")
    response = client.get(f"/classes/{pack_class.klass.id}/papers/roster/pdf")
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert set(page_sizes(pdf)) == {(595.3, 841.9)}
    text = " ".join(page_texts(pdf))
    assert CLASS_NAME in text
    assert all(name in text for name in PEOPLE)


def _built_pack(client, consumers, class_id: int):
    """Ask for the class's pack, let a consumer build it, and download it from the job's page."""
    before = len(consumers.finished)
    started = client.post(f"/classes/{class_id}/evidence-pack")
    assert started.status_code == 302
    consumers.start()
    consumers.wait_for(before + 1, timeout=120)
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/evidence-packs/\d+)"', page)
    assert link, page
    return page, client.get(link.group(1))


def test_the_evidence_pack_manifest_matches_its_files_and_its_pdfs_read_back(client, auth, pack_class, consumers):
    auth.login("thanhtra")
    page, response = _built_pack(client, consumers, pack_class.klass.id)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert hashlib.sha256(response.get_data()).hexdigest() in page  # the pack's own hash, to note down
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    listed = {}
    for line in archive.read("MANIFEST.sha256").decode("utf-8").splitlines():
        digest, path = line.split("  ", 1)
        listed[path] = digest
    assert set(listed) == names - {"MANIFEST.sha256"}
    for path, digest in listed.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
    assert {"pdf/roster.pdf", "pdf/attendance.pdf", "pdf/results.pdf", "pdf/certificates.pdf", "data/roster.csv",
            "data/roster.xlsx", "data/attendance.csv", "data/results.xlsx", "audit/class-audit-trail.csv"} <= names
    trainee = pack_class.trainees[0].username
    report = [n for n in names if n.startswith("reports/") and n.endswith("/report.md") and f"/{trainee}/" in n]
    assert len(report) == 1
    assert "nông thôn mới" in archive.read(report[0]).decode("utf-8")
    assert any(n.endswith("-phu-luc.pdf") for n in names)
    for paper in ("roster", "attendance", "results"):
        text = " ".join(" ".join(page_texts(archive.read(f"pdf/{paper}.pdf"))).split())  # a name may wrap
        assert CLASS_NAME in text, paper
        assert all(name in text for name in PEOPLE), paper
    trail = archive.read("audit/class-audit-trail.csv").decode("utf-8-sig")
    assert "session.attendance" in trail


def test_papers_are_for_the_classes_staff_and_inspectors_only(client, auth, pack_class, make):
    make.user("ht.thanhtra", roles=(Role.INSPECTOR,), unit=make.unit("Tỉnh ủy Hà Tĩnh", code="HT"))
    auth.login(pack_class.trainees[0].username)
    assert client.post(f"/classes/{pack_class.klass.id}/evidence-pack").status_code == 403
    assert client.get(f"/classes/{pack_class.klass.id}/papers/roster").status_code == 403
    auth.logout()
    auth.login("ht.thanhtra")
    assert client.post(f"/classes/{pack_class.klass.id}/evidence-pack").status_code == 404
    assert client.get(f"/classes/{pack_class.klass.id}/papers/roster").status_code == 404


def test_a_pack_is_downloaded_by_the_one_who_asked_for_it_only(client, auth, pack_class, consumers):
    auth.login("qt.admin")
    _page, response = _built_pack(client, consumers, pack_class.klass.id)
    assert response.status_code == 200
    url = response.request.path
    auth.logout()
    auth.login("thanhtra")
    assert client.get(url).status_code == 404


def test_packs_older_than_a_week_are_swept(app):
    import os
    import time

    from lms.supervision import papers

    with app.app_context():
        folder = papers.pack_folder()
        old, fresh = folder / ("a" * 32 + ".zip"), folder / ("b" * 32 + ".zip")
        stale = folder / ("c" * 32 + ".zip.part")
        for path in (old, fresh, stale):
            path.write_bytes(b"PK")
        week_ago = time.time() - papers.PACK_KEPT.total_seconds() - 60
        os.utime(old, (week_ago, week_ago))
        os.utime(stale, (week_ago, week_ago))
        assert papers.sweep_evidence_packs() == {"removed": 2}
        assert (old.exists(), stale.exists(), fresh.exists()) == (False, False, True)
        fresh.unlink()
