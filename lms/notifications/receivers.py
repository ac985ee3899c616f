"""Notifications written in the transaction of the change that causes them (signals of other domains)."""
from __future__ import annotations

import sqlalchemy as sa

from lms import signals
from lms.notifications.services import json_params, notify, notify_many, text_of

_connected = False
NOMINATION_KINDS = {"nominated": "nomination.nominated", "approved": "nomination.approved",
                    "enrolled": "nomination.enrolled", "withdrawn": "nomination.withdrawn"}


def on_nomination_changed(_sender=None, *, nomination, **_extra) -> None:
    """The trainee hears of each step: nominated, approved, enrolled, withdrawn."""
    kind = NOMINATION_KINDS.get(str(nomination.state))
    if kind is None:
        return
    klass = nomination.training_class
    # A withdrawn and re-nominated trainee is told again: the key counts the nominations' updates.
    notify(nomination.trainee_id, kind, f"{nomination.id}:{nomination.updated_at.isoformat()}",
           {"class_id": klass.id, "class_name": klass.name, "class_code": klass.code,
            "starts_on": klass.starts_on.isoformat(), "place": klass.place})


def on_report_graded(_sender=None, *, submission, returned, **_extra) -> None:
    kind = "report.returned" if returned else "report.graded"
    notify(submission.trainee_id, kind, f"{submission.id}:{submission.graded_at.isoformat()}",
           {"submission_id": submission.id, "topic": submission.trip.topic, "score": submission.score,
            "passed": submission.passed})


def on_review_flag_raised(_sender=None, *, flag, **_extra) -> None:
    """Every lecturer who wrote a revision of the flagged module hears of it (one INSERT ... SELECT)."""
    from lms.curriculum.models import ModuleRevision

    authors = sa.select(ModuleRevision.author_id.label("user_id")).where(
        ModuleRevision.module_id == flag.module_id, ModuleRevision.author_id.is_not(None)).distinct().subquery()
    notify_many("review_flag.raised", sa.select(
        authors.c.user_id,
        text_of(f"review_flag.raised:{flag.id}:", authors.c.user_id).label("key"),
        json_params(module_id=sa.literal(flag.module_id), module_code=sa.literal(flag.module.code),
                    reason=sa.literal(flag.reason)).label("params"),
    ))


def on_revision_published(_sender=None, *, module, revision, **_extra) -> None:
    """Trainees whose completion the re-study revision put into review are told what changed.

    Connected after the learning records' receiver, which marks them (lms.create_app connects it first).
    """
    if not revision.requires_restudy:
        return
    from lms.learning.models import ModuleState, ModuleStatus

    notify_many("revision.restudy", sa.select(
        ModuleStatus.user_id.label("user_id"),
        text_of(f"revision.restudy:{revision.id}:", ModuleStatus.user_id).label("key"),
        json_params(module_id=sa.literal(module.id), module_title=sa.literal(revision.title),
                    change_summary=sa.literal(revision.change_summary or "")).label("params"),
    ).where(ModuleStatus.module_id == module.id, ModuleStatus.state == ModuleState.NEEDS_REVIEW))


def on_certificate_issued(_sender=None, *, certificate, **_extra) -> None:
    notify(certificate.user_id, "certificate.issued", str(certificate.id),
           {"certificate_id": certificate.id, "program_name": certificate.program_name})


def connect() -> None:
    """Connect the receivers once per process (after the other domains' receivers)."""
    global _connected
    if _connected:
        return
    signals.nomination_changed.connect(on_nomination_changed)
    signals.report_graded.connect(on_report_graded)
    signals.review_flag_raised.connect(on_review_flag_raised)
    signals.revision_published.connect(on_revision_published)
    signals.certificate_issued.connect(on_certificate_issued)
    _connected = True
