"""Supervision pages: a class under inspection, inspections and their answers, the audit log and its CSV."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms import db as transactions
from lms import printing
from lms.access import roles_required
from lms.accounts import services as accounts
from lms.accounts.models import Role, User
from lms.dashboards import exports
from lms.delivery import services as delivery
from lms.delivery.models import TrainingClass
from lms.delivery.timetable_models import ClassSession
from lms.extensions import db
from lms.formats import local_today
from lms.jobs.models import JobStatus
from lms.jobs.services import job_for, start_job
from lms.supervision import audit_text, forms, papers, queries, services, tasks
from lms.supervision.models import Inspection
from lms.transaction import on_refusal

bp = Blueprint("supervision", __name__)
PER_PAGE = 50
TRAIL_ON_PAGE = 30


def _me() -> User:
    return current_user.account


def _readable_class_or_404(class_id: int) -> TrainingClass:
    klass = db.get_or_404(TrainingClass, class_id)
    if not delivery.can_view_class(_me(), klass):
        abort(404)
    return klass


@bp.app_context_processor
def _supervision_helpers():
    def open_findings():
        """The admin's open inspection findings, for their home page (read only when the page asks)."""
        return db.session.scalars(services.open_findings(_me()).limit(20)).all()

    return {"open_findings": open_findings}


@bp.route("/classes/<int:class_id>/inspection")
@roles_required(Role.ADMIN, Role.INSPECTOR, Role.LECTURER)
def class_inspection(class_id: int):
    klass = _readable_class_or_404(class_id)
    me = _me()
    inspector = services.can_inspect(me, klass)
    manages = me.has_role(Role.ADMIN) and me.admin_scope is not None and me.admin_scope.contains(klass.unit)
    trail = db.session.execute(queries.class_trail(klass, newest_first=True).limit(TRAIL_ON_PAGE)).all()
    return render_template(
        "supervision/class.html", klass=klass, inspector=inspector, manages=manages,
        inspections=db.session.scalars(services.inspections_of(klass)).all(),
        form=forms.InspectionForm(inspected_on=local_today()) if inspector else None,
        answer_form=forms.AnswerForm(), pack_form=forms.PackForm(), trail=trail,
        describe=audit_text.describer(trail, me))


@bp.route("/classes/<int:class_id>/inspections", methods=["POST"])
@roles_required(Role.INSPECTOR)
def record_inspection(class_id: int):
    klass = _readable_class_or_404(class_id)
    form = forms.InspectionForm()

    def page(refused=None):
        if refused is not None:
            form.findings.errors = [*form.findings.errors, *getattr(refused, "problems", [])]
        return render_template("supervision/inspection_form.html", klass=klass, form=form), 400

    if form.validate_on_submit():
        on_refusal(page, quiet=True)
        services.record_inspection(_me(), klass, inspected_on=form.inspected_on.data, findings=form.findings.data,
                                   recommendations=form.recommendations.data, follow_up_due=form.follow_up_due.data)
        flash(_("Đã ghi kết quả kiểm tra lớp %(code)s.", code=klass.code), "success")
        return redirect(url_for("supervision.class_inspection", class_id=klass.id, _anchor="inspections"))
    return page()


@bp.route("/admin/inspections/<int:inspection_id>/answer", methods=["POST"])
@roles_required(Role.ADMIN)
def answer_inspection(inspection_id: int):
    inspection = db.get_or_404(Inspection, inspection_id)
    back = url_for("supervision.class_inspection", class_id=inspection.class_id, _anchor=f"inspection-{inspection.id}")
    form = forms.AnswerForm()
    if form.validate_on_submit():
        on_refusal(back)
        services.answer_inspection(_me(), inspection, form.answer.data)
        flash(_("Đã gửi trả lời kết luận kiểm tra."), "success")
    else:
        flash(_("Hãy ghi nội dung trả lời, khắc phục."), "danger")
    return redirect(back)


# --- the audit log -------------------------------------------------------------------------------


@bp.route("/audit")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def audit_log():
    scope = accounts.ensure_read_scope(_me())
    filters = queries.AuditFilters.read(request.args)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db.session.execute(queries.audit_entries(scope, filters).limit(PER_PAGE + 1)
                              .offset((page - 1) * PER_PAGE)).all()
    more = len(rows) > PER_PAGE

    def link(**changes):
        return url_for("supervision.audit_log", **{**filters.as_args(), **changes})

    return render_template("supervision/audit.html", rows=rows[:PER_PAGE], filters=filters, page=page, scope=scope,
                           prev_url=link(page=page - 1) if page > 1 else None,
                           next_url=link(page=page + 1) if more else None,
                           csv_url=url_for("supervision.export_audit", **filters.as_args()),
                           describe=audit_text.describer(rows[:PER_PAGE], _me()),
                           action_choices=audit_text.action_choices(), object_choices=audit_text.object_choices())


