"""Admin pages issue a bounded number of queries, whatever the number of users or units."""




def test_user_list_and_unit_tree_queries_do_not_grow_with_the_data(app, client, auth, make, page_statements):
    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    title = make.title()
    commune = make.unit("Xã 0", parent=root, locality=make.locality())
    make.user("u0", unit=commune, held=[title], password=None)
    auth.login("admin")
    small = (page_statements("/admin/users/"), page_statements("/admin/units"))
    for n in range(1, 13):
        commune = make.unit(f"Xã {n}", parent=root, locality=make.locality())
        make.user(f"u{n}", unit=commune, held=[title], roles=("trainee", "lecturer"), password=None)
    large = (page_statements("/admin/users/"), page_statements("/admin/units"))
    assert large == small


def test_a_persons_record_runs_a_fixed_number_of_statements(app, client, auth, make, statements):
    """A person's whole record: nine statements, one per section, whatever its length."""
    from lms.delivery.models import NominationState

    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    title = make.title()
    person = make.user("u0", unit=make.unit("Xã 0", parent=root), held=[title])
    auth.login("admin")

    def page_statements(url: str) -> int:
        with statements() as seen:
            assert client.get(url).status_code == 200
        return len([s for s in seen if s.strip().upper() != "BEGIN"])  # SQLite's explicit BEGIN aside

    empty = page_statements(f"/people/{person.id}")
    for n in range(4):
        program = make.program_record(f"Chương trình {n}", titles=[title])
        make.program_status(person, program, "completed")
        make.nomination(make.training_class(program=program, unit=root), person, NominationState.COMPLETED)
        make.certificate(person, program)
    assert page_statements(f"/people/{person.id}") == empty == RECORD_STATEMENTS


RECORD_STATEMENTS = 16  # nine for the record, the rest every signed-in admin page runs


def test_the_people_picker_and_the_needs_report_run_a_fixed_number_of_statements(app, client, auth, make,
                                                                                 statements):
    """Neither page grows with the people, units or titles of the scope."""
    from lms.accounts.models import TheoryLevel

    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    title = make.title(is_key=True)
    program = make.program(titles=[title])
    klass = make.training_class(program=program, unit=root)
    make.unit("Xã đầu", parent=root, locality=make.locality())
    auth.login("admin")

    def count(url: str) -> int:
        with statements() as seen:
            assert client.get(url).status_code == 200
        return len([s for s in seen if s.strip().upper() != "BEGIN"])

    urls = (f"/admin/classes/{klass.id}/pick?q=nguyen&eligible=1", f"/admin/classes/{klass.id}/pick",
            "/admin/plans/needs?year=2026", f"/admin/plans/needs?year=2026&program={program.id}")
    small = [count(url) for url in urls]
    for n in range(6):
        commune = make.unit(f"Xã {n}", parent=root, locality=make.locality())
        for k in range(3):
            make.user(f"u{n}.{k}", full_name=f"Nguyễn Văn {n}{k}", unit=commune, held=[title],
                      planned=[make.title()], theory_level=TheoryLevel.ADVANCED, password=None)
    assert [count(url) for url in urls] == small
    # The needs report: one grouped statement over the kept needs, the rest the grid and the page;
    # a program's people one more.
    assert small[2:] == [NEEDS_STATEMENTS, NEEDS_STATEMENTS + 1]


NEEDS_STATEMENTS = 11


def test_the_plan_grid_runs_a_fixed_number_of_statements(app, client, auth, make, statements):
    """The plan grid of a scope with its quotas and totals, whatever its rows, programs and quotas."""
    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    auth.login("admin")

    def count() -> int:
        with statements() as seen:
            assert client.get("/admin/plans/grid?year=2026").status_code == 200
        return len([s for s in seen if s.strip().upper() != "BEGIN"])

    def grow(units: int, programs: int) -> None:
        rows = [make.unit(f"Xã {n}", parent=root, locality=make.locality()) for n in range(units)]
        columns = [make.program(code=f"CT{units}.{n}", name=f"Chương trình {n}") for n in range(programs)]
        client.post("/admin/plans/grid?year=2026", data={
            f"q-{u.id}-{p.id}": str(n + 1) for n, (u, p) in enumerate((u, p) for u in rows for p in columns)})

    grow(1, 1)
    small = count()
    grow(6, 4)
    assert count() == small == PLAN_GRID_STATEMENTS


