"""Plan versus actual from the annual training plans, in the admin's scope, on screen and exported."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

from lms.accounts.models import TheoryLevel, User
from lms.curriculum.models import Program
from lms.delivery import services
from lms.delivery.models import NominationState
from lms.extensions import db
from lms.formats import local_today
from lms.organisation.models import Unit


def _plans(app, make):
    province = make.unit("Tỉnh ủy Nghệ An")
    commune = make.unit("Đảng ủy xã Nam Đàn", parent=province)
    elsewhere = make.unit("Tỉnh ủy Thanh Hóa")
    title = make.title("Bí thư Đảng ủy xã")
    program = make.program(code="CT-BTX", name="Bồi dưỡng Bí thư xã", titles=[title])
    planner = make.admin("na.admin", scope=province)
    make.admin("th.admin", scope=elsewhere)
    with app.app_context():
        services.save_plan(db.session.get(User, planner.id), db.session.get(Unit, commune.id), 2026,
                           {db.session.get(Program, program.id): 4})
        db.session.commit()
    klass = make.training_class(program=program, unit=province, starts_on=date(2026, 3, 1))
    for state in (NominationState.NOMINATED, NominationState.COMPLETED, NominationState.ENROLLED):
        trainee = make.user(unit=commune, held=[title], theory_level=TheoryLevel.ADVANCED)
        make.nomination(klass, trainee, state)


def test_plan_versus_actual_table_with_chart(app, client, auth, make):
    _plans(app, make)
    auth.login("na.admin")
    html = client.get("/dashboards/plan?year=2026").get_data(as_text=True)
    assert "Đảng ủy xã Nam Đàn" in html
    assert "Bồi dưỡng Bí thư xã" in html
    cells = html.split('<th scope="row">Đảng ủy xã Nam Đàn</th>')[1].split("</tr>")[0]
    assert [c.split(">")[-1] for c in cells.split("</td>")[1:-1]] == ["4", "3", "75,0 %", "2", "1", "1", "0"]
    assert 'id="plan-chart-title"' in html


def test_plan_outside_the_scope_is_not_shown(app, client, auth, make):
    _plans(app, make)
    auth.login("th.admin")
    html = client.get("/dashboards/plan?year=2026").get_data(as_text=True)
    assert "Đảng ủy xã Nam Đàn" not in html


def test_plan_exports_as_xlsx_with_numbers(app, client, auth, make):
    from openpyxl import load_workbook

    _plans(app, make)
    auth.login("na.admin")
    response = client.get("/dashboards/plan.xlsx?year=2026")
    assert response.is_streamed
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Đơn vị", "Chương trình", "Chỉ tiêu", "Đã cử")
    assert rows[1][:4] == ("Đảng ủy xã Nam Đàn", "Bồi dưỡng Bí thư xã", 4, 3)
    csv = client.get("/dashboards/plan.csv?year=2026").get_data()
    assert csv.startswith(b"\xef\xbb\xbf")


def test_a_lecturer_sees_completion_for_their_own_classes_only(app, client, auth, make):
    title = make.title("Bí thư Đảng ủy xã")
    program = make.program_record("Bồi dưỡng Bí thư xã", titles=[title])
    teacher = make.lecturer("gv.lan")
    make.lecturer("gv.khac")
    mine = make.training_class(program=program, lecturers=[teacher], starts_on=date(2026, 3, 1))
    theirs = make.training_class(program=program, starts_on=date(2026, 4, 1))
    done = make.user("hv.xong", full_name="Đỗ Thị Xong", held=[title], theory_level=TheoryLevel.ADVANCED)
    late = make.user("hv.tre", full_name="Lý Văn Trễ", held=[title], theory_level=TheoryLevel.ADVANCED)
    other = make.user("hv.khac", full_name="Hà Văn Khác", held=[title], theory_level=TheoryLevel.ADVANCED)
    make.nomination(mine, done, NominationState.ENROLLED)
    make.nomination(mine, late, NominationState.ENROLLED)
    make.nomination(theirs, other, NominationState.ENROLLED)
    make.program_status(done, program, "completed", completed_at=datetime(2026, 5, 2, 9))
    make.program_status(late, program, "in_progress", due_on=local_today() - timedelta(days=5), done=1)
    make.program_status(other, program, "completed", completed_at=datetime(2026, 5, 2, 9))
    auth.login("gv.lan")
    html = client.get("/dashboards/classes").get_data(as_text=True)
    row = html.split(f'<th scope="row">{mine.name}</th>')[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in row.split("</td>")[:-1]]
    assert cells == ["2", "1", "50,0 %", "1", "0", "1"]
    assert theirs.name not in html
    overdue = client.get(f"/dashboards/classes/{mine.id}/people?status=overdue").get_data(as_text=True)
    assert "Lý Văn Trễ" in overdue
    assert "Đỗ Thị Xong" not in overdue
    csv = client.get(f"/dashboards/classes/{mine.id}/people.csv").get_data().decode("utf-8-sig")
    assert "Đỗ Thị Xong" in csv
    assert "Hà Văn Khác" not in csv
    assert client.get(f"/dashboards/classes/{theirs.id}/people").status_code == 403