@bp.route("/audit.csv")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def export_audit():
    scope = accounts.ensure_read_scope(_me())
    select = queries.audit_entries(scope, queries.AuditFilters.read(request.args))
    columns = papers.audit_columns()

    def rows():
        with transactions.reading(db.session):
            yield from papers.audit_rows(db.session.execute(select.execution_options(yield_per=1000)))

    response = Response(stream_with_context(exports.csv_stream(columns, rows())), mimetype=exports.MIMETYPES["csv"])
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{local_today():%Y%m%d}.csv"'
    return response


# --- printed papers and the evidence pack ----------------------------------------------------------

PAPER_FILES = {"roster": "danh-sach-hoc-vien", "attendance": "diem-danh", "results": "ket-qua-hoc-tap",
               "certificates": "danh-sach-chung-nhan"}
PAPER_READERS = (Role.ADMIN, Role.INSPECTOR, Role.LECTURER)


def _paper_class_or_404(class_id: int, kind: str = "roster") -> TrainingClass:
    if kind not in PAPER_FILES:
        abort(404)
    return _readable_class_or_404(class_id)


@bp.route("/classes/<int:class_id>/papers/<kind>")
@roles_required(*PAPER_READERS)
def class_paper(class_id: int, kind: str):
    klass = _paper_class_or_404(class_id, kind)
    return papers.render(kind, papers.gather(klass),
                         pdf_url=url_for("supervision.class_paper_pdf", class_id=klass.id, kind=kind))


@bp.route("/classes/<int:class_id>/papers/<kind>/pdf")
@roles_required(*PAPER_READERS)
def class_paper_pdf(class_id: int, kind: str):
    klass = _paper_class_or_404(class_id, kind)
    return printing.pdf_response(papers.pdf(kind, papers.gather(klass)), f"{PAPER_FILES[kind]}-{klass.id}.pdf")


def _session_paper_or_404(session_id: int) -> ClassSession:
    session = db.get_or_404(ClassSession, session_id)
    _readable_class_or_404(session.class_id)
    return session


@bp.route("/sessions/<int:session_id>/sheet")
@roles_required(*PAPER_READERS)
def session_sheet(session_id: int):
    session = _session_paper_or_404(session_id)
    return papers.render("attendance", papers.gather(session.training_class), session,
                         pdf_url=url_for("supervision.session_sheet_pdf", session_id=session.id))


@bp.route("/sessions/<int:session_id>/sheet/pdf")
@roles_required(*PAPER_READERS)
def session_sheet_pdf(session_id: int):
    session = _session_paper_or_404(session_id)
    pdf = papers.pdf("attendance", papers.gather(session.training_class), session)
    return printing.pdf_response(pdf, f"diem-danh-{session.class_id}-{session.held_on:%Y%m%d}-{session.id}.pdf")


@bp.route("/classes/<int:class_id>/evidence-pack", methods=["POST"])
@roles_required(*PAPER_READERS)  # an inspector too: it builds a file and changes no training data
def start_evidence_pack(class_id: int):
    klass = _readable_class_or_404(class_id)
    if not forms.PackForm().validate_on_submit():
        abort(400)
    job = start_job(current_user, tasks.EVIDENCE_KIND, tasks.evidence_pack_task, params={"class_id": klass.id})
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/evidence-packs/<int:job_id>")
@roles_required(*PAPER_READERS)
def download_evidence_pack(job_id: int):
    job = job_for(current_user, job_id)
    if job.kind != tasks.EVIDENCE_KIND or job.status != JobStatus.DONE:
        abort(404)
    klass = db.session.get(TrainingClass, job.result["class_id"])
    if not tasks.may_build(_me(), klass):
        abort(404)
    try:
        pack = papers.open_pack(job.result["file"])
    except FileNotFoundError:
        abort(404)
    return send_file(pack, mimetype="application/zip", as_attachment=True,
                     download_name=f"ho-so-lop-{klass.id}-{job.finished_at:%Y%m%d}.zip")
