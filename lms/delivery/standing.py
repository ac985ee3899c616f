"""The attendance rule: a trainee who missed more than the class's share of sessions cannot complete
through that class, unless an admin recorded an exception with a reason.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.delivery.models import Nomination, TrainingClass
from lms.delivery.timetable_models import AttendanceException, ClassSession, Presence, SessionAttendance
from lms.extensions import db
from lms.formats import percent


@dataclass(frozen=True)
class Standing:
    """A trainee's attendance in a class: sessions in the timetable, missed with and without permission."""

    sessions: int
    present: int = 0
    excused: int = 0
    absent: int = 0
    limit_percent: int = 20
    exception: str | None = None

    @property
    def missed(self) -> int:
        return self.excused + self.absent

    @property
    def missed_percent(self) -> float:
        return 100.0 * self.missed / self.sessions if self.sessions else 0.0

    @property
    def over_limit(self) -> bool:
        return self.missed * 100 > self.limit_percent * self.sessions

    @property
    def blocks_completion(self) -> bool:
        return self.over_limit and self.exception is None

    def reason(self) -> str:
        """Why the trainee cannot complete through the class (empty when they can)."""
        if not self.over_limit:
            return ""
        return _("Vắng %(missed)d/%(total)d buổi (%(share)s; có phép %(excused)d, không phép %(absent)d), "
                 "quá mức cho phép %(limit)s của lớp.", missed=self.missed, total=self.sessions,
                 share=percent(self.missed_percent), excused=self.excused, absent=self.absent,
                 limit=percent(self.limit_percent))


def standings(klass: TrainingClass, trainee_ids=None) -> dict[int, Standing]:
    """Each trainee's standing in the class, counted in SQL (every nominee, or those of `trainee_ids`)."""
    total = db.session.scalar(sa.select(sa.func.count(ClassSession.id)).where(ClassSession.class_id == klass.id))
    counts = (
        sa.select(SessionAttendance.trainee_id, SessionAttendance.presence, sa.func.count(SessionAttendance.id))
        .join(ClassSession, SessionAttendance.session_id == ClassSession.id)
        .where(ClassSession.class_id == klass.id)
        .group_by(SessionAttendance.trainee_id, SessionAttendance.presence)
    )
    nominees = sa.select(Nomination.id, Nomination.trainee_id, AttendanceException.reason).outerjoin(
        AttendanceException, AttendanceException.nomination_id == Nomination.id).where(Nomination.class_id == klass.id)
    if trainee_ids is not None:
        ids = list(trainee_ids)
        counts = counts.where(SessionAttendance.trainee_id.in_(ids))
        nominees = nominees.where(Nomination.trainee_id.in_(ids))
    tally: dict[int, dict[str, int]] = {}
    for trainee_id, presence, n in db.session.execute(counts):
        tally.setdefault(trainee_id, {})[Presence(presence).value] = n
    return {trainee_id: Standing(total, limit_percent=klass.absence_limit_percent, exception=reason,
                                 **tally.get(trainee_id, {}))
            for _nomination_id, trainee_id, reason in db.session.execute(nominees)}


def standing_of(nomination: Nomination) -> Standing:
    return standings(nomination.training_class, [nomination.trainee_id]).get(
        nomination.trainee_id, Standing(0, limit_percent=nomination.training_class.absence_limit_percent))


def trainee_standings(trainee_id: int, classes: list[TrainingClass]) -> dict[int, Standing]:
    """One trainee's standing in each of their classes, by class id (three statements whatever the count)."""
    ids = [klass.id for klass in classes]
    if not ids:
        return {}
    totals = dict(db.session.execute(sa.select(ClassSession.class_id, sa.func.count(ClassSession.id))
                                     .where(ClassSession.class_id.in_(ids)).group_by(ClassSession.class_id)).all())
    tally: dict[int, dict[str, int]] = {}
    for class_id, presence, n in db.session.execute(
            sa.select(ClassSession.class_id, SessionAttendance.presence, sa.func.count(SessionAttendance.id))
            .join(ClassSession, SessionAttendance.session_id == ClassSession.id)
            .where(SessionAttendance.trainee_id == trainee_id, ClassSession.class_id.in_(ids))
            .group_by(ClassSession.class_id, SessionAttendance.presence)):
        tally.setdefault(class_id, {})[Presence(presence).value] = n
    exceptions = dict(db.session.execute(
        sa.select(Nomination.class_id, AttendanceException.reason).join(
            AttendanceException, AttendanceException.nomination_id == Nomination.id)
        .where(Nomination.trainee_id == trainee_id, Nomination.class_id.in_(ids))).all())
    return {klass.id: Standing(totals.get(klass.id, 0), limit_percent=klass.absence_limit_percent,
                               exception=exceptions.get(klass.id), **tally.get(klass.id, {})) for klass in classes}
