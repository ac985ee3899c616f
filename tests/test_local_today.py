""""Today" is Vietnam's date, never the server's: at 23:30 UTC on 31 March it is already 1 April in Hà Nội, so a
module due on 31 March is overdue, and a program started then starts on 1 April."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms import formats
from lms.extensions import db
from lms.learning import queries
from lms.learning.models import ProgramStatus

LATE_EVENING_UTC = datetime(2026, 3, 31, 23, 30)  # 06:30 on 1 April in Hà Nội
EVENING_IN_HANOI = datetime(2026, 3, 31, 16, 30)  # 23:30 on 31 March in Hà Nội


@pytest.fixture
def clock(monkeypatch):
    """Set the time the site reads (`formats.utcnow`): `clock(datetime)`."""
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(formats, "utcnow", lambda: moment)
    return set_to


def test_local_today_is_vietnams_date(ctx, clock):
    clock(LATE_EVENING_UTC)
    assert formats.local_today() == date(2026, 4, 1)
    clock(EVENING_IN_HANOI)
    assert formats.local_today() == date(2026, 3, 31)


@pytest.fixture
def due_setup(make):
    """A trainee whose program started on 1 March with one module due 30 days later: on 31 March."""
    title = make.title("Bí thư chi bộ")
    module = make.learning_module(title="Xây dựng Đảng", lessons=("Bài một",))
    program = make.learning_program("Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[module], due_days=30)
    trainee = make.user("hocvien", held=[title])
    make.program_status(trainee, program, "in_progress", started_on=date(2026, 3, 1), due_on=date(2026, 3, 31),
                        required=1)
    return trainee, module


def test_a_module_due_on_the_utc_date_is_overdue_once_vietnams_day_has_passed(app, client, auth, clock, due_setup):
    trainee, module = due_setup
    with app.app_context():
        clock(EVENING_IN_HANOI)  # still 31 March in Hà Nội: due today, not overdue
        board = queries.dashboard(trainee.id)
        assert [d.module.id for d in board.due_soon] == [module.id]
        assert board.overdue == []
        clock(LATE_EVENING_UTC)  # 31 March on the server's clock, 1 April in Hà Nội
        board = queries.dashboard(trainee.id)
        assert [d.module.id for d in board.overdue] == [module.id]
        assert board.due_soon == []
    auth.login("hocvien")
    home = client.get("/").get_data(as_text=True)
    assert "Quá hạn từ 31/03/2026" in home  # the program's due date, judged by Vietnam's date
    assert "hạn 31/03/2026" in home.split("Quá hạn</h3>")[1]


def test_a_program_started_late_in_the_utc_evening_starts_on_vietnams_date(app, make, clock):
    clock(LATE_EVENING_UTC)
    title = make.title("Chủ tịch UBND xã")
    module = make.learning_module(lessons=("Bài một",))
    make.learning_program(titles=[title], modules=[module], due_days=1)
    trainee = make.user("chutich", held=[title])
    with app.app_context():
        from lms.accounts.models import User
        from lms.learning.services import ensure_program_statuses

        ensure_program_statuses(db.session.get(User, trainee.id))
        status = db.session.scalars(sa.select(ProgramStatus).where(ProgramStatus.user_id == trainee.id)).one()
        assert status.started_on == date(2026, 4, 1)
        assert status.due_on == date(2026, 4, 2)  # "tomorrow" counted from Vietnam's today


def test_no_code_reads_the_servers_date():
    """Every "today" goes through `formats.local_today` (timestamps stay UTC through `db.utcnow`): in the app,
    and in the tests, which otherwise expect the server's date and fail from 17:00 UTC, when Hà Nội's day has
    begun."""
    from pathlib import Path

    import lms

    tests = Path(__file__).parent
    files = [*Path(lms.__file__).parent.rglob("*.py"), *(p for p in tests.rglob("*.py") if p != Path(__file__))]
    offenders = [f"{path.name}:{n}" for path in files
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if any(call in line for call in ("date.today", "datetime.today", "datetime.now()",
                                                  "func.current_date", "CURRENT_DATE"))]
    assert offenders == []


def test_a_completion_late_in_the_utc_evening_counts_in_vietnams_month(app, client, auth, make):
    """The dashboard's monthly trend counts a completion at 23:30 UTC on a month's last day in the next month."""
    first_of_month = formats_today(app).replace(day=1)
    late_evening = datetime.combine(first_of_month - timedelta(days=1), datetime.min.time()).replace(hour=23,
                                                                                                     minute=30)
    root = make.unit("Ban Tổ chức Trung ương")
    make.admin("tw.admin", scope=root)
    program = make.program_record("Bồi dưỡng Bí thư Đảng ủy xã")
    trainee = make.user("hv.an", unit=make.unit("Đảng ủy xã Kỳ Anh", parent=root))
    make.program_status(trainee, program, "completed", completed_at=late_evening)
    auth.login("tw.admin")
    html = client.get("/dashboards/").get_data(as_text=True)
    this_month, last_month = first_of_month.strftime("%m/%Y"), late_evening.strftime("%m/%Y")
    assert re.search(rf'<th scope="row">{re.escape(this_month)}</th><td class="text-end">1</td>', html)
    assert re.search(rf'<th scope="row">{re.escape(last_month)}</th><td class="text-end">0</td>', html)


def formats_today(app) -> date:
    with app.app_context():
        return formats.local_today()
