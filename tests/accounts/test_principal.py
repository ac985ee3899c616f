"""The signed-in user each request reads: one statement, and the account row only when a page needs more."""
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.accounts.principal import SignedInUser
from lms.extensions import db


def test_reads_name_language_and_roles_in_one_statement(app, make, statements):
    make.user("gv", full_name="Trần Thị Giảng", roles=(Role.LECTURER, Role.TRAINEE))
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "gv"))
        with statements() as log:
            me = SignedInUser.load(user_id)
            seen = (me.full_name, me.locale, me.has_role(Role.LECTURER), me.has_role("admin"), me.get_id())
        assert seen == ("Trần Thị Giảng", "vi", True, False, f"{user_id}.1")
        assert len([s for s in log if "SELECT" in s.upper()]) == 1
        assert SignedInUser.load(user_id + 1000) is None


def test_anything_else_and_every_change_go_to_the_account(app, make):
    unit = make.unit("Đảng ủy xã Dân Hóa")
    make.user("hv", unit=unit)
    with app.app_context():
        account = db.session.scalar(sa.select(User).where(User.username == "hv"))
        me = SignedInUser.load(account.id)
        assert me == account  # services may take either
        assert account == me
        assert me.unit.name == "Đảng ủy xã Dân Hóa"  # read from the account
        assert me.account is account  # the session's own row
        me.locale = "en"
        assert account.locale == "en"
        assert me.locale == "en"
        db.session.commit()
        assert db.session.scalar(sa.select(User.locale).where(User.id == account.id)) == "en"


def test_an_admins_scope_is_read_without_the_account(app, make, statements):
    province = make.unit("Tỉnh ủy Quảng Trị")
    make.admin("quantri", scope=province)
    make.user("hv")
    with app.app_context():
        admin_id, trainee_id = (db.session.scalar(sa.select(User.id).where(User.username == name))
                                for name in ("quantri", "hv"))
        with statements() as log:
            admin = SignedInUser.load(admin_id)
            assert admin.admin_scope.name == "Tỉnh ủy Quảng Trị"
            assert admin.admin_scope is admin.admin_scope  # kept for the request
        assert len([s for s in log if "SELECT" in s.upper()]) == 2  # the user, then the unit by its id
        assert SignedInUser.load(trainee_id).admin_scope is None


def test_a_change_to_the_account_made_another_way_shows_through_at_once(app, make):
    """An admin editing their own account loads the User row by id, not through current_user."""
    make.admin("quantri", full_name="Tên cũ")
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.username == "quantri"))
        me = SignedInUser.load(admin_id)
        row = db.session.get(User, admin_id)
        row.full_name = "Tên mới"
        row.session_version += 1
        row.role_grants.clear()
        db.session.flush()
        assert (me.full_name, me.session_version, me.has_role(Role.ADMIN)) == ("Tên mới", 2, False)
        db.session.rollback()
