"""Trainee progress actions, quizzes, the learning record, quiz authoring, and certificates."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lms import printing
from lms.access import public, roles_required, signed_in
from lms.accounts.auth import safe_next
from lms.accounts.models import Role, User
from lms.accounts.services import ensure_can_manage
from lms.curriculum import queries as curriculum_queries
from lms.curriculum.models import Lesson, Module
from lms.errors import InvalidInput, NotAllowed
from lms.extensions import db
from lms.formats import local_today
from lms.forms import choices
from lms.learning import certificates, flow, queries, quizzes, services, whats_new
from lms.learning.forms import (
    CertificateIssuerForm,
    GiftImportForm,
    IssuerUnitForm,
    ModuleRuleForm,
    QuizSettingsForm,
    RevokeForm,
)
from lms.learning.models import Certificate, ProgramStatus, QuestionKind, QuizAttempt, QuizQuestion
from lms.organisation.models import Unit
from lms.text import decode_utf8
from lms.throttling import guessing_limit
from lms.transaction import on_refusal, writes_late

bp = Blueprint("learning", __name__)
certificates_bp = Blueprint("certificates", __name__)


def lesson_url(lesson: Lesson | int) -> str | None:
    """The curriculum's lesson page (of a lesson or a lesson id) when that blueprint is installed."""
    if "curriculum.lesson_page" in current_app.view_functions:
        return url_for("curriculum.lesson_page", lesson_id=getattr(lesson, "id", lesson))
    return None


def module_url(module_id: int) -> str | None:
    if "curriculum.module_page" in current_app.view_functions:
        return url_for("curriculum.module_page", module_id=module_id)
    return None


def program_url(program_id: int) -> str | None:
    """The program's card on the trainee's curriculum page."""
    if "curriculum.my_curriculum" in current_app.view_functions:
        return url_for("curriculum.my_curriculum", _anchor=f"program-{program_id}")
    return None


# Where "mark complete" and the lesson flow land: the progress section under the lesson body.
PROGRESS_ANCHOR = "tien-do"


STATE_LABELS = {
    "not_started": _l("Chưa bắt đầu"), "in_progress": _l("Đang học"), "completed": _l("Đã hoàn thành"),
    "needs_review": _l("Cần ôn lại nội dung cập nhật"),
}
VERB_LABELS = {
    "launched": _l("Bắt đầu"), "experienced": _l("Xem lại"), "completed": _l("Hoàn thành"),
    "passed": _l("Đạt"), "failed": _l("Chưa đạt"), "submitted": _l("Nộp bài"),
}
OBJECT_LABELS = {
    "lesson": _l("Bài học"), "module": _l("Học phần"), "quiz": _l("Bài kiểm tra"), "program": _l("Chương trình"),
    "assignment": _l("Bài thu hoạch"),
}
KIND_LABELS = {
    "single": _l("Một lựa chọn"), "multiple": _l("Nhiều lựa chọn"), "true_false": _l("Đúng/Sai"),
    "short": _l("Trả lời ngắn"),
}


def _choice_label(question, choice) -> str:
    if question.kind == QuestionKind.TRUE_FALSE:
        return _("Đúng") if choice.text == "true" else _("Sai")
    return choice.text


def _dashboard():
    # Read only: status rows are created when titles or programs change, lapsed cycles by `lms learning refresh`.
    return queries.dashboard(current_user.id)


