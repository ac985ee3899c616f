"""The question bank of a module's quiz: GIFT export beside the import, and the question editor."""
from __future__ import annotations

from flask import Response

from lms.access import roles_required
from lms.accounts.models import Role
from lms.curriculum.models import Module
from lms.extensions import db
from lms.learning import gift, quizzes
from lms.learning.views import bp
from lms.text import slug


@bp.route("/learning/manage/modules/<int:module_id>/questions.gift")
@roles_required(Role.LECTURER, Role.ADMIN)
def export_gift(module_id: int):
    """The module's question bank as a GIFT file, which the import reads back to the same questions."""
    module = db.get_or_404(Module, module_id)
    quiz = quizzes.quiz_for(module.id)
    return Response(gift.dump(quiz.questions if quiz else []), mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{slug(module.code, fallback="hoc-phan")}.gift"'})
