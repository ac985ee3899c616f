"""Account commands for the operator: the first admin of an installation."""
import sqlalchemy as sa

from lms.extensions import db
from lms.organisation.models import Unit


def test_create_admin_makes_the_first_admin_who_signs_in_and_manages_users(app, runner):
    result = runner.invoke(args=["lms", "create-admin", "ql.tinh", "--full-name", "Nguyễn Văn Quản",
                                 "--unit", "Tỉnh ủy Quảng Trị"], input="mat-khau-dai-1\nmat-khau-dai-1\n")
    assert result.exit_code == 0, result.output
    assert "admin ql.tinh created for Tỉnh ủy Quảng Trị" in result.output
    client = app.test_client()
    client.post("/sign-in", data={"username": "ql.tinh", "password": "mat-khau-dai-1"})
    assert client.get("/admin/users/").status_code == 200


def test_create_admin_refuses_a_short_password_and_writes_nothing(app, runner):
    result = runner.invoke(args=["lms", "create-admin", "ql.tinh", "--full-name", "Nguyễn Văn Quản",
                                 "--unit", "Tỉnh ủy Quảng Trị", "--password", "ngan"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0
