"""Program statuses for many trainees at once (an import) are those the one-trainee path gives each of them."""
from datetime import date, timedelta

import sqlalchemy as sa

from lms.accounts.models import AssignmentKind, TitleAssignment
from lms.extensions import db
from lms.formats import local_today
from lms.learning import services
from lms.learning.models import Certificate, ProgramStatus


def _statuses() -> set[tuple]:
    rows = db.session.execute(sa.select(
        ProgramStatus.user_id, ProgramStatus.program_id, ProgramStatus.state, ProgramStatus.required_total,
        ProgramStatus.required_done, ProgramStatus.started_on, ProgramStatus.due_on, ProgramStatus.cycle,
        ProgramStatus.completed_at.is_not(None), ProgramStatus.valid_until)).all()
    certificates = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))
    return {tuple(row) for row in rows} | {("certificates", certificates)}


def test_statuses_made_for_many_trainees_equal_those_made_one_by_one(ctx, make):
    today = local_today()
    held, planned, future = make.title(code="HELD"), make.title(code="PLANNED"), make.title(code="FUTURE")
    first, second, third = make.learning_module(), make.learning_module(lessons=("Một",)), make.learning_module()
    main = make.learning_program(titles=[held], modules=[first, second], due_days=45)
    refresher = make.learning_program(titles=[planned], modules=[third], validity_months=12, due_days=None)
    make.learning_program(titles=[future], modules=[first])
    inactive = make.learning_program(titles=[held], modules=[third])
    inactive.active = False
    people = {name: make.user(name) for name in ("new", "started", "finished", "ended", "lapsed", "later")}

    def complete(user, module):
        for lesson in db.session.get(type(module), module.id).published.lessons:
            services.complete_lesson(user, lesson)

    complete(people["started"], first)  # module records made before the titles: no program yet
    complete(people["finished"], first)
    complete(people["finished"], second)
    make.program_status(people["lapsed"], refresher, "completed", required=1, completed_at=None)
    db.session.execute(sa.update(ProgramStatus).where(ProgramStatus.user_id == people["lapsed"].id)
                       .values(valid_until=today - timedelta(days=1)))
    assignments = [("new", held, AssignmentKind.HELD, None), ("new", planned, AssignmentKind.PLANNED, None),
                   ("started", held, AssignmentKind.HELD, None), ("finished", held, AssignmentKind.HELD, None),
                   ("ended", held, AssignmentKind.HELD, today - timedelta(days=2)),
                   ("ended", planned, AssignmentKind.PLANNED, None),
                   ("lapsed", planned, AssignmentKind.HELD, None)]
    for name, title, kind, end in assignments:
        db.session.add(TitleAssignment(user_id=people[name].id, title_id=title.id, kind=kind,
                                       start_date=date(2020, 1, 1), end_date=end))
    db.session.add(TitleAssignment(user_id=people["later"].id, title_id=future.id, kind=AssignmentKind.HELD,
                                   start_date=today + timedelta(days=10)))
    db.session.flush()
    ids = [user.id for user in people.values()]

    savepoint = db.session.begin_nested()
    added = services.ensure_program_statuses_for(ids)
    many = _statuses()
    savepoint.rollback()
    for user in people.values():
        services.ensure_program_statuses(db.session.merge(user))
    one_by_one = _statuses()

    assert added == 5
    assert many == one_by_one
    by_user = {(row[0], row[1]): row[2] for row in many if len(row) > 2}
    assert by_user[(people["new"].id, main.id)] == "not_started"
    assert by_user[(people["started"].id, main.id)] == "in_progress"
    assert by_user[(people["finished"].id, main.id)] == "completed"
    assert (people["ended"].id, main.id) not in by_user
    assert (people["later"].id, main.id) not in by_user
    assert ("certificates", 1) in many
