"""Admin pages for units and job titles."""
import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from lms.access import roles_required
from lms.accounts import services as accounts
from lms.accounts.models import Role
from lms.extensions import db
from lms.organisation.models import Title

bp = Blueprint("organisation", __name__, url_prefix="/admin")


@bp.route("/units")
@roles_required(Role.ADMIN)
def units():
    units = db.session.scalars(accounts.units_in_scope(current_user)).all()
    return render_template("organisation/units.html", units=units)


@bp.route("/titles")
@roles_required(Role.ADMIN)
def titles():
    titles = db.session.scalars(sa.select(Title).order_by(Title.level, Title.name)).all()
    return render_template("organisation/titles.html", titles=titles)
