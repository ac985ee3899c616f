"""The needs report follows every write that changes a need, in the same transaction: a completion removes the
need, a revoked certificate or a refresher due within the year brings it back, a planned key title marks
"must attend concentrated", moving a person (or their unit) moves the need, deactivating them removes it; a
program's titles and a title's key flag count too. After each write the kept rows equal a full rebuild."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts import services as accounts
from lms.accounts.importing import import_users
from lms.accounts.models import Role, TitleAssignment, User
from lms.curriculum import services as curriculum
from lms.delivery import need_triggers, needs
from lms.extensions import db
from lms.formats import local_today
from lms.learning.certificates import revoke_certificate
from lms.learning.models import ProgramState, ProgramStatus
from lms.organisation import services as organisation
from lms.organisation.models import Title, Unit

YEAR = local_today().year


def _kept_rows():
    return (sorted(db.session.execute(sa.text("SELECT * FROM training_needs")).all()),
            sorted(db.session.execute(sa.text("SELECT * FROM need_counts")).all()))


def in_need(root: Unit, program, year: int = YEAR) -> dict[str, bool]:
    """username -> planned for a key title, for the program's needs in the subtree; the kept rows and counts are
    checked against a rebuild from the sources first, as the write's commit leaves them (on PostgreSQL the
    counts change at commit)."""
    db.session.commit()
    kept = _kept_rows()
    need_triggers.rebuild(db.session.connection())
    assert _kept_rows() == kept
    return {row.username: bool(row.key) for row in db.session.execute(needs.people(root, year, program.id))}


def _by_unit(root: Unit, program, year: int = YEAR) -> dict[int, tuple[int, int]]:
    counts = {}
    for unit_id, program_id, people, key in db.session.execute(needs.counts_by_unit(root, year)):
        if program_id == program.id:
            before = counts.get(unit_id, (0, 0))
            counts[unit_id] = (before[0] + int(people), before[1] + int(key))
    return counts


@pytest.fixture
def province(ctx, make):
    root = make.unit("Tỉnh ủy")
    commune = make.unit("Đảng ủy xã", parent=root)
    title = make.title("Bí thư xã")
    program = make.program_record("Bồi dưỡng bí thư", titles=[title])
    admin = make.admin("admin", scope=root)
    person = make.user("hv.an", unit=commune, held=[title])
    return {"root": root, "commune": commune, "title": title, "program": program, "person": person,
            "admin": db.session.get(User, admin.id)}


def _status(person, program) -> ProgramStatus:
    return db.session.scalar(sa.select(ProgramStatus).where(ProgramStatus.user_id == person.id,
                                                            ProgramStatus.program_id == program.id))


def test_a_completion_removes_the_need_and_revoking_its_certificate_brings_it_back(province, make):
    root, program, person = province["root"], province["program"], province["person"]
    assert in_need(root, program) == {"hv.an": False}
    make.program_status(person, program, "in_progress", done=2)
    assert in_need(root, program) == {"hv.an": False}

    make.program_status(person, program, "completed", completed_at=sa.func.now())
    assert in_need(root, program) == {}
    certificate = make.certificate(person, program)
    assert in_need(root, program) == {}

    revoke_certificate(province["admin"], certificate, "Cấp nhầm người")
    assert in_need(root, program) == {"hv.an": False}
    # Completing again (a new cycle) is a valid completion again; the revoked certificate was of the old one.
    status = _status(person, program)
    status.cycle = 2
    db.session.flush()
    assert in_need(root, program) == {}


def test_a_refresher_due_within_the_year_is_a_need_and_one_due_after_it_is_not(province, make):
    root, program, person = province["root"], province["program"], province["person"]
    make.program_status(person, program, "completed", completed_at=sa.func.now())
    status = _status(person, program)
    status.valid_until = date(YEAR + 1, 3, 31)
    db.session.flush()
    assert in_need(root, program) == {}
    assert in_need(root, program, YEAR + 1) == {"hv.an": False}
    assert (_by_unit(root, program), _by_unit(root, program, YEAR + 1)) == ({}, {province["commune"].id: (1, 0)})

    status.valid_until = date(YEAR, 12, 31)  # expires within the year: a refresher is due
    db.session.flush()
    assert in_need(root, program) == {"hv.an": False}

    # The refresher lapsed and a new cycle began: still a need until it is completed.
    status.state, status.valid_until, status.cycle = ProgramState.NOT_STARTED, None, 2
    db.session.flush()
    assert in_need(root, program) == {"hv.an": False}
    db.session.delete(status)
    db.session.flush()
    assert in_need(root, program) == {"hv.an": False}


def test_a_planned_key_title_marks_must_attend_concentrated(province, make):
    root, commune, program = province["root"], province["commune"], province["program"]
    key = make.title("Ủy viên Ban Thường vụ", is_key=True)
    curriculum.save_program(None, db.session.get(type(program), program.id), code=program.code, name=program.name,
                            title_ids=[province["title"].id, key.id], items=[])
    planned = make.user("hv.binh", unit=commune, planned=[key])
    make.user("hv.cuong", unit=commune, held=[key])  # holds it: a need, not "must attend"
    assert in_need(root, program) == {"hv.an": False, "hv.binh": True, "hv.cuong": False}
    assert _by_unit(root, program) == {commune.id: (3, 1)}

    # Planned for the key title and holding the other one: counted once, as key.
    accounts.assign_title(None, db.session.get(User, planned.id), db.session.get(Title, province["title"].id),
                          "held", date(2025, 7, 1))
    assert in_need(root, program)["hv.binh"] is True
    assert _by_unit(root, program) == {commune.id: (3, 1)}

    organisation.save_title(None, db.session.get(Title, key.id), code=key.code, name=key.name, level=key.level,
                            is_key=False)
    assert in_need(root, program) == {"hv.an": False, "hv.binh": False, "hv.cuong": False}

    # The program stops targeting the key title: only those holding its other title are left.
    curriculum.save_program(None, db.session.get(type(program), program.id), code=program.code, name=program.name,
                            title_ids=[province["title"].id], items=[])
    assert in_need(root, program) == {"hv.an": False, "hv.binh": False}


def test_the_report_of_a_year_counts_titles_current_on_its_day(province, make):
    """Today for this year, the first of January for a later one, the thirty-first of December for an earlier one."""
    root, commune, program = province["root"], province["commune"], province["program"]
    title = db.session.get(Title, province["title"].id)
    tomorrow = local_today() + timedelta(days=1)
    if tomorrow.year != YEAR:
        pytest.skip("no later day this year")
    later = make.user("hv.sau", unit=commune)
    accounts.assign_title(None, db.session.get(User, later.id), title, "held", tomorrow)
    next_year = make.user("hv.nam", unit=commune)
    accounts.assign_title(None, db.session.get(User, next_year.id), title, "held", date(YEAR + 1, 1, 1))
    assert in_need(root, program) == {"hv.an": False}
    assert _by_unit(root, program) == {commune.id: (1, 0)}
    assert in_need(root, program, YEAR + 1) == {"hv.an": False, "hv.sau": False, "hv.nam": False}
    assert _by_unit(root, program, YEAR + 1) == {commune.id: (3, 0)}
    assert _by_unit(root, program, YEAR - 1) == {commune.id: (1, 0)}


def test_ending_or_removing_a_title_ends_the_need(province):
    root, program, person = province["root"], province["program"], province["person"]
    assignment = db.session.scalar(sa.select(TitleAssignment).where(TitleAssignment.user_id == person.id))
    accounts.end_title(province["admin"], assignment, local_today() - timedelta(days=1))
    assert in_need(root, program) == {}
    assert _by_unit(root, program) == {}
    assert in_need(root, program, YEAR - 1) == {"hv.an": False}  # held on the last day of last year
    assert _by_unit(root, program, YEAR - 1) == {province["commune"].id: (1, 0)}
    db.session.delete(assignment)
    db.session.flush()
    assert in_need(root, program, YEAR - 1) == {}


def test_moving_a_person_or_their_unit_moves_the_need(province, make):
    root, commune, program, admin = province["root"], province["commune"], province["program"], province["admin"]
    district = make.unit("Huyện ủy", parent=root)
    other = make.unit("Đảng ủy xã khác", parent=district)
    person = db.session.get(User, province["person"].id)
    accounts.update_user(admin, person, full_name=person.full_name, unit=db.session.get(Unit, other.id),
                         email=None, roles={Role.TRAINEE}, admin_scope_unit=None, theory_level=0)
    assert in_need(db.session.get(Unit, commune.id), program) == {}
    assert in_need(db.session.get(Unit, district.id), program) == {"hv.an": False}
    assert _by_unit(root, program) == {district.id: (1, 0)}  # under the root: by the unit right below it
    assert _by_unit(db.session.get(Unit, district.id), program) == {other.id: (1, 0)}

    # The commune with its people moves out of the district: the need goes with it.
    organisation.update_unit(admin, db.session.get(Unit, other.id), name="Đảng ủy xã khác", locality=None,
                             code=None, parent=db.session.get(Unit, root.id))
    assert in_need(db.session.get(Unit, district.id), program) == {}
    assert in_need(db.session.get(Unit, other.id), program) == {"hv.an": False}
    assert _by_unit(root, program) == {other.id: (1, 0)}


def test_deactivating_a_person_or_taking_away_the_trainee_role_removes_the_need(province):
    root, program, admin = province["root"], province["program"], province["admin"]
    person = db.session.get(User, province["person"].id)
    accounts.set_active(admin, person, False)
    db.session.flush()
    assert in_need(root, program) == {}
    accounts.set_active(admin, person, True)
    db.session.flush()
    assert in_need(root, program) == {"hv.an": False}

    accounts.update_user(admin, person, full_name=person.full_name, unit=person.unit, email=None,
                         roles={Role.LECTURER}, admin_scope_unit=None, theory_level=0)
    assert in_need(root, program) == {}
    accounts.update_user(admin, person, full_name=person.full_name, unit=person.unit, email=None,
                         roles={Role.TRAINEE}, admin_scope_unit=None, theory_level=0)
    assert in_need(root, program) == {"hv.an": False}


def test_people_imported_with_titles_are_in_need_at_once(province, make):
    make.unit("Đảng ủy xã Dân Hóa", parent=province["root"], code="QT-DANHOA")
    key = make.title(code="TU-UV", is_key=True)
    program = make.program_record("Bồi dưỡng dự nguồn", titles=[province["title"], key])
    csv = (f"username,full_name,unit_code,titles_held,titles_planned\n"
           f"hv.ha,Lê Thị Thu Hà,QT-DANHOA,{province['title'].code}:01/07/2025,TU-UV:2025-09-15\n"
           f"hv.son,Hồ Văn Sơn,QT-DANHOA,{province['title'].code}:01/07/2025,\n"
           f"hv.tam,Phan Thị Tâm,QT-DANHOA,,\n")
    import_users(province["admin"], csv.encode())
    assert in_need(province["root"], program) == {"hv.an": False, "hv.ha": True, "hv.son": False}
    # The per-row upkeep is back after the import: a title assigned now is a need at once, and so is the
    # trainee role taken away and given back.
    accounts.assign_title(None, db.session.scalar(sa.select(User).where(User.username == "hv.son")),
                          db.session.get(Title, key.id), "planned", date(2025, 7, 1))
    assert in_need(province["root"], program)["hv.son"] is True
    tam = db.session.scalar(sa.select(User).where(User.username == "hv.tam"))
    accounts.assign_title(None, tam, db.session.get(Title, key.id), "planned", date(2025, 7, 1))
    for roles, expected in (({Role.LECTURER}, None), ({Role.TRAINEE}, True)):
        accounts.update_user(province["admin"], tam, full_name=tam.full_name, unit=tam.unit, email=None,
                             roles=roles, admin_scope_unit=None, theory_level=0)
        assert in_need(province["root"], program).get("hv.tam") is expected
    # Every change the import and the edits noted for the counts was applied at their commits.
    assert db.session.scalar(sa.text("SELECT count(*) FROM need_count_changes")) == 0


def test_the_rebuild_command_recomputes_the_needs_from_their_sources(app, runner, make):
    root = make.unit("Tỉnh ủy")
    title = make.title()
    program = make.program_record(titles=[title])
    make.user("hv.an", unit=make.unit(parent=root), held=[title])
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM training_needs"))
        db.session.commit()
    result = runner.invoke(args=["lms", "needs", "rebuild"])
    assert result.exit_code == 0
    assert "training needs: 1 rows" in result.output
    with app.app_context():
        assert in_need(db.session.get(Unit, root.id), program) == {"hv.an": False}
