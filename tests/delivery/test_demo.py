"""The demo loads classes, a plan, nominations and a submitted field-trip report, once."""
import sqlalchemy as sa

from lms.delivery.models import Nomination, Submission, SubmissionStatus, TrainingClass
from lms.demo import load_demo
from lms.extensions import db


def test_the_delivery_demo_is_idempotent(ctx):
    first = load_demo()
    assert (first["classes"], first["nominations"]) == (2, 4)
    second = load_demo()
    assert (second["classes"], second["nominations"]) == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count(TrainingClass.id))) == 2
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 4
    assert db.session.scalar(sa.select(Submission.status)) == SubmissionStatus.SUBMITTED
