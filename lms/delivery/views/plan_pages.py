"""Annual training plans and the plan-versus-actual table."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.access import roles_required
from lms.accounts import services as accounts
from lms.accounts.models import Role
from lms.curriculum.models import Program
from lms.delivery import forms, needs, plan_grid, queries, services
from lms.delivery.views import _flash_problems, _me, bp
from lms.errors import InvalidInput
from lms.extensions import db
from lms.inputs import int_or_none, requested_year
from lms.organisation.models import Unit
from lms.transaction import on_refusal

# --- annual plans --------------------------------------------------------------------------------


@bp.route("/admin/plans")
@roles_required(Role.ADMIN)
def plans():
    scope = accounts.admin_scope(_me())
    year = requested_year()
    rows = db.session.execute(queries.plan_vs_actual(year, scope)).all()
    return render_template("delivery/plans.html", rows=rows, year=year, short_name=plan_grid.short_name)


@bp.route("/admin/plans/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_plan():
    form = forms.PlanForm()
    opener = forms.PlanOpenForm(request.args)
    programs = db.session.scalars(sa.select(Program).where(Program.active).order_by(Program.name)).all()
    if request.method == "GET":
        form.year.data = requested_year()
        opener.validate()
        form.unit_id.data = opener.unit_id.data or accounts.admin_scope(_me()).id
    values, problems = {}, []

    def page(refused=None):
        if refused is not None:
            _flash_problems(refused)
        return render_template("delivery/plan_form.html", form=form, opener=opener, programs=programs, values=values)

    if form.validate_on_submit():
        quotas = {}
        for program in programs:
            raw = (request.form.get(f"quota-{program.id}") or "").strip()
            values[program.id] = raw
            if raw == "":
                continue
            quota = int_or_none(raw)
            if quota is None or quota < 0:
                problems.append(_("Chỉ tiêu cho %(name)s phải là số không âm.", name=program.name))
                continue
            quotas[program] = quota
        if not problems:
            on_refusal(page)
            services.save_plan(_me(), form.unit_id.row, form.year.data, quotas,
                               note=form.note.data)
            flash(_("Đã lưu kế hoạch năm %(year)d.", year=form.year.data), "success")
            return redirect(url_for("delivery.plans", year=form.year.data))
    elif form.unit_id.data and form.year.data:
        quotas = services.plan_quotas(_me(), form.unit_id.row, form.year.data)
        values = {pid: str(q) for pid, q in quotas.items()}
    for problem in problems:
        flash(problem, "danger")
    return page()


# --- the plan as a grid: units by programs ----------------------------------------------------------------


def _grid():
    root = db.session.get(Unit, int_or_none(request.values.get("unit")) or 0)
    return plan_grid.load_grid(_me(), root, requested_year())


def _grid_page(grid, values=None, status: int = 200):
    return render_template("delivery/plan_grid.html", grid=grid, values=values), status


@bp.route("/admin/plans/grid", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def plan_grid_page():
    grid = _grid()
    if request.method == "GET":
        # "Draft from the needs": the form filled with the needs, saved only when the admin saves it.
        draft = needs.needs_for(grid).draft() if request.args.get("draft") == "needs" else None
        if draft is not None:
            flash(_("Bản dự thảo: chỉ tiêu bằng nhu cầu. Sửa nếu cần rồi bấm \"Lưu cả bảng\"."), "info")
        return _grid_page(grid, draft)
    values = {key: value for key, value in request.form.items() if key.startswith("q-")}

    def page(refused):
        _flash_problems(refused)
        return _grid_page(grid, values, 400)

    on_refusal(page)
    changed = plan_grid.save_grid(_me(), grid, plan_grid.read_form(grid, request.form))
    flash(_("Đã lưu kế hoạch năm %(year)d: %(n)d ô thay đổi.", year=grid.year, n=changed), "success")
    return redirect(url_for("delivery.plan_grid_page", year=grid.year, unit=grid.root.id))


@bp.route("/admin/plans/grid.<fmt>")
@roles_required(Role.ADMIN)
def export_plan_grid(fmt: str):
    from lms.dashboards import exports

    if fmt not in exports.FORMATS:
        abort(404)
    grid = _grid()
    headers, rows = plan_grid.rows_for_file(grid)
    columns = [exports.Column(headers[0], "int", 10), exports.Column(headers[1], "text", 36),
               *[exports.Column(code, "int", 10) for code in headers[2:]]]
    heading = exports.Heading(_("Kế hoạch năm %(year)d", year=grid.year),
                              ((_("Phạm vi"), grid.root.name), (_("Năm"), str(grid.year))))
    body = exports.stream(fmt, columns, rows, _("Kế hoạch %(year)d", year=grid.year), heading)
    return exports.download(fmt, f"kế hoạch {grid.year} {grid.root.name}", body)


@bp.route("/admin/plans/grid/import", methods=["POST"])
@roles_required(Role.ADMIN)
def import_plan_grid():
    grid = _grid()
    upload = request.files.get("file")

    def page(refused):
        _flash_problems(refused)
        return _grid_page(grid, None, 400)

    on_refusal(page)
    if upload is None or not upload.filename:
        raise InvalidInput(_("Hãy chọn tệp CSV hoặc XLSX."))
    cells = plan_grid.read_file(grid, upload.filename, upload.read())
    changed = plan_grid.save_grid(_me(), grid, cells)
    flash(_("Đã nhập kế hoạch năm %(year)d: %(n)d ô thay đổi.", year=grid.year, n=changed), "success")
    return redirect(url_for("delivery.plan_grid_page", year=grid.year, unit=grid.root.id))


@bp.route("/admin/plans/needs")
@roles_required(Role.ADMIN)
def training_needs():
    """Needs per unit and program beside the saved quotas; a program's people on request."""
    grid = _grid()
    report = needs.needs_for(grid)
    program = next((p for p in grid.programs if p.id == int_or_none(request.args.get("program"))), None)
    listed = db.session.execute(needs.people(grid.root, grid.year, program.id)).all() if program else []
    localities = {u.id: u.locality.name if u.locality else "" for u in grid.units}
    return render_template("delivery/needs.html", grid=grid, report=report, program=program, listed=listed,
                           localities=localities)
