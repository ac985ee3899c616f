"""Reports (bài thu hoạch): writing, reading, files, grading, consent; the exemplary library."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from lms.access import roles_required, signed_in
from lms.accounts.models import Role
from lms.curriculum.models import Module
from lms.delivery import files, forms, reports, services, trips
from lms.delivery.models import (
    ExemplaryReport,
    SubmissionStatus,
)
from lms.delivery.views import _me, _trip_or_404, bp
from lms.errors import InvalidInput
from lms.extensions import db
from lms.grading import format_grade
from lms.inputs import int_or_none
from lms.transaction import on_refusal

# --- reports -------------------------------------------------------------------------------------


@bp.route("/trips/<int:trip_id>/report", methods=["GET", "POST"])
@signed_in
def edit_report(trip_id: int):
    trip = _trip_or_404(trip_id)
    me = _me()
    if not trips.is_participant(me, trip.training_class):
        abort(404)
    submission = reports.my_submission(me, trip)
    form = forms.SubmissionForm(obj=submission)
    form.remove_file_ids.choices = [(f.id, f.original_name) for f in (submission.files if submission else [])]
    if request.method == "GET" and submission is not None:
        form.consent.data = submission.exemplary_consent_at is not None
    if form.validate_on_submit():
        uploads = [reports.Upload(f.filename, f.read()) for f in (form.attachments.data or []) if f and f.filename]
        on_refusal(lambda refused: _refused_report(form, trip, refused))
        submission = reports.save_submission(me, trip, body_md=form.body_md.data, uploads=uploads,
                                           remove_file_ids=form.remove_file_ids.data,
                                           submit=bool(form.submit_report.data), consent=form.consent.data)
        if submission.status == SubmissionStatus.SUBMITTED:
            flash(_("Đã nộp bài thu hoạch.") + (" " + _("Bài nộp sau hạn.") if submission.late else ""), "success")
            return redirect(url_for("delivery.submission_page", submission_id=submission.id))
        flash(_("Đã lưu nháp."), "success")
        return redirect(url_for("delivery.edit_report", trip_id=trip.id))
    return render_template("delivery/report_form.html", form=form, trip=trip, submission=submission)


def _refused_report(form: forms.SubmissionForm, trip, refused):
    form.attachments.errors = list(getattr(refused, "problems", []))
    return render_template("delivery/report_form.html", form=form, trip=trip,
                           submission=reports.my_submission(_me(), trip)), 400


@bp.route("/submissions/<int:submission_id>")
@signed_in
def submission_page(submission_id: int):
    submission = reports.submission_for_reader(_me(), submission_id)
    is_lecturer = services.is_class_lecturer(_me(), submission.trip.training_class)
    grade_form = forms.GradeForm(obj=submission) if is_lecturer else None
    publish_form = forms.PublishForm(title=submission.trip.topic) if is_lecturer else None
    published = db.session.scalar(sa.select(ExemplaryReport).where(ExemplaryReport.submission_id == submission.id))
    return render_template("delivery/submission.html", submission=submission, trip=submission.trip,
                           is_lecturer=is_lecturer, grade_form=grade_form, publish_form=publish_form,
                           published=published, consent_form=forms.ConsentForm(), SubmissionStatus=SubmissionStatus)


@bp.route("/submissions/<int:submission_id>/files/<int:file_id>")
@signed_in
def download(submission_id: int, file_id: int):
    attachment = reports.file_for_reader(_me(), submission_id, file_id)
    response = send_file(files.open_stored(attachment.stored_name), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/submissions/<int:submission_id>/grade", methods=["POST"])
@roles_required(Role.LECTURER)
def grade(submission_id: int):
    submission = reports.submission_for_reader(_me(), submission_id)
    form = forms.GradeForm()
    if not form.validate_on_submit():
        abort(400)
    points, bad = {}, []
    for criterion in submission.trip.criteria:
        raw = request.form.get(f"criterion-{criterion.id}", "")
        level = int_or_none(raw)
        if level is not None and level >= 0:
            points[criterion.id] = level
        elif raw:
            bad.append(criterion.name)
    back = url_for("delivery.submission_page", submission_id=submission_id)
    on_refusal(back)
    if bad:
        raise InvalidInput(_("Mức chấm không hợp lệ cho tiêu chí %(name)s.", name=", ".join(bad)))
    reports.grade(_me(), submission, points=points, feedback_md=form.feedback_md.data,
                  return_for_revision=bool(form.return_for_revision.data))
    scale = submission.trip.training_class.grade_scale
    flash(_("Đã trả bài để học viên sửa.") if submission.status == SubmissionStatus.RETURNED
          else _("Đã chấm: %(score)s/%(max)s điểm.", score=format_grade(submission.score, scale),
                 max=scale.maximum), "success")
    return redirect(back)


@bp.route("/submissions/<int:submission_id>/consent", methods=["POST"])
@signed_in
def consent(submission_id: int):
    submission = reports.submission_for_reader(_me(), submission_id)
    form = forms.ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    reports.set_consent(_me(), submission, form.consent.data == "1")
    flash(_("Đã ghi nhận lựa chọn của bạn."), "success")
    return redirect(url_for("delivery.submission_page", submission_id=submission_id))


@bp.route("/submissions/<int:submission_id>/publish", methods=["POST"])
@roles_required(Role.LECTURER)
def publish(submission_id: int):
    submission = reports.submission_for_reader(_me(), submission_id)
    form = forms.PublishForm()
    back = url_for("delivery.submission_page", submission_id=submission_id)
    if not form.validate_on_submit():
        flash(_("Hãy nhập tiêu đề."), "danger")
        return redirect(back)
    on_refusal(back)
    report = reports.publish_exemplary(_me(), submission, form.title.data)
    flash(_("Đã công bố là bài thu hoạch tiêu biểu."), "success")
    return redirect(url_for("delivery.exemplary_page", report_id=report.id))


# --- exemplary reports ---------------------------------------------------------------------------


@bp.route("/modules/<int:module_id>/exemplary-reports")
@signed_in
def library(module_id: int):
    module = db.get_or_404(Module, module_id)
    published = reports.library(_me(), module)
    return render_template("delivery/library.html", module=module, reports=published)


@bp.route("/exemplary-reports/<int:report_id>")
@signed_in
def exemplary_page(report_id: int):
    report = reports.exemplary_for_reader(_me(), report_id)
    return render_template("delivery/exemplary.html", report=report)