@bp.app_context_processor
def _learning_helpers():
    def program_status(program_id):
        # One query for all of the trainee's programs, however many cards the page shows.
        statuses = g.get("learning_program_statuses")
        if statuses is None:
            statuses = g.learning_program_statuses = {
                ps.program_id: ps
                for ps in db.session.scalars(sa.select(ProgramStatus).where(ProgramStatus.user_id == current_user.id))
            }
        return statuses.get(program_id)

    return {
        "learning_lesson_url": lesson_url, "learning_module_url": module_url, "learning_program_url": program_url,
        "learning_progress_anchor": PROGRESS_ANCHOR,
        "learning_continue": lambda module_id: flow.continue_lesson(current_user.id, module_id),
        "learning_module_outcome": lambda module_id: flow.module_outcome(current_user.id, module_id),
        "learning_dashboard": _dashboard,
        "learning_lesson_done": lambda lesson: queries.lesson_done(current_user.id, lesson),
        "learning_module_status": lambda module_id: queries.module_status(current_user.id, module_id),
        "learning_program_status": program_status,
        "learning_quiz": quizzes.quiz_for,
        "learning_changes": queries.changes_since,
        "learning_whats_new": lambda module: whats_new.whats_new(current_user.id, module),
        "learning_today": local_today,
        "learning_state_label": lambda state: STATE_LABELS.get(str(state), str(state)),
        "learning_verb_label": lambda verb: VERB_LABELS.get(verb, verb),
        "learning_object_label": lambda kind: OBJECT_LABELS.get(kind, kind),
        "learning_kind_label": lambda kind: KIND_LABELS.get(str(kind), str(kind)),
        "learning_choice_label": _choice_label,
    }


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


# --- lesson progress -----------------------------------------------------------------------------------------

@bp.route("/learning/lessons/<int:lesson_id>/complete", methods=["POST"])
@signed_in
def complete_lesson(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    if services.complete_lesson(current_user, lesson):
        flash(_("Đã đánh dấu hoàn thành bài học."), "success")
    url = lesson_url(lesson)
    return redirect(_back(f"{url}#{PROGRESS_ANCHOR}" if url else url_for("home.index")))


@bp.route("/learning/lessons/<int:lesson_id>/heartbeat", methods=["POST"])
@writes_late
@signed_in
def heartbeat(lesson_id: int):
    added = services.heartbeat(current_user, lesson_id)
    if added is None:
        abort(404)
    return jsonify(added=added)


@bp.route("/learning/modules/<int:module_id>/whats-new/seen", methods=["POST"])
@signed_in
def whats_new_seen(module_id: int):
    module = _published_module_or_404(module_id)
    whats_new.mark_seen(current_user, module)
    return redirect(url_for("curriculum.module_page", module_id=module.id))


@bp.route("/my/record")
@signed_in
def my_record():
    return render_template("learning/record.html", events=queries.learning_record(current_user.id),
                           certificates=queries.certificates_of(current_user.id),
                           time_spent=queries.time_spent(current_user.id))


# --- quizzes (trainee) ---------------------------------------------------------------------------------------

def _published_module_or_404(module_id: int) -> Module:
    """Trainees take quizzes of published modules only; a draft-only module does not exist for them."""
    module = db.get_or_404(Module, module_id)
    if module.published_revision_id is None:
        abort(404)
    return module


@bp.route("/learning/modules/<int:module_id>/quiz")
@signed_in
def quiz(module_id: int):
    module = _published_module_or_404(module_id)
    quiz = quizzes.quiz_for(module.id) or abort(404)
    attempts = quizzes.attempts_of(current_user, quiz)
    return render_template("learning/quiz.html", module=module, quiz=quiz, attempts=attempts,
                           open_attempt=quizzes.open_attempt(current_user, quiz), window=quizzes.window_state(quiz),
                           scale=curriculum_queries.grade_scale_of_module(module.id))


@bp.route("/learning/modules/<int:module_id>/quiz/start", methods=["POST"])
@signed_in
def start_quiz(module_id: int):
    _published_module_or_404(module_id)
    quiz = quizzes.quiz_for(module_id) or abort(404)
    on_refusal(url_for("learning.quiz", module_id=module_id))
    attempt = quizzes.start_attempt(current_user, quiz)
    return redirect(url_for("learning.attempt", attempt_id=attempt.id))


def _own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = db.get_or_404(QuizAttempt, attempt_id)
    if attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/learning/attempts/<int:attempt_id>", methods=["GET", "POST"])
@signed_in
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("learning.result", attempt_id=attempt.id))
    if request.method == "POST":
        attempt = quizzes.submit_attempt(current_user, attempt, quizzes.answers_from_form(attempt, request.form))
        if attempt.late:
            flash(_("Bài làm nộp sau khi hết giờ nên các câu trả lời không được tính."), "warning")
        return redirect(url_for("learning.result", attempt_id=attempt.id))
    return render_template("learning/attempt.html", attempt=attempt, items=quizzes.attempt_form(attempt),
                           QuestionKind=QuestionKind)


