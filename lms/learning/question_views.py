"""The question bank of a module's quiz: GIFT export beside the import, and the question editor."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import roles_required
from lms.accounts.models import Role
from lms.curriculum.models import Module
from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning import gift, question_bank, quizzes
from lms.learning.forms import QuestionForm
from lms.learning.models import QuestionKind, QuizQuestion
from lms.learning.views import bp
from lms.text import slug
from lms.transaction import on_refusal


@bp.route("/learning/manage/modules/<int:module_id>/questions.gift")
@roles_required(Role.LECTURER, Role.ADMIN)
def export_gift(module_id: int):
    """The module's question bank as a GIFT file, which the import reads back to the same questions."""
    module = db.get_or_404(Module, module_id)
    quiz = quizzes.quiz_for(module.id)
    return Response(gift.dump(quiz.questions if quiz else []), mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{slug(module.code, fallback="hoc-phan")}.gift"'})


def _question_page(module: Module, form: QuestionForm, kind: QuestionKind, question: QuizQuestion | None,
                   status: int = 200):
    return render_template("learning/question_form.html", module=module, form=form, kind=kind,
                           question=question, QuestionKind=QuestionKind), status


def _save(module: Module, form: QuestionForm, kind: QuestionKind, question: QuizQuestion | None):
    if request.method == "GET":
        return _question_page(module, form, kind, question)
    if form.add_choice.data:
        form.choices.append_entry()
        return _question_page(module, form, kind, question)
    if not form.validate_on_submit():
        return _question_page(module, form, kind, question, 400)

    def refused(error):
        form.text.errors = [*form.text.errors, *(getattr(error, "problems", None) or [error.message])]
        return _question_page(module, form, kind, question, 400)

    on_refusal(refused, quiet=True, catch=(InvalidInput,))
    quiz = quizzes.quiz_for(module.id) or quizzes.get_or_create_quiz(current_user, module)
    saved = question_bank.save_question(
        current_user, quiz, question, kind=kind, text=form.text.data, title=form.title.data,
        feedback=form.feedback.data, choices=form.choice_rows(),
        answer_true={"true": True, "false": False}.get(form.answer.data),
        true_feedback=form.true_feedback.data, false_feedback=form.false_feedback.data)
    flash(_("Đã lưu câu hỏi. Bên dưới là câu hỏi như học viên sẽ thấy."), "success")
    return redirect(url_for("learning.edit_question", question_id=saved.id, _anchor="preview"))


@bp.route("/learning/manage/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def new_question(module_id: int):
    module = db.get_or_404(Module, module_id)
    try:
        kind = QuestionKind(request.args.get("kind", "single"))
    except ValueError:
        abort(404)
    form = QuestionForm()
    if request.method == "GET":
        for _n in range(0 if kind == QuestionKind.TRUE_FALSE else 4 if kind != QuestionKind.SHORT else 2):
            form.choices.append_entry()
        if kind == QuestionKind.SINGLE:
            form.choices[0].form.weight.data = 100
    return _save(module, form, kind, None)


@bp.route("/learning/manage/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def edit_question(question_id: int):
    question = db.get_or_404(QuizQuestion, question_id)
    module = db.session.get(Module, question.quiz.module_id)
    kind = QuestionKind(question.kind)
    form = QuestionForm(obj=question if request.method == "GET" else None)
    if request.method == "GET":
        form.choices.entries, form.choices.last_index = [], -1
        if kind == QuestionKind.TRUE_FALSE:
            by_text = {c.text: c for c in question.choices}
            form.answer.data = "true" if by_text.get("true") and by_text["true"].weight > 0 else "false"
            form.true_feedback.data = by_text["true"].feedback if "true" in by_text else ""
            form.false_feedback.data = by_text["false"].feedback if "false" in by_text else ""
        else:
            for choice in question.choices:
                row = form.choices.append_entry().form
                row.text.data, row.feedback.data = choice.text, choice.feedback
                row.weight.data = round(choice.weight * 100)
            form.choices.append_entry()
    return _save(module, form, kind, question)


@bp.route("/learning/manage/questions/<int:question_id>/move", methods=["POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def move_question(question_id: int):
    question = db.get_or_404(QuizQuestion, question_id)
    question_bank.move_question(current_user, question, -1 if request.form.get("step") == "up" else 1)
    return redirect(url_for("learning.manage_module", module_id=question.quiz.module_id,
                            _anchor=f"question-{question.id}"))
