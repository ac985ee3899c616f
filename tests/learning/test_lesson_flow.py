"""A lesson flow that leads on: "mark complete" comes back to the lesson's progress section with the next lesson
offered; the last lesson of a module ends with the module's result and the next module of the program;
"continue where I left off" never points at a completed lesson; the module page starts or continues."""
import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.curriculum.models import Lesson, Module
from lms.extensions import db
from lms.learning import quizzes, services
from lms.learning.models import ModuleRule, QuizAttempt


def lessons_of(app, module) -> list[int]:
    with app.app_context():
        return [lesson.id for lesson in db.session.get(Module, module.id).published.lessons]


@pytest.fixture
def course(app, make):
    """A trainee whose program holds two modules: three lessons, then two."""
    title = make.title("Bí thư Đảng ủy xã")
    first = make.learning_module(title="Xây dựng Đảng ở cơ sở", lessons=("Bài mở đầu", "Bài giữa", "Bài cuối"))
    second = make.learning_module(title="Quản lý nhà nước ở xã", lessons=("Chính quyền hai cấp", "Ngân sách xã"))
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", titles=[title], modules=[first, second])
    make.user("hocvien", held=[title])
    with app.app_context():
        services.ensure_statuses_for_program(program.id)
        db.session.commit()
    return first, second, program


def complete(client, lesson_id):
    return client.post(f"/learning/lessons/{lesson_id}/complete", data={"next": f"/lessons/{lesson_id}#tien-do"})


def test_marking_complete_comes_back_to_the_lesson_and_offers_the_next(app, client, auth, course):
    first, _second, _program = course
    one, two, _three = lessons_of(app, first)
    auth.login("hocvien")
    page = client.get(f"/lessons/{one}").get_data(as_text=True)
    assert 'id="tien-do"' in page
    assert f'name="next" value="/lessons/{one}#tien-do"' in page
    assert page.count(f'href="/lessons/{two}"') == 1  # the pager offers the next lesson
    response = complete(client, one)
    assert response.headers["Location"] == f"/lessons/{one}#tien-do"
    page = client.get(f"/lessons/{one}").get_data(as_text=True)
    section = page[page.index('id="tien-do"'):]
    assert "Bạn đã hoàn thành bài học này." in section
    assert re.search(rf'<a class="btn btn-primary" href="/lessons/{two}">Bài tiếp theo: Bài giữa', section)
    assert page.count(f'href="/lessons/{two}"') == 1  # ... and once done, only the section does
    # Without a `next`, the action still comes back to the lesson's progress section.
    assert client.post(f"/learning/lessons/{two}/complete").headers["Location"] == f"/lessons/{two}#tien-do"


def test_the_last_lesson_ends_with_the_modules_result_and_the_next_module(app, client, auth, course):
    first, second, program = course
    one, two, three = lessons_of(app, first)
    auth.login("hocvien")
    complete(client, one)
    page = client.get(f"/lessons/{three}").get_data(as_text=True)
    result = page[page.index("Kết quả học phần"):]
    assert "Bạn chưa hoàn thành học phần này." in result
    assert "Bài học đã xong: 1/3" in result
    left = result[result.index("Còn phải làm"):]
    assert f'href="/lessons/{two}">Bài giữa' in left
    # The lesson on screen is left to do too, but not a link to itself: its button is right above.
    assert f'href="/lessons/{three}"' not in left
    assert "Bài cuối <span class=\"text-body-secondary\">(bài đang xem)</span>" in left
    assert f'href="/lessons/{one}"' not in left
    assert f'href="/modules/{second.id}">Học phần tiếp theo: Quản lý nhà nước ở xã' in result
    assert f'href="/my/curriculum#program-{program.id}">Bồi dưỡng Bí thư Đảng ủy xã' in result
    # A middle lesson has no result section.
    assert "Kết quả học phần" not in client.get(f"/lessons/{two}").get_data(as_text=True)

    complete(client, two)
    complete(client, three)
    result = client.get(f"/lessons/{three}").get_data(as_text=True)
    assert "Bạn đã hoàn thành học phần này." in result
    assert "Bài học đã xong: 3/3" in result
    assert "Còn phải làm" not in result
    # The program's last module says so, with the way back to the program.
    last = lessons_of(app, second)[-1]
    end = client.get(f"/lessons/{last}").get_data(as_text=True)
    assert "Đây là học phần cuối của chương trình" in end
    assert f'href="/my/curriculum#program-{program.id}"' in end


def test_the_result_shows_the_quiz_score_and_a_quiz_still_to_pass(app, make, client, auth, course):
    first, _second, _program = course
    *_, three = lessons_of(app, first)
    with app.test_request_context():
        quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, first.id))
        quizzes.import_gift(None, quiz, "Nghị quyết 32-NQ/TW ban hành năm 2014. {T}")
        quizzes.save_quiz_settings(None, quiz, title="Kiểm tra cuối học phần", pass_percent=80, max_attempts=None,
                                   time_limit_minutes=None)
        db.session.add(ModuleRule(module_id=first.id, require_lessons=True, require_quiz=True))
        db.session.commit()
    auth.login("hocvien")
    result = client.get(f"/lessons/{three}").get_data(as_text=True)
    assert "Kiểm tra cuối học phần: chưa làm" in result
    left = result[result.index("Còn phải làm"):]
    assert f'href="/learning/modules/{first.id}/quiz">Kiểm tra cuối học phần</a>' in left
    attempt_id = client.post(f"/learning/modules/{first.id}/quiz/start").headers["Location"].rsplit("/", 1)[1]
    client.post(f"/learning/attempts/{attempt_id}", data={})  # no answer: 0 points
    with app.app_context():
        assert db.session.get(QuizAttempt, int(attempt_id)).score_percent == 0
    result = client.get(f"/lessons/{three}").get_data(as_text=True)
    assert "Kiểm tra cuối học phần: điểm cao nhất 0,0/10 · Chưa đạt" in result
    left = result[result.index("Còn phải làm"):]
    assert f'href="/learning/modules/{first.id}/quiz">Kiểm tra cuối học phần</a>' in left


