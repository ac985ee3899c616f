"""Completion dashboard pages, the people behind each figure, and their CSV / XLSX exports."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import grading
from lms.access import roles_required
from lms.accounts.models import Role
from lms.dashboards import charts, exports, queries, receivers, services
from lms.dashboards.forms import PickedFilters
from lms.db import reading
from lms.extensions import db
from lms.formats import local_today
from lms.inputs import requested_year
from lms.learning.models import ProgramState
from lms.organisation.models import Title

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")
receivers.connect()

PER_PAGE = 50
FORMATS = exports.FORMATS
# File names stay Vietnamese whatever the reader's language, folded to ASCII (lms.text.slug).
FILE_DIMENSIONS = {"unit": "đơn vị", "locality": "địa phương", "title": "chức danh", "program": "chương trình",
                   "year": "năm"}
FILE_STATUSES = {"all": "tất cả", "completed": "hoàn thành", "in_progress": "đang học",
                 "not_started": "chưa bắt đầu", "overdue": "quá hạn"}


def dimension_labels() -> dict[str, str]:
    return {"unit": _("Đơn vị"), "locality": _("Địa phương"), "title": _("Chức danh"),
            "program": _("Chương trình"), "year": _("Năm")}


def status_labels() -> dict[str, str]:
    return {"all": _("Tất cả"), "completed": _("Hoàn thành"), "in_progress": _("Đang học"),
            "not_started": _("Chưa bắt đầu"), "overdue": _("Quá hạn")}


def state_labels() -> dict[str, str]:
    return {ProgramState.COMPLETED: _("Hoàn thành"), ProgramState.IN_PROGRESS: _("Đang học"),
            ProgramState.NOT_STARTED: _("Chưa bắt đầu")}


def _options(filters: queries.Filters) -> dict:
    """Choices for the filter form, provinces limited to where the admin's units are (the commune and the
    program have their own pickers): two small statements."""
    provinces = db.session.execute(services.provinces_in_scope(current_user)).all()
    titles = db.session.execute(sa.select(Title.id, Title.name).order_by(Title.name)).all()
    return {"provinces": provinces, "titles": titles,
            "years": list(range(filters.today.year, filters.today.year - 6, -1))}


def _link(endpoint: str, filters: queries.Filters, **changes) -> str:
    args = {**filters.as_args(), **changes}
    return url_for(endpoint, **{k: v for k, v in args.items() if v is not None})


@bp.route("/")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def index():
    place = PickedFilters(request.args)
    place.validate()  # a commune or program typed is resolved; a commune outside the scope filters nothing
    args = request.args.copy()
    args["commune"], args["program"] = str(place.commune.data or ""), str(place.program.data or "")
    filters = services.read_filters(current_user, args)
    by = services.read_dimension(request.args)
    figures = services.breakdown(filters, by)
    total = services.overall(filters, by, figures)
    months = services.trend(filters)
    labels = dimension_labels()
    bars = charts.bar_chart([(f.label, f.rate) for f in figures], chart_id="rate-chart",
                            title=_("Tỷ lệ hoàn thành theo %(dim)s", dim=labels[by].lower()))
    line = charts.line_chart([(str(m), n) for _y, m, n in months], chart_id="trend-chart",
                             title=_("Số lượt hoàn thành theo tháng, 12 tháng gần nhất"))
    return render_template(
        "dashboards/index.html", filters=filters, by=by, figures=figures, total=total, months=months,
        bars=bars, line=line, dimensions=labels, statuses=status_labels(), options=_options(filters),
        crumbs=services.breadcrumbs(current_user, filters), places=services.place_names(filters),
        link=_link, place=place,
    )


@bp.route("/people")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def people():
    filters = services.read_filters(current_user, request.args)
    status = services.read_status(request.args)
    total = db.session.scalar(queries.people_count(filters, status))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = db.session.execute(queries.people(filters, status, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)).all()
    return render_template(
        "dashboards/people.html", filters=filters, status=status, rows=rows, page=page, total=total,
        pages=pages, statuses=status_labels(), states=state_labels(),
        crumbs=services.breadcrumbs(current_user, filters), places=services.place_names(filters),
        link=_link, today=filters.today, by=services.read_dimension(request.args),
    )


@bp.route("/table.<fmt>")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def export_table(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    filters = services.read_filters(current_user, request.args)
    by = services.read_dimension(request.args)
    figures = services.breakdown(filters, by)
    columns = [
        exports.Column(dimension_labels()[by], "text", 40),
        exports.Column(_("Tổng số"), "int"),
        exports.Column(_("Hoàn thành"), "int"),
        exports.Column(_("Tỷ lệ hoàn thành"), "percent"),
        exports.Column(_("Đang học"), "int"),
        exports.Column(_("Chưa bắt đầu"), "int"),
        exports.Column(_("Quá hạn"), "int"),
    ]
    rows = ((f.label, f.total, f.completed, f.rate, f.in_progress, f.not_started, f.overdue) for f in figures)
    title = _("Hoàn thành theo %(dim)s", dim=dimension_labels()[by].lower())
    body = exports.stream(fmt, columns, rows, _("Hoàn thành"), services.export_heading(current_user, filters, title))
    return exports.download(fmt, f"hoàn thành theo {FILE_DIMENSIONS[by]}", body)


@bp.route("/people.<fmt>")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def export_people(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    filters = services.read_filters(current_user, request.args)
    status = services.read_status(request.args)
    heading = services.export_heading(current_user, filters, _("Danh sách học viên"), status_labels()[status])
    body = _people_stream(fmt, queries.people(filters, status), filters.today, heading)
    return exports.download(fmt, f"danh sách {FILE_STATUSES[status]}", body)


def _people_stream(fmt: str, select, today: date, heading: exports.Heading | None = None):
    states = state_labels()
    columns = [
        exports.Column(_("Họ và tên"), "text", 28),
        exports.Column(_("Tên đăng nhập"), "text", 18),
        exports.Column(_("Chức danh"), "text", 30),
        exports.Column(_("Đơn vị"), "text", 36),
        exports.Column(_("Chương trình"), "text", 40),
        exports.Column(_("Trạng thái"), "text", 16),
        exports.Column(_("Học phần bắt buộc đã xong"), "int"),
        exports.Column(_("Tổng học phần bắt buộc"), "int"),
        exports.Column(_("Ngày bắt đầu"), "date"),
        exports.Column(_("Hạn hoàn thành"), "date"),
        exports.Column(_("Ngày hoàn thành"), "datetime", 18),
        exports.Column(_("Quá hạn"), "text", 10),
    ]
    yes, no = _("Có"), _("Không")

    def rows():
        # Read while the file streams, after the request has ended: as a reader (no write lock on SQLite)
        # holding one transaction (PostgreSQL keeps the server-side cursor only inside one).
        with reading(db.session):
            result = db.session.execute(select.execution_options(yield_per=1000))
            for r in result:
                late = r.state != ProgramState.COMPLETED and r.due_on is not None and r.due_on < today
                yield (r.full_name, r.username, r.titles or "", r.unit_name, r.program_name,
                       states.get(r.state, str(r.state)), r.required_done, r.required_total, r.started_on,
                       r.due_on, r.completed_at, yes if late else no)

    return exports.stream(fmt, columns, rows(), _("Danh sách"), heading)


def plan_columns() -> list[exports.Column]:
    return [
        exports.Column(_("Đơn vị"), "text", 36),
        exports.Column(_("Chương trình"), "text", 40),
        exports.Column(_("Chỉ tiêu"), "int"),
        exports.Column(_("Đã cử"), "int"),
        exports.Column(_("Tỷ lệ so với chỉ tiêu"), "percent"),
        exports.Column(_("Đã nhập học"), "int"),
        exports.Column(_("Hoàn thành"), "int"),
        exports.Column(_("Còn lại"), "int"),
        exports.Column(_("Vượt chỉ tiêu"), "int"),
    ]


def _plan_rows(year: int) -> list[tuple]:
    from lms.accounts.services import ensure_read_scope
    from lms.delivery.queries import plan_vs_actual

    rows = db.session.execute(plan_vs_actual(year, ensure_read_scope(current_user))).all()
    return [(r.unit_name, r.program_name, r.quota, r.nominated,
             round(100.0 * r.nominated / r.quota, 1) if r.quota else 0.0, r.enrolled, r.completed, r.remaining,
             r.over_quota) for r in rows]


def _plan_year() -> int:
    return requested_year()


@bp.route("/plan")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def plan():
    year = _plan_year()
    rows = _plan_rows(year)
    bars = charts.bar_chart([(f"{r[0]} · {r[1]}", r[4]) for r in rows], chart_id="plan-chart",
                            title=_("Số đã cử so với chỉ tiêu năm %(year)d", year=year), maximum=100.0)
    return render_template("dashboards/plan.html", year=year, rows=rows, bars=bars, columns=plan_columns(),
                           years=list(range(local_today().year + 1, local_today().year - 5, -1)))


@bp.route("/plan.<fmt>")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def export_plan(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    year = _plan_year()
    body = exports.stream(fmt, plan_columns(), iter(_plan_rows(year)), _("Kế hoạch %(year)d", year=year))
    return exports.download(fmt, f"kế hoạch {year}", body)


# --- lecturers: the same figures for their own classes -------------------------------------------------


@bp.route("/classes")
@roles_required(Role.LECTURER)
def my_classes():
    today = local_today()
    figures = [services._figure(r, r.name, {"class_id": r.id})
               for r in db.session.execute(queries.class_figures(current_user.id, today))]
    bars = charts.bar_chart([(f.label, f.rate) for f in figures], chart_id="class-chart",
                            title=_("Tỷ lệ hoàn thành theo lớp"))
    return render_template("dashboards/classes.html", figures=figures, bars=bars)


@bp.route("/classes/<int:class_id>/people")
@roles_required(Role.LECTURER)
def class_people(class_id: int):
    status = services.read_status(request.args)
    klass = _my_class_or_403(class_id)
    rows = db.session.execute(queries.class_people(current_user.id, klass.id, status, local_today())).all()
    return render_template("dashboards/class_people.html", klass=klass, rows=rows, status=status,
                           statuses=status_labels(), states=state_labels(), today=local_today())


@bp.route("/classes/<int:class_id>/people.<fmt>")
@roles_required(Role.LECTURER)
def export_class_people(class_id: int, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    status = services.read_status(request.args)
    klass = _my_class_or_403(class_id)
    body = _people_stream(fmt, queries.class_people(current_user.id, klass.id, status, local_today()), local_today())
    return exports.download(fmt, f"lớp {klass.code} {FILE_STATUSES[status]}", body)


@bp.route("/trips/<int:trip_id>/grades.<fmt>")
@roles_required(Role.LECTURER)
def export_trip_grades(trip_id: int, fmt: str):
    """The field trip's grade sheet on the class's grading scale: the grade is a number in XLSX."""
    from lms.delivery.models import FieldTrip

    if fmt not in FORMATS:
        abort(404)
    trip = db.get_or_404(FieldTrip, trip_id)
    klass = _my_class_or_403(trip.class_id)
    scale = klass.grade_scale
    columns = [exports.Column(_("Họ và tên"), "text", 32), exports.Column(_("Tên đăng nhập"), "text", 20),
               exports.Column(_("Trạng thái"), "text", 16),
               exports.Column(_("Điểm (thang %(max)s)", max=scale.maximum), "grade"),
               exports.Column(_("Đạt"), "text", 8)]
    statuses = {"submitted": _("Đã nộp, chờ chấm"), "returned": _("Trả lại để sửa"), "graded": _("Đã chấm")}
    rows = ((name, username, statuses.get(str(status), str(status)), grading.on_scale(score, scale),
             "" if passed is None else (_("Đạt") if passed else _("Chưa đạt")))
            for name, username, status, score, passed in db.session.execute(queries.trip_grades(trip.id)))
    return exports.download(fmt, f"bảng điểm {trip.id}", exports.stream(fmt, columns, rows, _("Bảng điểm")))


@bp.route("/classes/<int:class_id>/quiz-results.<fmt>")
@roles_required(Role.LECTURER)
def export_class_quiz_results(class_id: int, fmt: str):
    """Each participant's best quiz score per module of the class, on the program's scale, as numbers."""
    if fmt not in FORMATS:
        abort(404)
    klass = _my_class_or_403(class_id)
    scale = klass.grade_scale
    module_ids = [item.module_id for item in klass.program.items] if klass.program else [klass.module_id]
    columns = [exports.Column(_("Họ và tên"), "text", 32), exports.Column(_("Tên đăng nhập"), "text", 20),
               exports.Column(_("Học phần"), "text", 20), exports.Column(_("Số lượt làm"), "int"),
               exports.Column(_("Điểm cao nhất (thang %(max)s)", max=scale.maximum), "grade"),
               exports.Column(_("Đạt"), "text", 8)]
    rows = ((name, username, module, attempts, grading.on_scale(best, scale), _("Đạt") if passed else _("Chưa đạt"))
            for name, username, module, attempts, best, passed
            in db.session.execute(queries.class_quiz_results(klass.id, module_ids)))
    body = exports.stream(fmt, columns, rows, _("Điểm kiểm tra"))
    return exports.download(fmt, f"điểm kiểm tra lớp {klass.code}", body)


def _my_class_or_403(class_id: int):
    from lms.delivery.models import TrainingClass

    klass = db.get_or_404(TrainingClass, class_id)
    if current_user.id not in {u.id for u in klass.lecturers}:
        abort(403)
    return klass
