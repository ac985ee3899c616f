"""A class's printed documents (roster, attendance sheets, results sheet, certificates list) and its
evidence pack: one ZIP of those papers as PDF, the same data as CSV and XLSX, the submitted reports with
their files, and the class's audit trail, with a manifest of SHA-256 hashes so that an inspector can show
later that nothing in it changed.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lms import grading, printing, storage
from lms.accounts.models import User
from lms.dashboards import exports
from lms.db import utcnow
from lms.delivery import services, trips
from lms.delivery.attendance import presence_label
from lms.delivery.models import FieldTrip, Nomination, Submission, SubmissionStatus, TrainingClass
from lms.delivery.standing import standings
from lms.delivery.timetable_models import ClassSession, SessionAttendance
from lms.extensions import db
from lms.formats import local_datetime
from lms.learning.models import Certificate
from lms.supervision import audit_text, queries

KINDS = ("roster", "results", "certificates", "attendance")


@dataclass
class ClassPapers:
    """Everything the papers of one class show, read in a fixed number of statements."""

    klass: TrainingClass
    people: list[User]
    nominations: dict[int, Nomination]
    sessions: list[ClassSession]
    marks: dict[int, dict[int, object]]  # session id -> trainee id -> SessionAttendance
    standings: dict
    trips: list[FieldTrip]
    scores: dict[tuple[int, int], Submission]  # (trip id, trainee id) -> graded or submitted report
    certificates: list[Certificate]
    printed_at: datetime = field(default_factory=utcnow)


def gather(klass: TrainingClass) -> ClassPapers:
    people = trips.participants(klass, selectinload(User.unit))
    ids = [u.id for u in people]
    nominations = {n.trainee_id: n for n in db.session.scalars(
        sa.select(Nomination).where(Nomination.class_id == klass.id))}
    sessions = db.session.scalars(sa.select(ClassSession).where(ClassSession.class_id == klass.id)
                                  .options(selectinload(ClassSession.lecturer), selectinload(ClassSession.module))
                                  .order_by(ClassSession.held_on, ClassSession.starts_at, ClassSession.id)).all()
    marks: dict[int, dict[int, object]] = {s.id: {} for s in sessions}
    if sessions:
        for row in db.session.scalars(sa.select(SessionAttendance).where(
                SessionAttendance.session_id.in_([s.id for s in sessions]))):
            marks[row.session_id][row.trainee_id] = row
    trip_rows = db.session.scalars(sa.select(FieldTrip).where(FieldTrip.class_id == klass.id)
                                   .order_by(FieldTrip.starts_on, FieldTrip.id)).all()
    scores = {}
    if trip_rows:
        for s in db.session.scalars(sa.select(Submission).where(
                Submission.trip_id.in_([t.id for t in trip_rows]),
                Submission.status != SubmissionStatus.DRAFT).options(selectinload(Submission.files))):
            scores[(s.trip_id, s.trainee_id)] = s
    certificates = []
    if klass.program_id is not None and ids:
        certificates = db.session.scalars(sa.select(Certificate).where(
            Certificate.program_id == klass.program_id, Certificate.user_id.in_(ids))
            .order_by(Certificate.issued_at, Certificate.id)).all()
    return ClassPapers(klass, people, nominations, sessions, marks, standings(klass, ids), trip_rows, scores,
                       certificates)


def render(kind: str, papers: ClassPapers, session: ClassSession | None = None, pdf_url: str | None = None) -> str:
    """The print page (HTML) of one paper; `attendance` with a session prints that session's sheet only."""
    sessions = [session] if session is not None else papers.sessions
    return render_template(f"supervision/papers/{kind}.html", p=papers, klass=papers.klass, sessions=sessions,
                           state_label=services.state_label, presence_label=presence_label, pdf_url=pdf_url)


def pdf(kind: str, papers: ClassPapers, session: ClassSession | None = None) -> bytes:
    return printing.render_pdf(render(kind, papers, session))


# --- data files ----------------------------------------------------------------------------------


def roster_table(p: ClassPapers) -> tuple[list[exports.Column], list[tuple]]:
    columns = [exports.Column(_("STT"), "int", 6), exports.Column(_("Họ và tên"), width=28),
               exports.Column(_("Tên đăng nhập"), width=18), exports.Column(_("Đơn vị"), width=36),
               exports.Column(_("Trạng thái"), width=14)]
    rows = [(i, u.full_name, u.username, u.unit.name if u.unit else "",
             services.state_label(p.nominations[u.id].state) if u.id in p.nominations else "")
            for i, u in enumerate(p.people, start=1)]
    return columns, rows


