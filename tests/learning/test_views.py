"""Trainee pages: marking lessons complete, the heartbeat, the dashboard, the learning record, certificates,
public verification, the template hooks, quiz authoring, and the xAPI export."""
import json
import re

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user

from lms.accounts.models import User
from lms.audit import AuditEntry
from lms.curriculum.models import Lesson, Module, Program
from lms.extensions import db
from lms.formats import local_date
from lms.learning import services
from lms.learning.models import Certificate, LessonProgress, ModuleStatus, Quiz, QuizQuestion


def lesson_ids(app, module):
    with app.app_context():
        return [lesson.id for lesson in db.session.get(Module, module.id).published.lessons]


@pytest.fixture
def program_setup(app, make):
    title = make.title("Chủ tịch UBND xã")
    unit = make.unit("UBND xã Tân Lập")
    module = make.learning_module(title="Quản lý nhà nước ở xã", lessons=("Bài mở đầu", "Bài hai"))
    program = make.learning_program("Bồi dưỡng Chủ tịch UBND xã", titles=[title], modules=[module], due_days=10)
    trainee = make.user("hocvien", full_name="Trần Thị Bình", held=[title], unit=unit)
    return trainee, module, program


def complete_all(app, trainee, module):
    with app.app_context():
        user = db.session.get(User, trainee.id)
        for lesson in db.session.get(Module, module.id).published.lessons:
            services.complete_lesson(user, lesson)
        db.session.commit()
        return db.session.scalars(sa.select(Certificate)).one()


def test_mark_complete_and_heartbeat(app, client, auth, program_setup):
    _trainee, module, _program = program_setup
    first, _second = lesson_ids(app, module)
    auth.login("hocvien")
    assert client.post(f"/learning/lessons/{first}/heartbeat").json == {"added": 0}
    response = client.post(f"/learning/lessons/{first}/complete", data={"next": "/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.post(f"/learning/lessons/{first}/complete", csrf=False).status_code == 400
    with app.app_context():
        progress = db.session.scalars(sa.select(LessonProgress)).one()
        assert progress.completed_at is not None
    for outside in ("//evil.example", "/\\evil.example", "https://evil.example/"):
        assert client.post(f"/learning/lessons/{first}/complete", data={"next": outside}
                           ).headers["Location"] == f"/lessons/{first}#tien-do"


def test_the_dashboard_shows_progress_resume_due_items_and_certificates(app, client, auth, program_setup):
    trainee, module, _program = program_setup
    first, second = lesson_ids(app, module)
    with app.app_context():
        services.start_lesson(db.session.get(User, trainee.id), db.session.get(Lesson, second))
        services.complete_lesson(db.session.get(User, trainee.id), db.session.get(Lesson, first))
        db.session.commit()
    auth.login("hocvien")
    page = client.get("/").get_data(as_text=True)
    assert "Việc học của tôi" in page
    assert re.search(r'<progress[^>]*max="1" value="0"', page)
    assert "Tiếp tục bài đang học:" in page
    assert "Bài hai" in page
    assert "Sắp đến hạn" in page
    assert "Quản lý nhà nước ở xã" in page
    with app.app_context():
        from lms.learning.models import ProgramStatus

        status = db.session.scalars(sa.select(ProgramStatus)).one()
        status.started_on = status.started_on.replace(year=status.started_on.year - 1)
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Quá hạn" in page
    certificate = complete_all(app, trainee, module)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<progress[^>]*max="1" value="1"', page)
    assert f"/certificates/{certificate.id}" in page


def test_my_learning_record(app, client, auth, program_setup):
    trainee, module, _program = program_setup
    complete_all(app, trainee, module)
    auth.login("hocvien")
    page = client.get("/my/record").get_data(as_text=True)
    assert page.count("Hoàn thành") >= 4  # two lessons, the module, the program
    assert "Bồi dưỡng Chủ tịch UBND xã" in page
    assert "/certificates/" in page
    assert "Quản lý nhà nước ở xã: 0 phút" in page


def test_public_verification_shows_only_name_program_date_and_unit(app, client, auth, make, program_setup):
    trainee, module, _program = program_setup
    certificate = complete_all(app, trainee, module)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Chứng nhận hợp lệ." in page
    with app.app_context():
        issued = local_date(certificate.issued_at)  # in Vietnam time
    for shown in ("Trần Thị Bình", "Bồi dưỡng Chủ tịch UBND xã", "UBND xã Tân Lập", issued):
        assert shown in page
    assert "hocvien" not in page
    assert "Hạn" not in page
    assert client.get("/verify/khong-ton-tai").status_code == 404
    # The owner sees the printable page; an admin of the unit revokes it with a reason, audited.
    auth.login("hocvien")
    printable = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert re.search(r"/static/css/certificate\.[0-9a-f]{12}\.css", printable)
    assert certificate.code in printable
    auth.logout()
    with app.app_context():
        unit = db.session.get(User, trainee.id).unit
    make.admin("quantri", scope=unit)
    auth.login("quantri")
    assert client.post(f"/admin/certificates/{certificate.id}/revoke", data={"reason": ""}).status_code == 302
    client.post(f"/admin/certificates/{certificate.id}/revoke", data={"reason": "Cấp nhầm"})
    auth.logout()
    assert "Chứng nhận này đã bị thu hồi." in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "certificate.revoke")) == 1


