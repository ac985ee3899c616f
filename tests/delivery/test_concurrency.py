"""Capacity holds when several admins nominate to the same class at the same moment (real threads, real
database: the class row is locked on PostgreSQL, SQLite serialises writers)."""
import threading
import time

import sqlalchemy as sa

from lms.accounts.models import TheoryLevel, User
from lms.curriculum.models import Program
from lms.delivery import services
from lms.delivery.models import Nomination, TrainingClass
from lms.errors import Conflict, NotEligible
from lms.extensions import db
from lms.organisation.models import Unit


def test_concurrent_nominations_never_exceed_capacity(app, make, monkeypatch):
    province = make.unit()
    secretary = make.title(is_key=False)
    program = make.program(titles=[secretary])
    klass = make.training_class(program=program, unit=province, capacity=3)
    admin = make.admin(scope=province)
    trainees = [make.user(unit=province, held=[secretary], theory_level=TheoryLevel.INTERMEDIATE) for _ in range(8)]

    counted = services._seats_taken

    def slow_count(k):
        # Widen the window between counting seats and taking one, as a busy server would.
        result = counted(k)
        time.sleep(0.05)
        return result

    monkeypatch.setattr(services, "_seats_taken", slow_count)
    barrier = threading.Barrier(len(trainees))
    outcomes = []

    def nominate(trainee_id):
        with app.app_context():
            barrier.wait()
            try:
                services.nominate(db.session.get(User, admin.id), db.session.get(User, trainee_id),
                                  db.session.get(TrainingClass, klass.id))
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=nominate, args=(t.id,)) for t in trainees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["full"] * 5 + ["ok"] * 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 3


def test_concurrent_nominations_to_two_classes_never_exceed_the_units_quota(app, make, monkeypatch):
    province = make.unit()
    title = make.title()
    program = make.program(titles=[title])
    classes = [make.training_class(program=program, unit=province, capacity=10) for _ in range(2)]
    admin = make.admin(scope=province)
    with app.app_context():
        services.save_plan(db.session.get(User, admin.id), db.session.get(Unit, province.id), 2026, {
            db.session.get(Program, program.id): 1})
        db.session.commit()
    trainees = [make.user(unit=province, held=[title]) for _ in range(6)]
    quota_for = services.quota_for

    def slow_quota(*args):
        result = quota_for(*args)
        time.sleep(0.05)
        return result

    monkeypatch.setattr(services, "quota_for", slow_quota)
    barrier = threading.Barrier(len(trainees))
    outcomes = []

    def nominate(trainee_id, class_id):
        with app.app_context():
            barrier.wait()
            try:
                services.nominate(db.session.get(User, admin.id), db.session.get(User, trainee_id),
                                  db.session.get(TrainingClass, class_id))
                db.session.commit()
                outcomes.append("ok")
            except NotEligible:
                db.session.rollback()
                outcomes.append("over quota")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=nominate, args=(t.id, classes[i % 2].id)) for i, t in enumerate(trainees)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["ok"] + ["over quota"] * 5