def test_a_local_topic_of_the_trainees_commune_comes_first_and_leads_to_the_rest(app, make, client, auth):
    province = make.locality("Quảng Trị")
    commune = make.locality("Xã Dân Hóa", parent=province)
    title = make.title("Chủ tịch UBND xã")
    general = make.learning_module(title="Kinh tế chính trị", lessons=("Bài chung",))
    local = make.learning_module(title="Thực tiễn Quảng Trị", lessons=("Bài địa phương",), kind="local_topic")
    with app.app_context():
        from lms.curriculum.models import module_localities

        db.session.execute(sa.insert(module_localities).values(module_id=local.id, locality_id=province.id))
        db.session.commit()
    program = make.learning_program(titles=[title], modules=[general, local])
    make.user("chutich", held=[title], unit=make.unit(locality=commune))
    with app.app_context():
        services.ensure_statuses_for_program(program.id)
        db.session.commit()
    auth.login("chutich")
    page = client.get(f"/lessons/{lessons_of(app, local)[0]}").get_data(as_text=True)
    assert f'href="/modules/{general.id}">Học phần tiếp theo: Kinh tế chính trị' in page
    page = client.get(f"/lessons/{lessons_of(app, general)[0]}").get_data(as_text=True)
    assert "Đây là học phần cuối của chương trình" in page


def resume_link(client) -> str | None:
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'Tiếp tục bài đang học:\s*<a href="([^"]+)">([^<]+)</a>', page)
    return found and (found.group(1), found.group(2))


def test_continue_where_i_left_off_never_points_at_a_completed_lesson(app, client, auth, course):
    first, second, _program = course
    one, two, three = lessons_of(app, first)
    four, _five = lessons_of(app, second)
    auth.login("hocvien")
    assert resume_link(client) is None  # nothing studied yet
    client.get(f"/lessons/{one}")
    assert resume_link(client) == (f"/lessons/{one}", "Bài mở đầu")
    complete(client, one)  # the last activity is a completed lesson: the next one, never opened, is offered
    assert resume_link(client) == (f"/lessons/{two}", "Bài giữa")
    complete(client, three)  # done out of order: from the last activity, wrapping to the start
    assert resume_link(client) == (f"/lessons/{two}", "Bài giữa")
    complete(client, two)  # the module is done: the next module of the program
    assert resume_link(client) == (f"/lessons/{four}", "Chính quyền hai cấp")


def test_the_module_page_starts_then_continues(app, client, auth, course):
    first, _second, _program = course
    one, two, three = lessons_of(app, first)
    auth.login("hocvien")
    page = client.get(f"/modules/{first.id}").get_data(as_text=True)
    assert f'<a class="btn btn-primary" href="/lessons/{one}">Bắt đầu học</a>' in page
    client.get(f"/lessons/{one}")
    complete(client, one)
    page = client.get(f"/modules/{first.id}").get_data(as_text=True)
    assert f'<a class="btn btn-primary" href="/lessons/{two}">Học tiếp</a>' in page
    for lesson_id in (two, three):
        complete(client, lesson_id)
    page = client.get(f"/modules/{first.id}").get_data(as_text=True)
    assert "Học tiếp" not in page
    assert f'href="/lessons/{one}">Xem lại từ bài đầu</a>' in page


def test_program_names_on_the_home_page_lead_to_the_program(app, client, auth, course):
    _first, _second, program = course
    auth.login("hocvien")
    page = client.get("/").get_data(as_text=True)
    assert f'href="/my/curriculum#program-{program.id}">Bồi dưỡng Bí thư Đảng ủy xã</a>' in page
    assert f'id="program-{program.id}"' in client.get("/my/curriculum").get_data(as_text=True)


def test_the_last_lessons_result_costs_the_same_statements_whatever_the_program_size(
        app, make, client, auth, course, statements):
    first, _second, program = course
    *_, three = lessons_of(app, first)
    auth.login("hocvien")
    client.get(f"/lessons/{three}")

    def reads():
        with statements() as log:
            assert client.get(f"/lessons/{three}").status_code == 200
        return [s for s in log if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                                     "RELEASE"))]

    small = reads()
    # The lesson page's three statements, and three for the result: status, rule and quiz together; the lessons
    # left; the next module.
    assert len(small) == 3 + 3, small
    more = [make.learning_module(lessons=("A", "B", "C")) for _ in range(6)]
    with app.app_context():
        from lms.curriculum.models import Program, ProgramModule

        p = db.session.get(Program, program.id)
        p.items.extend(ProgramModule(module_id=m.id, position=10 + i) for i, m in enumerate(more))
        user = db.session.scalar(sa.select(User).where(User.username == "hocvien"))
        for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.revision_id.in_(
                sa.select(Module.published_revision_id).where(Module.id.in_([m.id for m in more]))))):
            services.complete_lesson(user, lesson)
        db.session.commit()
    assert len(reads()) == len(small)
