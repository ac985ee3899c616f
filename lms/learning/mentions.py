"""Quiz questions as places that may mention a document (see lms.documents.mentions)."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.documents import mentions
from lms.extensions import db
from lms.learning.models import Quiz, QuizChoice, QuizQuestion


def _texts(question_ids=None, digits: str | None = None) -> dict[int, tuple[int, int, str]]:
    """{question id: (module id, position, text)}; the text is the question, its answers and feedback."""
    query = (sa.select(QuizQuestion.id, Quiz.module_id, QuizQuestion.position, QuizQuestion.text,
                       QuizQuestion.feedback).join(Quiz, Quiz.id == QuizQuestion.quiz_id))
    if question_ids is not None:
        query = query.where(QuizQuestion.id.in_(question_ids))
    if digits is not None:
        like = mentions.like_digits(digits)
        query = query.where(sa.or_(
            QuizQuestion.text.like(like), QuizQuestion.feedback.like(like),
            QuizQuestion.id.in_(sa.select(QuizChoice.question_id).where(
                sa.or_(QuizChoice.text.like(like), QuizChoice.feedback.like(like))))))
    questions = {qid: (module_id, position, [text, feedback]) for qid, module_id, position, text, feedback
                 in db.session.execute(query)}
    choices = defaultdict(list)
    if questions:
        for qid, text, feedback in db.session.execute(
                sa.select(QuizChoice.question_id, QuizChoice.text, QuizChoice.feedback)
                .where(QuizChoice.question_id.in_(list(questions))).order_by(QuizChoice.position)):
            choices[qid] += [text, feedback]
    return {qid: (module_id, position, "\n".join(x for x in [parts[0], *choices[qid], parts[1]] if x))
            for qid, (module_id, position, parts) in questions.items()}


def _scan(digits: str):
    for qid, (module_id, position, text) in _texts(digits=digits).items():
        yield mentions.Place("question", str(qid), _("Câu hỏi %(n)d của bài kiểm tra", n=position + 1), text,
                             module_id=module_id)


def _current(refs):
    ids = [int(key) for _owner, key in refs if key.isdigit()]
    texts = _texts(question_ids=ids) if ids else {}
    return {ref: (texts[int(ref[1])][2] if ref[1].isdigit() and int(ref[1]) in texts else None) for ref in refs}


def register() -> None:
    mentions.register_source(mentions.Source("question", _scan, _current))