def attendance_table(p: ClassPapers) -> tuple[list[exports.Column], list[tuple]]:
    columns = [exports.Column(_("Ngày"), "date", 12), exports.Column(_("Giờ"), width=12),
               exports.Column(_("Chủ đề, học phần"), width=36), exports.Column(_("Họ và tên"), width=28),
               exports.Column(_("Tên đăng nhập"), width=18), exports.Column(_("Điểm danh"), width=18),
               exports.Column(_("Lý do vắng"), width=30), exports.Column(_("Cách ghi"), width=10)]
    rows = []
    for s in p.sessions:
        for u in p.people:
            mark = p.marks[s.id].get(u.id)
            rows.append((s.held_on, f"{s.starts_at:%H:%M}-{s.ends_at:%H:%M}", s.title, u.full_name, u.username,
                         presence_label(mark.presence) if mark else _("Chưa điểm danh"),
                         mark.reason if mark else "", mark.method.value if mark else ""))
    return columns, rows


def results_table(p: ClassPapers) -> tuple[list[exports.Column], list[tuple]]:
    scale = p.klass.grade_scale
    columns = [exports.Column(_("STT"), "int", 6), exports.Column(_("Họ và tên"), width=28),
               exports.Column(_("Tên đăng nhập"), width=18), exports.Column(_("Số buổi vắng"), "int", 10),
               exports.Column(_("Tỷ lệ vắng"), "percent", 10),
               *(exports.Column(_("Điểm: %(topic)s", topic=t.topic), "grade", 14) for t in p.trips),
               exports.Column(_("Kết quả"), width=16), exports.Column(_("Ghi chú"), width=40)]
    rows = []
    for i, u in enumerate(p.people, start=1):
        st = p.standings.get(u.id)
        grades = []
        for t in p.trips:
            s = p.scores.get((t.id, u.id))
            grades.append(grading.on_scale(s.score, scale) if s is not None else None)
        note = (st.reason() if st and st.blocks_completion else
                (_("Ngoại lệ: %(reason)s", reason=st.exception) if st and st.over_limit else ""))
        rows.append((i, u.full_name, u.username, st.missed if st else 0, st.missed_percent if st else 0.0, *grades,
                     services.state_label(p.nominations[u.id].state) if u.id in p.nominations else "", note))
    return columns, rows


def audit_columns() -> list[exports.Column]:
    """The columns of an audit log file (the audit page's CSV and the class's trail in its evidence pack): the
    entry in words, and as stored (action code, object type and id, detail as JSON) for machines and for
    checking its hash."""
    return [exports.Column(_("Mã"), "int", 8), exports.Column(_("Thời gian"), "datetime", 18),
            exports.Column(_("Người thực hiện"), width=24), exports.Column(_("Tên đăng nhập"), width=16),
            exports.Column(_("Hành động"), width=30), exports.Column(_("Mã hành động"), width=22),
            exports.Column(_("Đối tượng"), width=36), exports.Column(_("Loại đối tượng"), width=16),
            exports.Column(_("Mã đối tượng"), "int", 10), exports.Column(_("Chi tiết"), width=60),
            exports.Column(_("Chi tiết (dữ liệu gốc)"), width=40), exports.Column(_("Địa chỉ IP"), width=16),
            exports.Column(_("Mã băm"), width=66)]


def audit_rows(entries: Iterable, batch: int = 1000) -> Iterator[tuple]:
    """Rows of audit_entries/class_trail as the audit_columns show them; objects named a batch at a time."""
    entries = iter(entries)
    while chunk := list(itertools.islice(entries, batch)):
        describe = audit_text.describer(chunk)
        for entry in chunk:
            d = describe(entry)
            raw = json.dumps(entry.detail or {}, ensure_ascii=False, sort_keys=True)
            yield (entry.id, entry.at, d.actor, entry.actor_username or "", d.action, entry.action, d.object.label,
                   entry.object_type, entry.object_id, d.detail_text, raw, entry.ip or "", entry.hash)


def trail_table(klass: TrainingClass) -> tuple[list[exports.Column], list[tuple]]:
    return audit_columns(), list(audit_rows(db.session.execute(queries.class_trail(klass))))


