"""GIFT export beside the import: a bank exported and imported again gives the same questions."""
from pathlib import Path

from lms.config import ROOT
from lms.curriculum.models import Module
from lms.extensions import db
from lms.learning import quizzes

BANK = (Path(__file__).parent / "data" / "llct_boi_duong_bi_thu_xa.gift").read_text(encoding="utf-8")


def _bank(module_id):
    quiz = quizzes.quiz_for(module_id)
    return [(q.kind, q.category, q.title, q.text, q.feedback,
             [(c.text, round(c.weight, 4), c.feedback) for c in q.choices]) for q in quiz.questions]


def test_an_exported_bank_imports_again_to_the_same_questions(client, auth, make, app):
    make.lecturer("gv")
    source, target = make.module("HP-GOC"), make.module("HP-CHEP")
    example = (ROOT / "static" / "examples" / "cau-hoi-mau.gift").read_text(encoding="utf-8")
    with app.app_context():
        quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, source.id))
        quizzes.import_gift(None, quiz, BANK + "\n\n" + example)
        db.session.commit()
        kinds = {q.kind for q in quiz.questions}
    assert kinds == {"single", "multiple", "true_false", "short"}
    auth.login("gv")
    exported = client.get(f"/learning/manage/modules/{source.id}/questions.gift")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    response = client.post(f"/learning/manage/modules/{target.id}", data={
        "action": "gift", "gift-gift_text": exported.get_data(as_text=True)})
    assert response.status_code == 302
    with app.app_context():
        assert _bank(target.id) == _bank(source.id)


def test_the_example_file_is_linked_from_the_quiz_tab_of_the_module_editor(client, auth, make):
    make.lecturer("gv")
    module = make.module("HP-TAB")
    auth.login("gv")
    editor = client.get(f"/author/modules/{module.id}/edit").text
    assert f'href="/learning/manage/modules/{module.id}"' in editor
    page = client.get(f"/learning/manage/modules/{module.id}").text
    assert "cau-hoi-mau" in page
    assert 'aria-current="page"' in page
