"""Admin pages for units and job titles."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lms.access import roles_required
from lms.accounts import services as accounts
from lms.accounts.models import Role
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.organisation import queries, services
from lms.organisation.forms import TitleForm, UnitForm
from lms.organisation.models import Title, Unit
from lms.transaction import on_refusal

FORM_REFUSALS = (InvalidInput, Conflict)

bp = Blueprint("organisation", __name__, url_prefix="/admin")


def _tree(units: list[Unit], root: Unit) -> dict[int, list[Unit]]:
    """Children of each unit, by name; units come ordered by path, so parents precede children."""
    children: dict[int, list[Unit]] = {}
    for unit in units:
        if unit.id != root.id:
            children.setdefault(unit.parent_id, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: u.name)
    return children


@bp.route("/units")
@roles_required(Role.ADMIN)
def units():
    scope = accounts.admin_scope(current_user)
    units = db.session.scalars(accounts.units_in_scope(current_user).options(selectinload(Unit.locality))).all()
    return render_template("organisation/units.html", root=scope, children=_tree(units, scope),
                           counts=queries.user_counts(scope))


def _unit_form(unit: Unit | None = None) -> UnitForm:
    scope = accounts.admin_scope(current_user)
    if unit is not None and request.method == "GET":
        form = UnitForm(obj=unit, data={"parent_id": unit.parent_id or 0, "locality_id": unit.locality_id or 0})
    else:
        form = UnitForm(data={"parent_id": request.args.get("parent", scope.id, type=int)})
    if unit is not None and unit.id == scope.id:
        del form.parent_id  # the top of one's own scope cannot be moved out of it
    return form


def _save_unit(form: UnitForm, unit: Unit | None):
    parent = form.parent_id.row if "parent_id" in form else None
    locality = form.locality_id.row
    if unit is None:
        return services.create_unit(current_user, name=form.name.data, parent=parent, locality=locality,
                                    code=form.code.data)
    services.update_unit(current_user, unit, name=form.name.data, locality=locality, code=form.code.data,
                         parent=parent)
    return unit


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_unit():
    return _edit_unit_page(None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_unit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    accounts.ensure_unit_in_scope(current_user, unit)
    return _edit_unit_page(unit)


def _edit_unit_page(unit: Unit | None):
    form = _unit_form(unit)

    def page(_refused=None):
        return render_template("organisation/unit_form.html", form=form, unit=unit), 400 if form.errors else 200

    if form.validate_on_submit():
        on_refusal(page, field=form.name, catch=FORM_REFUSALS)
        saved = _save_unit(form, unit)
        flash(_("Đã lưu đơn vị %(name)s.", name=saved.name), "success")
        return redirect(url_for("organisation.units"))
    return page()


@bp.route("/titles")
@roles_required(Role.ADMIN)
def titles():
    titles = db.session.scalars(queries.titles_in_order()).all()
    return render_template("organisation/titles.html", titles=titles,
                           can_edit=services.can_edit_titles(current_user))


@bp.route("/titles/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_title():
    return _edit_title_page(None)


@bp.route("/titles/<int:title_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_title(title_id: int):
    return _edit_title_page(db.get_or_404(Title, title_id))


def _edit_title_page(title: Title | None):
    services.ensure_can_edit_titles(current_user)
    form = TitleForm(obj=title)

    def page(_refused=None):
        return render_template("organisation/title_form.html", form=form, title=title), 400 if form.errors else 200

    if form.validate_on_submit():
        on_refusal(page, field=form.code, catch=FORM_REFUSALS)
        saved = services.save_title(current_user, title, code=form.code.data, name=form.name.data,
                                    level=form.level.data, group=form.group.data, is_key=form.is_key.data,
                                    valid_from=form.valid_from.data, valid_to=form.valid_to.data)
        flash(_("Đã lưu chức danh %(code)s.", code=saved.code), "success")
        return redirect(url_for("organisation.titles"))
    return page()
