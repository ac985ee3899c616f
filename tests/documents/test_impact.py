"""A new document's impact: every place mentioning the old one, and what it takes to resolve the flag."""
from datetime import date

import pytest
import sqlalchemy as sa

from lms.curriculum import impact
from lms.curriculum import services as curriculum
from lms.curriculum.models import FlagStatus, Module, PassageStatus, Program, ReviewFlag, ReviewPassage
from lms.documents import services as documents
from lms.documents.models import Document, RelationKind
from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning import quizzes

OLD_TEXT = "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh theo Chỉ thị số 05-CT/TW."
LESSONS = [{"key": "bai-1", "title": "Bài 1", "body_md": "Mở đầu.\n\n" + OLD_TEXT, "minutes": 10},
           {"key": "bai-2", "title": "Bài 2", "body_md": "Không nhắc đến văn bản nào.", "minutes": 10}]


@pytest.fixture
def old(make):
    return make.document("05-CT/TW", kind="directive", number="05", issued_on=date(2016, 5, 15),
                         title="Về đẩy mạnh học tập và làm theo tư tưởng Hồ Chí Minh")


def _supersede(ctx, old, actor=None):
    return documents.register_document(
        actor, code="01-CT/TW", kind="directive", number="01", issuer="Bộ Chính trị", issued_on=date(2026, 3, 1),
        title="Chỉ thị mới", relations=[(RelationKind.SUPERSEDES, db.session.get(Document, old.id))])


def _edit(module_id, lessons, documents_):
    module = db.session.get(Module, module_id)
    draft = curriculum.get_or_create_draft(None, module)
    curriculum.save_draft(None, draft, lock_version=draft.lock_version, title=draft.title, summary_md="",
                          lessons=lessons, document_ids=[d.id for d in documents_])
    return curriculum.publish(None, draft, change_summary="Cập nhật theo Chỉ thị 01-CT/TW")


def test_a_lesson_that_mentions_the_old_document_without_citing_it_is_flagged_with_the_passage(ctx, make, old):
    module = make.module("HP-TEXT", lessons=LESSONS)  # cites nothing
    make.module("HP-OTHER")
    new = _supersede(ctx, old)
    [flag] = db.session.scalars(sa.select(ReviewFlag)).all()
    assert (flag.module_id, flag.new_document_id) == (module.id, new.id)
    [passage] = flag.passages
    assert (passage.source, passage.place_key, passage.passage) == ("lesson", "bai-1", OLD_TEXT)
    assert "Bài 1" in passage.label


def test_quiz_questions_rubrics_and_program_descriptions_are_places_too(ctx, make, old):
    module = make.module("HP-Q")
    quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, module.id))
    quizzes.import_gift(None, quiz, "::Q1:: Chỉ thị nào về học tập và làm theo Bác? {=CT05 ~Nghị quyết 04}\n")
    klass = make.training_class(module=module)
    make.trip(klass, module=module, criteria=[("Vận dụng Chỉ thị 05", 100, ["Chưa đạt", "Đạt"])])
    program = make.program("CT-P", modules=[module])
    db.session.get(Program, program.id).description = "Chương trình bám sát 05-CT/TW."
    db.session.flush()
    _supersede(ctx, old)
    [flag] = db.session.scalars(sa.select(ReviewFlag)).all()
    assert sorted(p.source for p in flag.passages) == ["question", "rubric"]
    [described] = db.session.scalars(sa.select(ReviewPassage).where(ReviewPassage.flag_id.is_(None))).all()
    assert (described.program_id, described.passage) == (program.id, "Chương trình bám sát 05-CT/TW.")


def test_swapping_the_citation_alone_does_not_resolve_a_flag_with_passages(ctx, make, old):
    module = make.module("HP-SWAP", lessons=LESSONS, documents=[old])
    new = _supersede(ctx, old)
    flag = db.session.scalar(sa.select(ReviewFlag))
    _edit(module.id, LESSONS, [new])  # cites the new document, text unchanged
    assert flag.status == FlagStatus.OPEN
    with pytest.raises(InvalidInput) as refused:
        impact.resolve_flag(make.lecturer("gv"), flag)
    assert "Còn 1 đoạn nhắc đến 05-CT/TW" in refused.value.message
    assert "Chỉ đổi văn bản trích dẫn là chưa đủ" in refused.value.message
    with pytest.raises(InvalidInput):
        curriculum.dismiss_flag(None, flag, "Không cần sửa")


def test_editing_the_passage_in_a_new_revision_resolves_the_flag_on_publishing(ctx, make, old):
    module = make.module("HP-EDIT", lessons=LESSONS, documents=[old])
    new = _supersede(ctx, old)
    flag = db.session.scalar(sa.select(ReviewFlag))
    edited = [dict(LESSONS[0], body_md="Mở đầu.\n\nTheo Chỉ thị số 01-CT/TW năm 2026."), LESSONS[1]]
    revision = _edit(module.id, edited, [new])
    assert flag.status == FlagStatus.RESOLVED
    assert flag.resolved_revision_id == revision.id
    assert flag.passages[0].status == PassageStatus.EDITED


def test_a_passage_confirmed_with_a_note_lets_the_flag_be_resolved(ctx, make, old):
    module = make.module("HP-OK", lessons=LESSONS, documents=[old])
    new = _supersede(ctx, old)
    flag = db.session.scalar(sa.select(ReviewFlag))
    lecturer = make.lecturer("gv")
    with pytest.raises(InvalidInput):
        impact.confirm_passage(lecturer, flag.passages[0], "  ")
    impact.confirm_passage(lecturer, flag.passages[0], "Nhắc lại lịch sử: vẫn đúng.")
    with pytest.raises(InvalidInput) as refused:
        impact.resolve_flag(lecturer, flag)  # the module still cites only the old document
    assert "vẫn trích dẫn 05-CT/TW" in refused.value.message
    _edit(module.id, LESSONS, [new])
    assert flag.status == FlagStatus.RESOLVED
    assert flag.passages[0].note == "Nhắc lại lịch sử: vẫn đúng."


def test_editing_a_quiz_question_then_resolving_closes_the_flag(ctx, make, old):
    module = make.module("HP-Q2")
    quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, module.id))
    quizzes.import_gift(None, quiz, "Văn bản nào về học tập và làm theo Bác? {=CT05 ~Nghị quyết 04}\n")
    _supersede(ctx, old)
    flag = db.session.scalar(sa.select(ReviewFlag))
    with pytest.raises(InvalidInput):
        impact.resolve_flag(None, flag)
    quiz.questions[0].choices[0].text = "Chỉ thị 01-CT/TW"
    db.session.flush()
    impact.resolve_flag(None, flag)
    assert flag.status == FlagStatus.RESOLVED
