"""The audit log reads in words: each action by its Vietnamese (or English) label, the object by its name with a
link to its page, the detail as "field: old → new"; the CSV keeps the stored code beside the label; nothing
of it changes what was stored or its hash. Every action code written anywhere in `lms/` has a label."""
from __future__ import annotations

import ast
import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import audit
from lms.accounts.models import Role, User
from lms.audit import AuditEntry
from lms.delivery import attendance, services, timetable
from lms.delivery.models import Nomination, NominationState, TrainingClass
from lms.delivery.timetable_models import ClassSession, Presence
from lms.extensions import db
from lms.supervision.audit_text import ACTIONS, FIELDS, HIDDEN

LMS = Path(__file__).resolve().parents[2] / "lms"


# --- every code written has a label ------------------------------------------------------------


def _writes():
    """(file, line, node) of each audit write in lms/: audit.record(...) and audit.insert_entries(...)."""
    for path in sorted(LMS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"
                    and node.func.attr in ("record", "insert_entries")):
                yield path, tree, node


def _codes(expr, tree) -> set[str] | None:
    """The codes an action expression can take; None when it cannot be read from the source."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        body, orelse = _codes(expr.body, tree), _codes(expr.orelse, tree)
        return None if body is None or orelse is None else body | orelse
    if isinstance(expr, ast.JoinedStr) and ast.unparse(expr) == "f'nomination.{new_state.value}'":
        return {f"nomination.{state.value}" for state in NominationState}  # delivery.services.change_state
    if isinstance(expr, ast.Name):
        # A code carried in a variable: the string constants in second place of the tuples the module builds,
        # e.g. importing's plan.audits.append((username, "user.create", detail)).
        found = {node.elts[1].value for node in ast.walk(tree) if isinstance(node, ast.Tuple)
                 and len(node.elts) == 3 and isinstance(node.elts[1], ast.Constant)
                 and isinstance(node.elts[1].value, str) and "." in node.elts[1].value}
        return found or None
    return None


def _written_codes() -> tuple[set[str], list[str]]:
    codes, unread = set(), []
    for path, tree, call in _writes():
        if call.func.attr == "record":
            expressions = [call.args[1]]
        else:  # insert_entries: the "action" of the dicts this module builds
            expressions = [value for node in ast.walk(tree) if isinstance(node, ast.Dict)
                           for key, value in zip(node.keys, node.values, strict=True)
                           if isinstance(key, ast.Constant) and key.value == "action"]
        for expr in expressions:
            found = _codes(expr, tree)
            if found is None:
                unread.append(f"{path.relative_to(LMS.parent)}:{expr.lineno} {ast.unparse(expr)}")
            else:
                codes |= found
    return codes, unread


def test_every_action_code_written_anywhere_has_a_label():
    codes, unread = _written_codes()
    assert unread == [], "an audit action this test cannot read: give it a literal code, or teach _codes it"
    assert len(codes) > 60  # the scan finds the writers (73 codes in 72 places today)
    assert sorted(codes - ACTIONS.keys()) == []
    assert sorted(ACTIONS.keys() - codes) == []  # no label for a code nobody writes


def test_every_detail_field_written_has_a_label():
    fields = set()
    for _path, tree, call in _writes():
        if call.func.attr == "record":
            fields |= {k.arg for k in call.keywords if k.arg not in (None, "object_type")}
        else:
            fields |= {key.value for node in ast.walk(tree) if isinstance(node, ast.Dict)
                       for key, value in zip(node.keys, node.values, strict=True)
                       if isinstance(key, ast.Constant) and key.value == "detail" and isinstance(value, ast.Dict)
                       for key in value.keys if isinstance(key, ast.Constant)}
    assert len(fields) > 60
    assert sorted(fields - FIELDS.keys() - HIDDEN) == []


# --- the page and the file ---------------------------------------------------------------------


@pytest.fixture
def logged(app, make):
    """A province whose admin approved a nomination, changed a class's absence limit and a lecturer took the
    attendance of a session; an inspector reads the log."""
    province = make.unit("Tỉnh ủy Quảng Trị", code="QT")
    lecturer = make.lecturer("giangvien", full_name="Trần Văn Minh", unit=province)
    klass = make.training_class(unit=province, lecturers=[lecturer], code="BTX-2026")
    admin = make.admin("qt.admin", scope=province, full_name="Nguyễn Quản Lý")
    make.user("thanhtra", roles=(Role.INSPECTOR,), unit=province, scope=province)
    alice = make.user("alice", unit=province, full_name="Lê Thị Thu Hà")
    nomination = make.nomination(klass, alice, NominationState.NOMINATED)
    session = make.class_session(klass, held_on=date(2026, 9, 8), lecturer=lecturer, topic="Xây dựng Đảng")
    with app.app_context():
        admin_, klass_ = db.session.get(User, admin.id), db.session.get(TrainingClass, klass.id)
        services.change_state(admin_, db.session.get(Nomination, nomination.id), NominationState.APPROVED)
        timetable.set_absence_limit(admin_, klass_, 30)
        attendance.record_list(db.session.get(User, lecturer.id), db.session.get(ClassSession, session.id),
                               [attendance.Mark(alice.id, Presence.EXCUSED, "Ốm")])
        db.session.commit()
    return type("L", (), dict(klass=klass, alice=alice, nomination=nomination, session=session))


def _table(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_the_audit_page_says_what_happened_to_what_in_words(client, auth, logged):
    auth.login("thanhtra")
    table = _table(client, "/audit")
    for words in ("Duyệt cử đi học", "Trạng thái: Đã cử → Đã duyệt",
                  '<td class="cell-text">Lê Thị Thu Hà, lớp BTX-2026</td>',  # an inspector cannot open the record
                  "Đổi tỷ lệ vắng tối đa của lớp", "Tỷ lệ vắng tối đa: 20 % → 30 %",
                  f'<a href="/classes/{logged.klass.id}">Lớp BTX-2026: ',
                  "Điểm danh buổi học",
                  f'<a href="/sessions/{logged.session.id}">Buổi học ngày 08/09/2026, lớp BTX-2026</a>',
                  "Vắng có phép: 1"):
        assert words in table, words
    for raw in ("nomination.approved", "class.absence_limit", "session.attendance", "nominations", "{", "previous"):
        assert raw not in table, raw
    assert '<option value="nomination.approved">Duyệt cử đi học</option>' in client.get("/audit").get_data(
        as_text=True)  # the filter lists actions by their labels
    auth.logout()
    auth.login("qt.admin")  # an admin of the province opens the person's record from the entry
    assert f'<a href="/people/{logged.alice.id}">Lê Thị Thu Hà, lớp BTX-2026</a>' in _table(client, "/audit")


def test_the_audit_page_in_english_uses_the_english_catalogue(client, auth, logged):
    auth.login("thanhtra")
    client.post("/language", data={"locale": "en"})
    table = _table(client, "/audit")
    assert "Approve nomination" in table
    assert "Status: Nominated → Approved" in table


def test_the_csv_has_the_code_and_the_label_and_leaves_the_stored_entry_and_its_hash_alone(app, client, auth,
                                                                                          logged):
    with app.app_context():
        before = db.session.execute(sa.select(AuditEntry.id, AuditEntry.action, AuditEntry.detail, AuditEntry.hash)
                                    .order_by(AuditEntry.id)).all()
    auth.login("thanhtra")
    text = client.get("/audit.csv?action=nomination").get_data(as_text=True).lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[4:11] == ["Hành động", "Mã hành động", "Đối tượng", "Loại đối tượng", "Mã đối tượng", "Chi tiết",
                            "Chi tiết (dữ liệu gốc)"]
    [row] = rows
    assert row[4:10] == ["Duyệt cử đi học", "nomination.approved", "Lê Thị Thu Hà, lớp BTX-2026", "nominations",
                         str(logged.nomination.id), "Trạng thái: Đã cử → Đã duyệt"]
    assert json.loads(row[10]) == {"previous": "nominated"}
    with app.app_context():
        after = db.session.execute(sa.select(AuditEntry.id, AuditEntry.action, AuditEntry.detail, AuditEntry.hash)
                                   .order_by(AuditEntry.id)).all()
        assert audit.verify(db.session).ok
    assert after == before
    assert row[12] == next(e.hash for e in after if e.action == "nomination.approved")


def test_an_entry_whose_object_is_gone_still_reads(app, client, auth, make, logged):
    extra = make.class_session(logged.klass, held_on=date(2026, 9, 9), topic="Buổi bổ sung")
    with app.app_context():
        timetable.delete_session(db.session.scalar(sa.select(User).where(User.username == "qt.admin")),
                                 db.session.get(ClassSession, extra.id))
        db.session.commit()
    auth.login("thanhtra")
    table = _table(client, "/audit")
    assert "Xóa buổi học" in table
    assert f"Buổi học #{extra.id} (không còn)" in table
    assert "Ngày: 09/09/2026" in table


def test_every_kind_of_object_is_named_in_one_statement_on_both_databases(app, make, statements):
    from types import SimpleNamespace

    from lms.supervision import audit_text

    person = make.user("hv.an", full_name="Nguyễn Văn An")
    entries = [SimpleNamespace(object_type=kind, object_id=person.id) for kind in audit_text.OBJECTS]
    with app.test_request_context(), statements() as seen:
        refs = audit_text.object_refs(entries)
    assert len([s for s in seen if not s.strip().upper().startswith("BEGIN")]) == 1
    assert refs[("users", person.id)] == audit_text.ObjectRef("Nguyễn Văn An (hv.an)", f"/people/{person.id}")
    with app.test_request_context():  # every kind reads as words, and links only to pages that exist
        for kind in audit_text.OBJECTS:
            ref = audit_text._describe(kind, "A-1", "2026-09-08", 1)
            assert ref.label, kind
            assert kind not in ref.label, kind


def test_the_demos_audit_log_reads_in_words_throughout(app, runner, client, auth):
    from lms.demo import DEMO_PASSWORD
    from lms.supervision.audit_text import OBJECTS

    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    with app.app_context():
        stored = db.session.execute(sa.select(AuditEntry.action, AuditEntry.object_type).distinct()).all()
    assert len(stored) > 5
    assert sorted({action for action, _kind in stored} - ACTIONS.keys()) == []
    assert sorted({kind for _action, kind in stored if kind != "-"} - OBJECTS.keys()) == []
    auth.login("admin", DEMO_PASSWORD)
    table = _table(client, "/audit")
    assert table.count("<tr>") >= 3
    for action, kind in stored:
        assert f">{action}<" not in table
        assert f"{kind} #" not in table
    assert "(không còn)" not in table
    assert "{&#34;" not in table  # no JSON