def _bytes(stream) -> bytes:
    return b"".join(stream)


# --- the evidence pack ---------------------------------------------------------------------------


def evidence_pack(klass: TrainingClass, out) -> dict[str, str]:
    """Write the class's evidence pack as a ZIP into the binary file `out`; returns {path: sha256}.

    The manifest (MANIFEST.sha256, in the format `sha256sum -c` reads) lists every other file's hash."""
    from lms.delivery import files as stored

    p = gather(klass)
    hashes: dict[str, str] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def put(path: str, data: bytes) -> None:
            archive.writestr(path, data)
            hashes[path] = hashlib.sha256(data).hexdigest()

        for kind in ("roster", "attendance", "results", "certificates"):
            put(f"pdf/{kind}.pdf", pdf(kind, p))
        for name, (columns, rows) in (("roster", roster_table(p)), ("attendance", attendance_table(p)),
                                      ("results", results_table(p))):
            put(f"data/{name}.csv", _bytes(exports.csv_stream(columns, rows)))
            put(f"data/{name}.xlsx", _bytes(exports.xlsx_stream(columns, rows, name)))
        columns, rows = trail_table(klass)
        put("audit/class-audit-trail.csv", _bytes(exports.csv_stream(columns, rows)))
        people = {u.id: u for u in p.people}
        for (trip_id, trainee_id), submission in sorted(p.scores.items()):
            user = people.get(trainee_id)
            folder = f"reports/trip-{trip_id}/{user.username if user else trainee_id}"
            put(f"{folder}/report.md", submission.body_md.encode("utf-8"))
            for attachment in submission.files:
                try:
                    with stored.open_stored(attachment.stored_name) as kept:
                        data = kept.read()
                except FileNotFoundError:
                    continue
                put(f"{folder}/{attachment.id}-{attachment.original_name}", data)
        about = {"class": klass.code, "name": klass.name, "unit": klass.unit.name,
                 "generated_at": local_datetime(p.printed_at), "files": len(hashes)}
        put("about.json", json.dumps(about, ensure_ascii=False, indent=2).encode("utf-8"))
        manifest = "".join(f"{digest}  {path}\n" for path, digest in sorted(hashes.items()))
        archive.writestr("MANIFEST.sha256", manifest.encode("utf-8"))
    return hashes


EVIDENCE_AREA = "evidence"
PACK_NAME = re.compile(r"^[0-9a-f]{32}\.zip$")
# A pack is kept this long for its download (the page that asked for it shows its SHA-256 to note down);
# the consumer removes older ones every night, and anyone may build a new one.
PACK_KEPT = timedelta(days=7)


def sweep_evidence_packs(now: float | None = None) -> dict:
    """Remove packs older than PACK_KEPT, and staging files a killed job left (older than a day)."""
    now = now if now is not None else time.time()
    kept = storage.current()
    removed = 0
    for found in list(kept.listing(EVIDENCE_AREA)):
        age = now - found.modified
        if (found.name.endswith(".zip") and age > PACK_KEPT.total_seconds()) or (found.partial and age > 86_400):
            kept.delete(EVIDENCE_AREA, found.name)
            removed += 1
    return {"removed": removed}


def pack_folder() -> Path:
    """The folder of the packs, when they are kept on this machine (LMS_STORAGE_URL unset)."""
    return storage.current().folder(EVIDENCE_AREA)


def open_pack(name: str) -> BinaryIO:
    """A stored pack, to be read and closed by the caller; only names this module made (hex digits and .zip)
    are accepted. FileNotFoundError when it is gone."""
    if not PACK_NAME.match(name or ""):
        raise ValueError(f"not an evidence pack's name: {name!r}")
    return storage.current().open(EVIDENCE_AREA, name)


def store_evidence_pack(klass: TrainingClass) -> dict:
    """Build the pack in a temporary file, then keep it in the storage under a random name (whole or not at
    all); returns its name, size and SHA-256."""
    name = f"{secrets.token_hex(16)}.zip"
    with tempfile.TemporaryFile() as out:
        hashes = evidence_pack(klass, out)
        size = out.tell()
        out.seek(0)
        digest = hashlib.file_digest(out, "sha256").hexdigest()
        out.seek(0)
        storage.current().put_file(EVIDENCE_AREA, name, out)
    return {"file": name, "size": size, "files": len(hashes), "sha256": digest}
