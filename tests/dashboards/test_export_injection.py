"""Names that a spreadsheet would run as formulas are exported as text, in every CSV and XLSX export."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import sqlalchemy as sa

from lms.accounts.models import TheoryLevel, User
from lms.curriculum.models import Program
from lms.delivery import services as delivery
from lms.delivery.models import FieldTrip, NominationState, Submission, SubmissionStatus
from lms.extensions import db
from lms.formats import local_today
from lms.learning.models import Quiz, QuizAttempt
from lms.organisation.models import Unit

UNIT = '=HYPERLINK("http://x/","Bấm")'
PROGRAM = "+cmd|' /C calc'!A0"
TITLE = "@SUM(1)"
PERSON = "-2+3"
LOCALITY = "=1+1"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
YEAR = local_today().year


def _hostile_nation(app, make):
    province = make.locality(LOCALITY)
    root = make.unit("Ban Tổ chức Trung ương")
    unit = make.unit(UNIT, parent=root, locality=province)
    title = make.title(TITLE)
    module = make.module("HP-X", title="Học phần có bài kiểm tra")
    program = make.program(code="CT-X", name=PROGRAM, titles=[title], modules=[module])
    admin = make.admin("tw.admin", scope=root)
    teacher = make.lecturer("gv.lan")
    trainee = make.user("hv.an", full_name=PERSON, unit=unit, held=[title], theory_level=TheoryLevel.ADVANCED)
    klass = make.training_class(program=program, unit=unit, lecturers=[teacher], starts_on=date(YEAR, 3, 1))
    make.nomination(klass, trainee, NominationState.ENROLLED)
    make.program_status(trainee, program, "completed", completed_at=datetime(YEAR, 5, 2, 9),
                        started_on=date(YEAR, 1, 10))
    trip = make.trip(klass, module=module)
    with app.app_context():
        delivery.save_plan(db.session.get(User, admin.id), db.session.get(Unit, unit.id), YEAR,
                           {db.session.get(Program, program.id): 4})
        # A graded report and a quiz attempt, for the grade sheets.
        db.session.add(Submission(trip_id=trip.id, trainee_id=trainee.id, status=SubmissionStatus.GRADED,
                                  score=85.0, passed=True, submitted_at=datetime(YEAR, 4, 1, 8)))
        quiz = Quiz(module_id=module.id, title="Kiểm tra")
        db.session.add(quiz)
        db.session.flush()
        db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=trainee.id, number=1, layout=[], answers={},
                                   score_percent=85.0, passed=True, submitted_at=datetime(YEAR, 4, 2, 8)))
        db.session.commit()
    return klass


def _export_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".<fmt>")}


def _cells(fmt: str, body: bytes) -> list:
    if fmt in ("csv", "csv-vi"):
        delimiter = ";" if fmt == "csv-vi" else ","
        return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter)
                for cell in row]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == [], f"formula cells {formulas}"
    return [c.value for c in cells]


def test_every_export_writes_hostile_names_as_text_and_numbers_as_numbers(app, client, auth, make):
    klass = _hostile_nation(app, make)
    with app.app_context():
        trip_id = db.session.scalar(sa.select(FieldTrip.id).where(FieldTrip.class_id == klass.id))
        trainee_id = db.session.scalar(sa.select(User.id).where(User.username == "hv.an"))
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "hv.an"))
    exports = {
        "dashboards.export_table": ("tw.admin", "/dashboards/table.{fmt}?by={by}",
                                    ("unit", "locality", "title", "program")),
        "dashboards.export_people": ("tw.admin", "/dashboards/people.{fmt}", (None,)),
        "dashboards.export_plan": ("tw.admin", f"/dashboards/plan.{{fmt}}?year={YEAR}", (None,)),
        "dashboards.export_class_people": ("gv.lan", f"/dashboards/classes/{klass.id}/people.{{fmt}}", (None,)),
        "dashboards.export_trip_grades": ("gv.lan", f"/dashboards/trips/{trip_id}/grades.{{fmt}}", (None,)),
        "dashboards.export_class_quiz_results": ("gv.lan", f"/dashboards/classes/{klass.id}/quiz-results.{{fmt}}",
                                                 (None,)),
        "records.export": ("tw.admin", f"/people/{trainee_id}/record.{{fmt}}", (None,)),
        "delivery.export_plan_grid": ("tw.admin", f"/admin/plans/grid.{{fmt}}?year={YEAR}&unit={unit_id}", (None,)),
    }
    assert _export_endpoints(app) == set(exports), "a new export must be walked here"
    expected = {"'" + name for name in (UNIT, PROGRAM, TITLE, PERSON, LOCALITY)}
    for user, pattern, dimensions in exports.values():
        auth.login(user)
        for by in dimensions:
            for fmt in ("csv", "csv-vi", "xlsx"):
                url = pattern.format(fmt=fmt, by=by)
                response = client.get(url)
                assert response.status_code == 200, url
                cells = _cells(fmt, response.get_data())
                text = [c for c in cells if isinstance(c, str)]
                assert [c for c in text if c.startswith(DANGEROUS)] == [], url
                assert expected & set(text), f"{url} shows none of the hostile names"
                if fmt == "xlsx":
                    assert any(isinstance(c, int | float) for c in cells), f"{url} has no number cells"
                else:
                    assert any(re.fullmatch(r"\d+([.,]\d+)?%?", c) for c in text), f"{url} has no numbers"
        auth.logout()


def test_numbers_and_dates_stay_typed_beside_neutralised_text(app, client, auth, make):
    from openpyxl import load_workbook

    _hostile_nation(app, make)
    auth.login("tw.admin")
    rows = list(load_workbook(io.BytesIO(client.get("/dashboards/people.xlsx").get_data())).active
                .iter_rows(values_only=True))
    person = next(r for r in rows[1:] if r[0] == "'" + PERSON)
    assert person[2] == "'" + TITLE
    assert person[3] == "'" + UNIT
    assert person[4] == "'" + PROGRAM
    assert isinstance(person[6], int)
    assert isinstance(person[8], datetime)