PLAN_GRID_STATEMENTS = 9  # the scope, its rows, the programs, the quotas in one; the rest every admin page runs


def test_the_picker_searches_run_a_fixed_number_of_statements(app, client, auth, make, statements):
    """Each search answers from one statement (plus the signed-in request's own), whatever the scope holds."""
    from lms.accounts.models import Role
    from lms.extensions import db

    province = make.locality("Hà Tĩnh")
    root = make.unit("Tỉnh ủy Hà Tĩnh", locality=province)
    make.admin("admin", scope=root)
    first = make.unit("Đảng ủy xã Kỳ Đầu", parent=root, locality=make.locality("Xã Kỳ Đầu", parent=province))
    make.user("dau", full_name="Nguyễn Văn Đầu", unit=first, roles=(Role.TRAINEE, Role.LECTURER))
    auth.login("admin")

    def count(url: str) -> int:
        with statements() as seen:
            assert client.get(url).status_code == 200
        return len([s for s in seen if s.strip().upper() != "BEGIN"])

    urls = ("/pick/units?q=xa ky", "/pick/units?q=", "/pick/people?q=nguyen van", "/pick/lecturers?q=nguyen",
            "/pick/localities?q=ky", "/pick/communes?q=ky", "/pick/subjects?q=boi duong",
            "/pick/modules?q=boi duong", "/pick/programs?q=boi duong")
    small = [count(url) for url in urls]
    with app.app_context():
        for n in range(30):
            commune = make.locality(f"Xã Kỳ {n}", parent=province)
            unit = make.unit(f"Đảng ủy xã Kỳ {n}", parent=root, locality=commune)
            make.user(f"u{n}", full_name=f"Nguyễn Văn {n}", unit=unit, roles=(Role.TRAINEE, Role.LECTURER),
                      password=None)
            make.program(name=f"Bồi dưỡng chức danh {n}")
            make.module(title=f"Bồi dưỡng chuyên đề {n}")
        db.session.commit()
    assert [count(url) for url in urls] == small == PICKER_STATEMENTS


# Each: the signed-in admin with their role grants, their scope unit, then the one search; the people found bring
# their role grants in one more statement, the places read the scope's own locality first, and the subjects are
# two searches (programs, modules); a program's modules are searched for any author (no scope read).
PICKER_STATEMENTS = [3, 3, 4, 4, 4, 4, 4, 2, 3]


def test_the_audit_page_names_a_whole_page_of_objects_in_a_fixed_number_of_statements(app, client, auth, make,
                                                                                       page_statements):
    """Each entry's action in words and its object named with a link: as many statements for 5 entries of five
    kinds of object as for 50."""
    import sqlalchemy as sa

    from lms import audit
    from lms.accounts.models import User
    from lms.delivery.models import Nomination, NominationState, TrainingClass
    from lms.delivery.timetable_models import ClassSession
    from lms.documents.models import Document
    from lms.extensions import db

    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    klass = make.training_class(unit=root)

    def grow(n: int):
        made = []
        for _ in range(n):
            person = make.user(unit=root)
            made.append((person, make.nomination(klass, person, NominationState.NOMINATED),
                         make.class_session(klass), make.document()))
        with app.app_context():
            admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
            for person, nomination, session, document in made:
                audit.record(admin, "user.update", db.session.get(User, person.id))
                audit.record(admin, "nomination.approved", db.session.get(Nomination, nomination.id),
                             previous="nominated")
                audit.record(admin, "session.save", db.session.get(ClassSession, session.id), on="2026-09-08")
                audit.record(admin, "document.register", db.session.get(Document, document.id), code=document.code)
                audit.record(admin, "class.absence_limit", db.session.get(TrainingClass, klass.id), previous=20,
                             percent=30)
            db.session.commit()

    grow(1)
    auth.login("admin")
    small = page_statements("/audit")
    grow(9)
    page = client.get("/audit").get_data(as_text=True)
    assert page.count(f'href="/classes/{klass.id}"') >= 10
    assert page_statements("/audit") == small