def test_another_users_certificate_is_hidden(app, client, auth, make, program_setup):
    trainee, module, _program = program_setup
    certificate = complete_all(app, trainee, module)
    make.user("khac")
    auth.login("khac")
    assert client.get(f"/certificates/{certificate.id}").status_code == 404


def test_template_hooks(app, make, program_setup):
    trainee, module, program = program_setup
    complete_all(app, trainee, module)
    make.publish_revision(module, requires_restudy=True, change_summary="Cập nhật Nghị định mới",
                          lessons=[("l1", "Bài mở đầu", "Nội dung Bài mở đầu."), ("l2", "Bài hai", "Đoạn mới.")])
    with app.test_request_context():
        user = db.session.get(User, trainee.id)
        login_user(user)
        module_obj = db.session.get(Module, module.id)
        lesson = module_obj.published.lessons[0]
        html = render_template_string('{% include "learning/_module_status.html" %}', module=module_obj,
                                      revision=module_obj.published)
        assert "Nội dung đã cập nhật: vui lòng ôn lại." in html
        assert "Cập nhật Nghị định mới" in html
        assert "+Đoạn mới." in html
        html = render_template_string('{% include "learning/_lesson_actions.html" %}', lesson=lesson,
                                      revision=module_obj.published, module=module_obj)
        assert "Đánh dấu đã học xong" in html
        assert re.search(r"/static/js/learning\.[0-9a-f]{12}\.js", html)
        html = render_template_string('{% include "learning/_program_progress.html" %}',
                                      program=db.session.get(Program, program.id))
        assert "Đã hoàn thành 1/1 học phần bắt buộc" in html


def test_lecturer_imports_gift_and_sets_rules(app, client, auth, make):
    from pathlib import Path

    module = make.learning_module()
    make.lecturer("giangvien")
    auth.login("giangvien")
    url = f"/learning/manage/modules/{module.id}"
    assert client.get(url).status_code == 200
    bad = (Path(__file__).parent / "data" / "loi.gift").read_text(encoding="utf-8")
    page = client.post(url, data={"action": "gift", "gift-gift_text": bad}).get_data(as_text=True)
    assert "Dòng 4:" in page
    assert "Dòng 13:" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizQuestion)) == 0
    from io import BytesIO

    good = (Path(__file__).parent / "data" / "llct_boi_duong_bi_thu_xa.gift").read_bytes()
    response = client.post(url, data={"action": "gift", "gift-gift_file": (BytesIO(good), "ngan_hang.gift")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Đã nhập 7 câu hỏi." in response.get_data(as_text=True)
    client.post(url, data={"action": "settings", "settings-title": "Kiểm tra cuối học phần",
                           "settings-pass_percent": "75", "settings-max_attempts": "3",
                           "settings-ends_lesson_key": "l2"})
    client.post(url, data={"action": "rule", "rule-require_quiz": "y"})
    with app.app_context():
        quiz = db.session.scalars(sa.select(Quiz)).one()
        assert (quiz.title, quiz.pass_percent, quiz.max_attempts, quiz.time_limit_minutes, quiz.ends_lesson_key) == (
            "Kiểm tra cuối học phần", 75, 3, None, "l2")
        rule = services.module_rule(module.id)
        assert (rule.require_lessons, rule.require_quiz) == (False, True)
        question_id = quiz.questions[0].id
    client.post(f"/learning/manage/questions/{question_id}/delete")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizQuestion)) == 6