@bp.route("/learning/attempts/<int:attempt_id>/result")
@signed_in
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.submitted_at is None:
        return redirect(url_for("learning.attempt", attempt_id=attempt.id))
    module = db.session.get(Module, attempt.quiz.module_id)
    return render_template("learning/result.html", attempt=attempt, rows=quizzes.review(attempt), module=module,
                           QuestionKind=QuestionKind, reveal=quizzes.answers_revealed(attempt),
                           scale=curriculum_queries.grade_scale_of_module(module.id))


# --- authoring -----------------------------------------------------------------------------------------------

@bp.route("/learning/manage")
@roles_required(Role.LECTURER, Role.ADMIN)
def manage():
    page = db.paginate(sa.select(Module).options(selectinload(Module.published)).order_by(Module.code),
                       per_page=50)
    return render_template("learning/manage.html", modules=page.items, page=page)


@bp.route("/learning/manage/modules/<int:module_id>", methods=["GET", "POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def manage_module(module_id: int):
    module = db.get_or_404(Module, module_id)
    quiz = quizzes.quiz_for(module.id)
    rule = services.module_rule(module.id)
    settings = QuizSettingsForm(obj=quiz, prefix="settings")
    action = request.form.get("action")
    if quiz is not None and action != "settings":
        settings.show_window(quiz)
    lesson_choices = choices([("", _("(không gắn với bài học nào)"))] + [
        (lesson.key, lesson.title) for lesson in (module.published.lessons if module.published else [])])
    settings.ends_lesson_key.choices = lesson_choices
    rules = ModuleRuleForm(obj=rule, prefix="rule")
    gift_form = GiftImportForm(prefix="gift")
    if action == "settings" and settings.validate_on_submit():
        quiz = quiz or quizzes.get_or_create_quiz(current_user, module)
        quizzes.save_quiz_settings(current_user, quiz, **{k: settings.data[k] for k in (
            "title", "pass_percent", "max_attempts", "time_limit_minutes", "ends_lesson_key")},
            **settings.window_utc())
        flash(_("Đã lưu cài đặt bài kiểm tra."), "success")
        return redirect(url_for("learning.manage_module", module_id=module.id))

    def page(refused: InvalidInput | None = None):
        shown = quizzes.quiz_for(module.id) if refused else quiz  # a refused import created no quiz
        form = settings
        if shown is not None and not form.is_submitted():
            form = QuizSettingsForm(obj=shown, prefix="settings", formdata=None)
            form.show_window(shown)
            form.ends_lesson_key.choices = lesson_choices
        return render_template("learning/manage_module.html", module=module, quiz=shown, settings=form, rules=rules,
                               gift_form=gift_form, problems=refused.problems if refused else [],
                               QuestionKind=QuestionKind)

    if action == "rule" and rules.validate_on_submit():
        on_refusal(page, field=rules.require_lessons, catch=(InvalidInput,))
        services.save_module_rule(current_user, module, require_lessons=rules.require_lessons.data,
                                  require_quiz=rules.require_quiz.data,
                                  require_assignment=rules.require_assignment.data,
                                  assignment_pass_mark=float(rules.assignment_pass_mark.data)
                                  if rules.assignment_pass_mark.data is not None else None)
        flash(_("Đã lưu điều kiện hoàn thành."), "success")
        return redirect(url_for("learning.manage_module", module_id=module.id))
    if action == "gift" and gift_form.validate_on_submit():
        upload = gift_form.gift_file.data
        on_refusal(page, catch=(InvalidInput,))
        source = decode_utf8(upload.read()) if upload else (gift_form.gift_text.data or "")
        added = quizzes.import_gift(current_user, quiz or quizzes.get_or_create_quiz(current_user, module), source)
        flash(_("Đã nhập %(n)d câu hỏi.", n=added), "success")
        return redirect(url_for("learning.manage_module", module_id=module.id))
    return page()


@bp.route("/learning/manage/questions/<int:question_id>/delete", methods=["POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def delete_question(question_id: int):
    question = db.get_or_404(QuizQuestion, question_id)
    module_id = question.quiz.module_id
    quizzes.delete_question(current_user, question)
    flash(_("Đã xóa câu hỏi."), "success")
    return redirect(url_for("learning.manage_module", module_id=module_id))


# --- certificates --------------------------------------------------------------------------------------------

def _readable_certificate(certificate_id: int) -> Certificate:
    """The trainee's own certificate, or one of a trainee the admin manages; 404 for anyone else."""
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.user_id != current_user.id:
        try:
            ensure_can_manage(current_user, db.session.get(User, certificate.user_id))
        except NotAllowed:
            abort(404)
    return certificate


@certificates_bp.route("/certificates/<int:certificate_id>")
@signed_in
def show(certificate_id: int):
    certificate = _readable_certificate(certificate_id)
    return render_template("learning/certificate.html", certificate=certificate,
                           paper=certificates.paper(certificate),
                           revoke_form=RevokeForm() if current_user.has_role(Role.ADMIN) else None)


@certificates_bp.route("/certificates/<int:certificate_id>/print")
@signed_in
def print_page(certificate_id: int):
    certificate = _readable_certificate(certificate_id)
    return render_template("learning/certificate_print.html", paper=certificates.paper(certificate))


@certificates_bp.route("/certificates/<int:certificate_id>/pdf")
@signed_in
def pdf(certificate_id: int):
    certificate = _readable_certificate(certificate_id)
    html = render_template("learning/certificate_print.html", paper=certificates.paper(certificate))
    return printing.pdf_response(printing.render_pdf(html), certificates.pdf_filename(certificate))


@certificates_bp.route("/verify/<code>")
@public
@guessing_limit("CODE_RATE_LIMIT", methods=("GET",))
def verify(code: str):
    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.code == code)).one_or_none()
    status = 200 if certificate else 404
    return render_template("learning/verify.html", certificate=certificate), status


@certificates_bp.route("/admin/certificates")
@roles_required(Role.ADMIN)
def admin_index():
    # The top of the admin's scope is the usual choice; another unit is typed or searched for.
    return _certificates_admin(IssuerUnitForm(formdata=None, data={"unit": current_user.admin_scope}))


def _certificates_admin(chooser: IssuerUnitForm):
    search = request.args.get("q", "").strip()
    found = db.session.scalars(queries.certificates_in_scope(current_user, search)).all()
    return render_template("learning/certificates_admin.html", certificates=found, search=search,
                           issuers=queries.issuers_in_scope(current_user), chooser=chooser)


@certificates_bp.route("/admin/certificate-issuer")
@roles_required(Role.ADMIN)
def choose_issuer_unit():
    chooser = IssuerUnitForm(request.args)
    if chooser.validate():
        return redirect(url_for("certificates.edit_issuer", unit_id=chooser.unit.data))
    return _certificates_admin(chooser), 400


@certificates_bp.route("/admin/units/<int:unit_id>/certificate-issuer", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_issuer(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    issuer = certificates.issuer_of_unit(current_user, unit)
    form = CertificateIssuerForm(obj=issuer, data=None if issuer else {"number_suffix": "GCN"})
    inherited = None if issuer else certificates.issuer_for(unit.parent)

    def page(_refused=None):
        return render_template("learning/certificate_issuer.html", form=form, unit=unit, inherited=inherited), (
            400 if form.errors else 200)

    if form.validate_on_submit():
        on_refusal(page, field=form.name)
        certificates.set_certificate_issuer(current_user, unit, form.data)
        flash(_("Đã lưu cơ sở cấp giấy chứng nhận của %(unit)s.", unit=unit.name), "success")
        return redirect(url_for("certificates.admin_index"))
    return page()


@certificates_bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Cần ghi lý do thu hồi."), "danger")
        return redirect(url_for("certificates.show", certificate_id=certificate.id))
    certificates.revoke_certificate(current_user, certificate, form.reason.data)
    flash(_("Đã thu hồi chứng nhận."), "success")
    return redirect(url_for("certificates.show", certificate_id=certificate.id))



from lms.learning import question_views  # noqa: E402,F401  (the question editor's routes on this blueprint)
