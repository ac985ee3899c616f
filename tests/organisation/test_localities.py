"""Provinces and communes come from the vietnam-provinces package: 34 and 3,321 since 1 July 2025."""
import sqlalchemy as sa

from lms.extensions import db
from lms.organisation.models import TWO_LEVEL_SINCE, Locality, LocalityKind


def _counts(app):
    with app.app_context():
        rows = db.session.execute(sa.select(Locality.kind, sa.func.count()).group_by(Locality.kind)).all()
    return dict(rows)


def test_the_command_loads_34_provinces_and_3321_communes_and_a_second_run_adds_nothing(app, runner):
    result = runner.invoke(args=["lms", "localities"])
    assert result.exit_code == 0, result.output
    assert "localities: 3355 added, 0 updated" in result.output
    counts = _counts(app)
    assert counts[LocalityKind.PROVINCE] + counts[LocalityKind.CITY] == 34
    assert counts[LocalityKind.CITY] == 6
    assert counts[LocalityKind.COMMUNE] + counts[LocalityKind.WARD] + counts[LocalityKind.SPECIAL_ZONE] == 3321
    assert (counts[LocalityKind.COMMUNE], counts[LocalityKind.WARD], counts[LocalityKind.SPECIAL_ZONE]) == (
        2621, 687, 13)

    again = runner.invoke(args=["lms", "localities"])
    assert "localities: 0 added, 0 updated" in again.output
    assert _counts(app) == counts


def test_communes_hang_under_their_province_with_gso_codes(app, runner):
    runner.invoke(args=["lms", "localities"])
    with app.app_context():
        dan_hoa = db.session.scalar(sa.select(Locality).where(Locality.name == "Xã Dân Hóa"))
        assert dan_hoa.parent.name == "Quảng Trị"
        assert dan_hoa.valid_from == TWO_LEVEL_SINCE
        assert dan_hoa.province.code == "44"
        assert len(dan_hoa.code) == 5


def test_a_renamed_commune_is_updated_not_duplicated(app, runner):
    runner.invoke(args=["lms", "localities"])
    with app.app_context():
        dan_hoa = db.session.scalar(sa.select(Locality).where(Locality.name == "Xã Dân Hóa"))
        dan_hoa.name = "Tên cũ"
        db.session.commit()
    assert "localities: 0 added, 1 updated" in runner.invoke(args=["lms", "localities"]).output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Locality.name == "Xã Dân Hóa")) == 1