def test_xapi_export(app, runner, program_setup, tmp_path):
    trainee, module, _program = program_setup
    complete_all(app, trainee, module)
    out = tmp_path / "statements.json"
    result = runner.invoke(args=["lms", "xapi", "export", "--since", "2020-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    statements = json.loads(out.read_text(encoding="utf-8"))
    assert len(statements) == 4
    first = statements[0]
    assert first["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert first["actor"]["account"]["name"] == "hocvien"
    assert first["object"]["id"].endswith(f"/xapi/activities/lesson/{lesson_ids(app, module)[0]}")
    assert re.fullmatch(r"[0-9a-f-]{36}", first["id"])
    assert first["version"] == "1.0.3"
    assert first["timestamp"].endswith("Z")
    assert first["stored"].endswith("Z")
    assert {s["object"]["definition"]["type"].rsplit("/", 1)[1] for s in statements} == {"lesson", "module", "course"}
    later = runner.invoke(args=["lms", "xapi", "export", "--since", "2999-01-01"])
    assert json.loads(later.stdout) == []
    assert runner.invoke(args=["lms", "xapi", "export", "--since", "hôm qua"]).exit_code != 0


def test_module_status_counts_are_kept_per_trainee(app, program_setup):
    trainee, module, _program = program_setup
    complete_all(app, trainee, module)
    with app.app_context():
        status = db.session.scalars(sa.select(ModuleStatus)).one()
        assert (status.lessons_done, status.lessons_total) == (2, 2)


def test_gift_import_command(app, runner, make):
    from pathlib import Path

    make.learning_module("HP-NQ32")
    data = Path(__file__).parent / "data"
    bad = runner.invoke(args=["lms", "quiz", "import-gift", "HP-NQ32", str(data / "loi.gift")])
    assert bad.exit_code != 0
    assert "Dòng 4:" in bad.output
    good = runner.invoke(args=["lms", "quiz", "import-gift", "HP-NQ32", str(data / "llct_boi_duong_bi_thu_xa.gift")])
    assert good.exit_code == 0, good.output
    assert "7 questions imported" in good.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizQuestion)) == 7


def test_admins_list_certificates_of_their_scope_only(app, client, auth, make, program_setup):
    trainee, module, _program = program_setup
    complete_all(app, trainee, module)
    with app.app_context():
        unit = db.session.get(User, trainee.id).unit
    make.admin("quantri", scope=unit)
    make.admin("tinhkhac")
    auth.login("quantri")
    assert "Trần Thị Bình" in client.get("/admin/certificates?q=Bình").get_data(as_text=True)
    assert "Trần Thị Bình" not in client.get("/admin/certificates?q=Nguyễn").get_data(as_text=True)
    auth.logout()
    auth.login("tinhkhac")
    assert "Trần Thị Bình" not in client.get("/admin/certificates").get_data(as_text=True)


def test_admins_find_certificates_by_name_without_diacritics_and_wildcards_are_plain(
        app, client, auth, make, program_setup):
    trainee, module, _program = program_setup
    certificate = complete_all(app, trainee, module)
    with app.app_context():
        unit = db.session.get(User, trainee.id).unit
    make.admin("quantri", scope=unit)
    auth.login("quantri")
    for q in ("binh", "TRAN binh", "Trần Thị Bình", certificate.code):
        assert "Trần Thị Bình" in client.get("/admin/certificates", query_string={"q": q}).get_data(as_text=True), q
    for q in ("%", "_", "tr_n", "Tr%nh"):
        assert "Trần Thị Bình" not in client.get("/admin/certificates", query_string={"q": q}).get_data(as_text=True), q


def test_the_dashboard_issues_a_bounded_number_of_queries(app, client, auth, make, statements):
    title = make.title()
    make.user("hocvien", held=[title])

    def add_program():
        from lms.learning.services import ensure_statuses_for_program

        module = make.learning_module(lessons=("Bài 1",))
        program = make.learning_program(titles=[title], modules=[module])
        with app.app_context():
            ensure_statuses_for_program(program.id)
            db.session.commit()

    add_program()
    auth.login("hocvien")
    client.get("/")
    with statements() as one:
        client.get("/")
    for _ in range(4):
        add_program()
    client.get("/")
    with statements() as five:
        page = client.get("/").get_data(as_text=True)
    assert page.count("<progress") == 5
    assert len(five) == len(one)
