"""Double clicks and concurrent requests never duplicate progress nor lose a completion (both databases)."""
import threading
from datetime import timedelta

import sqlalchemy as sa

from lms import signals
from lms.accounts.models import User
from lms.curriculum.models import Lesson, Module
from lms.extensions import db
from lms.learning.models import LearningEvent, LessonProgress, ModuleState, ModuleStatus, ProgramState, ProgramStatus

THREADS = 8


def _lesson_ids(app, module):
    with app.app_context():
        return [lesson.id for lesson in db.session.get(Module, module.id).published.lessons]


def _run_together(target, count=THREADS):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=10)
            target(i)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def _signed_in_clients(app, count, username="hocvien"):
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        client.post("/sign-in", data={"username": username, "password": "secret-pass-1"})
    return clients


def test_concurrent_completions_from_separate_clients(app, make):
    title = make.title()
    module = make.learning_module(lessons=("Bài 1", "Bài 2"))
    program = make.learning_program(titles=[title], modules=[module])
    make.user("hocvien", held=[title])
    lesson_ids = _lesson_ids(app, module)
    clients = _signed_in_clients(app, THREADS)
    statuses = []

    def complete(i):
        # Half the clients double-click lesson 1, the other half lesson 2, all at once.
        response = clients[i].post(f"/learning/lessons/{lesson_ids[i % 2]}/complete")
        statuses.append(response.status_code)

    _run_together(complete)
    assert statuses == [302] * THREADS
    with app.app_context():
        rows = db.session.scalars(sa.select(LessonProgress)).all()
        assert sorted(r.lesson_id for r in rows) == sorted(lesson_ids)
        assert all(r.completed_at is not None for r in rows)
        verbs = db.session.execute(sa.select(LearningEvent.object_type, sa.func.count())
                                   .where(LearningEvent.verb == "completed")
                                   .group_by(LearningEvent.object_type)).all()
        assert dict(verbs) == {"lesson": 2, "module": 1, "program": 1}
        status = db.session.scalars(sa.select(ModuleStatus)).one()
        assert (status.state, status.lessons_done) == (ModuleState.COMPLETED, 2)
        program_status = db.session.scalars(sa.select(ProgramStatus)).one()
        assert program_status.program_id == program.id
        assert program_status.state == ProgramState.COMPLETED


def test_concurrent_lesson_views_record_one_start(app, make):
    module = make.learning_module()
    trainee = make.user("hocvien")
    lesson_id = _lesson_ids(app, module)[0]

    def view(_i):
        with app.app_context():
            signals.lesson_viewed.send(user=db.session.get(User, trainee.id), lesson=db.session.get(Lesson, lesson_id))
            db.session.commit()

    _run_together(view)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1
        verbs = [e.verb for e in db.session.scalars(sa.select(LearningEvent))]
        assert verbs.count("launched") == 1
        assert verbs.count("experienced") == 0  # the other views continue the same visit
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleStatus)) == 1


def test_concurrent_heartbeats_add_the_elapsed_time_once(app, make):
    module = make.learning_module()
    trainee = make.user("hocvien")
    lesson_id = _lesson_ids(app, module)[0]
    with app.app_context():
        signals.lesson_viewed.send(user=db.session.get(User, trainee.id), lesson=db.session.get(Lesson, lesson_id))
        progress = db.session.scalars(sa.select(LessonProgress)).one()
        progress.last_seen_at -= timedelta(seconds=20)
        db.session.commit()
    clients = _signed_in_clients(app, THREADS)
    added = []
    _run_together(lambda i: added.append(clients[i].post(f"/learning/lessons/{lesson_id}/heartbeat").json["added"]))
    with app.app_context():
        spent = db.session.scalar(sa.select(LessonProgress.seconds_spent))
    assert sum(added) == spent
    assert 20 <= spent <= 21



QUIZ = "Nghị quyết 32-NQ/TW ban hành năm 2014. {T}\nCả nước có 63 tỉnh, thành phố từ 1/7/2025. {F}"
STARTS = 5


def _quiz_module(app, make, max_attempts):
    from lms.learning import quizzes

    module = make.learning_module()
    with app.test_request_context():
        quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, module.id))
        quizzes.import_gift(None, quiz, QUIZ)
        quizzes.save_quiz_settings(None, quiz, title="Kiểm tra", pass_percent=100, max_attempts=max_attempts,
                                   time_limit_minutes=None)
        db.session.commit()
    return module


def _start_together(app, monkeypatch, module, count=STARTS):
    """`count` signed-in browsers press "start" at once. On PostgreSQL every request reads the trainee's
    attempts before any of them writes (the race); SQLite serialises writers, so it needs no help."""
    from lms.learning import quizzes

    with app.app_context():
        racing = db.engine.dialect.name == "postgresql"
    if racing:
        after_reads, calls = threading.Barrier(count), threading.local()
        attempts_of = quizzes.attempts_of

        def attempts_read_by_all(user, quiz):
            found = attempts_of(user, quiz)
            calls.n = getattr(calls, "n", 0) + 1
            if calls.n == 2:  # the attempts counted against the limit, just before the new one is written
                after_reads.wait(timeout=10)
            return found

        monkeypatch.setattr(quizzes, "attempts_of", attempts_read_by_all)
    clients = _signed_in_clients(app, count)
    locations = []
    _run_together(lambda i: locations.append(
        clients[i].post(f"/learning/modules/{module.id}/quiz/start").headers["Location"]), count)
    monkeypatch.undo()
    return locations


def test_simultaneous_starts_open_one_attempt_and_never_pass_the_limit(app, make, monkeypatch):
    from lms.learning import quizzes
    from lms.learning.models import QuizAttempt

    module = _quiz_module(app, make, max_attempts=2)
    trainee = make.user("hocvien")
    locations = _start_together(app, monkeypatch, module)
    with app.app_context():
        first = db.session.scalars(sa.select(QuizAttempt)).one()  # one attempt, and every request continues it
        assert set(locations) == {f"/learning/attempts/{first.id}"}
        quizzes.submit_attempt(db.session.get(User, trainee.id), first, {})
        db.session.commit()
    locations = _start_together(app, monkeypatch, module)
    with app.app_context():
        attempts = db.session.scalars(sa.select(QuizAttempt).order_by(QuizAttempt.number)).all()
        assert [a.number for a in attempts] == [1, 2]  # the last allowed attempt, opened once
        assert set(locations) == {f"/learning/attempts/{attempts[1].id}"}
        quizzes.submit_attempt(db.session.get(User, trainee.id), attempts[1], {})
        db.session.commit()
    locations = _start_together(app, monkeypatch, module)
    assert set(locations) == {f"/learning/modules/{module.id}/quiz"}  # refused: no attempt left
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 2
