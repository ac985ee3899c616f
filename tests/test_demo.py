"""`flask lms demo`: a demo province to try the system, loaded once, never on top of real users."""
import shlex
from pathlib import Path

import sqlalchemy as sa

from lms.accounts.models import Role, TitleAssignment, User
from lms.extensions import db
from lms.organisation.models import Title, Unit


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                     for m in (User, Unit, Title, TitleAssignment))


def test_demo_loads_a_province_and_a_second_run_adds_nothing(app, runner):
    first = runner.invoke(args=["lms", "demo"])
    assert first.exit_code == 0, first.output
    users, units, titles, assignments = _counts(app)
    assert users >= 30
    assert units >= 5
    assert titles >= 10
    with app.app_context():
        roles = {r for u in db.session.scalars(sa.select(User)) for r in u.roles}
        assert roles == set(Role)  # every role has someone to try it with
    second = runner.invoke(args=["lms", "demo"])
    assert second.exit_code == 0, second.output
    assert "demo: titles 0, units 0, users 0" in second.output
    assert _counts(app) == (users, units, titles, assignments)


def test_the_three_demo_accounts_sign_in_with_the_documented_password(app, runner):
    runner.invoke(args=["lms", "demo"])
    for username, landing in (("admin", "Người dùng"), ("giangvien", "Trần Văn Minh"), ("hocvien", "Lê Thị Thu Hà")):
        client = app.test_client()
        response = client.post("/sign-in", data={"username": username, "password": "demo12345"},
                               follow_redirects=True)
        assert landing in response.get_data(as_text=True), username


def test_demo_admin_manages_the_demo_province(app, runner):
    runner.invoke(args=["lms", "demo"])
    client = app.test_client()
    client.post("/sign-in", data={"username": "admin", "password": "demo12345"})
    page = client.get("/admin/users/?q=hoc+vien").get_data(as_text=True)
    assert "hocvien" in page


def test_demo_is_skipped_with_one_line_on_a_database_with_real_users(app, runner, make):
    make.user("that.nguoi")
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "demo: skipped, the database holds 1 non-demo users; the demo loads only into an empty or demo database\n"
    )
    assert _counts(app)[0] == 1


def _tree(app):
    """The demo units as loaded: code -> (name, parent code)."""
    with app.app_context():
        units = db.session.scalars(sa.select(Unit).where(Unit.code.like("demo-%"))).all()
        by_id = {u.id: u for u in units}
        return {u.code: (u.name, by_id[u.parent_id].code if u.parent_id else None) for u in units}


def test_the_demo_province_keeps_party_state_and_front_apart(app, runner):
    from lms.demo import UNITS, Body

    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    tree = _tree(app)
    body = {f"demo-{key}": kind for key, _name, _parent, _locality, kind in UNITS}
    assert set(tree) == set(body)

    def ancestors(code):
        parent = tree[code][1]
        return [] if parent is None else [parent, *ancestors(parent)]

    departments = [code for code in tree if body[code] == Body.DEPARTMENT]
    assert "demo-sonv" in departments
    for code in departments:
        assert all(body[a] != Body.PARTY for a in ancestors(code)), (tree[code][0], ancestors(code))
    assert tree["demo-sonv"][1] == "demo-ubnd"
    assert tree["demo-ubnd"][0] == "Ủy ban nhân dân tỉnh Quảng Trị"
    assert {tree[c][0] for c in tree if tree[c][1] == "demo-tinhuy"} >= {
        "Ban Tổ chức Tỉnh ủy Quảng Trị", "Ban Tuyên giáo và Dân vận Tỉnh ủy Quảng Trị",
        "Ủy ban Kiểm tra Tỉnh ủy Quảng Trị", "Trường Chính trị Lê Duẩn"}
    for commune in ("demo-danHoa", "demo-namGianh", "demo-dongHoi"):
        assert sorted(body[c] for c in tree if tree[c][1] == commune) == sorted(
            [Body.PARTY, Body.COUNCIL, Body.COMMITTEE, Body.FRONT])


def test_the_demo_has_commune_council_chairs_and_a_program_named_as_a_demo(app, runner):
    from lms.curriculum.models import Program

    runner.invoke(args=["lms", "demo"])
    with app.app_context():
        chairs = db.session.scalars(
            sa.select(User.username).join(TitleAssignment, TitleAssignment.user_id == User.id)
            .join(Title, Title.id == TitleAssignment.title_id).where(Title.name == "Chủ tịch Hội đồng nhân dân xã"))
        assert "hv.luong" in set(chairs)
        programs = db.session.scalars(sa.select(Program)).all()
        assert programs
        for program in programs:
            assert "demo" in program.name.lower()
            assert "Bồi dưỡng" not in program.name


def _make_db_steps() -> list[list[str]]:
    """The `flask` commands of the Makefile's `db` target, as `make run` runs them before serving."""
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    recipe = makefile.split("\ndb:", 1)[1].split("\n\n", 1)[0]
    steps = [shlex.split(line.strip().removeprefix("$(FLASK)")) for line in recipe.splitlines()[1:]
             if line.strip().startswith("$(FLASK)")]
    assert ["lms", "demo"] in steps
    return steps


def test_make_db_runs_again_after_users_were_imported(app, runner, tmp_path):
    """A second `make run` on a database in use: migrations and content run, the demo steps aside."""
    csv = tmp_path / "people.csv"
    with app.app_context():
        from lms.organisation import services as organisation

        organisation.create_unit(None, name="Đảng ủy xã Thử", parent=None, locality=None, code="thu")
        db.session.commit()
    csv.write_text("username,full_name,unit_code\nhv.that,Nguyễn Văn Thật,thu\n", encoding="utf-8")
    imported = runner.invoke(args=["lms", "import-users", str(csv)])
    assert imported.exit_code == 0, imported.output
    for step in _make_db_steps():
        result = runner.invoke(args=step)
        assert result.exit_code == 0, (step, result.output)
    assert "demo: skipped" in runner.invoke(args=["lms", "demo"]).output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.is_demo.is_(True))) == 0
        assert db.session.scalar(sa.select(User.full_name).where(User.username == "hv.that")) == "Nguyễn Văn Thật"


def test_the_demo_lecturer_finds_their_modules_under_mine(app, runner, client):
    """The demo lecturer wrote and teaches the demo's field-trip module: "của tôi" is not empty."""
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    client.post("/sign-in", data={"username": "giangvien", "password": "demo12345"})
    page = client.get("/author/modules?mine=1").text
    assert "DEMO-DTT-NTM" in page
    assert "Không có học phần nào phù hợp" not in page
