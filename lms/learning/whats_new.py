"""The "what's new" note of a module: what changed since the revision a trainee studied, until they have read it."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from lms.curriculum.models import Module, ModuleRevision
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LessonProgress, ModuleStatus, WhatsNewSeen
from lms.learning.queries import LessonChange, changes_since


@dataclass
class WhatsNew:
    revisions: list[ModuleRevision]  # published after the one the trainee knows, oldest first
    changes: list[LessonChange] = field(default_factory=list)  # lesson by lesson, when one asks for re-study


def whats_new(user_id: int, module: Module) -> WhatsNew | None:
    """What changed in `module` since the latest revision the trainee studied or read the note of; None when
    nothing did, or they never studied it."""
    if module.published_revision_id is None:
        return None
    # The latest revision the trainee knows: studied (any lesson), completed, or whose note they read.
    number = db.session.scalar(
        sa.select(sa.func.max(ModuleRevision.number)).where(ModuleRevision.id.in_(sa.union_all(
            sa.select(LessonProgress.revision_id).where(LessonProgress.user_id == user_id,
                                                        LessonProgress.module_id == module.id),
            sa.select(ModuleStatus.completed_revision_id).where(ModuleStatus.user_id == user_id,
                                                                ModuleStatus.module_id == module.id),
            sa.select(WhatsNewSeen.revision_id).where(WhatsNewSeen.user_id == user_id,
                                                      WhatsNewSeen.module_id == module.id)))))
    if number is None:
        return None
    revisions = db.session.scalars(sa.select(ModuleRevision).where(
        ModuleRevision.module_id == module.id, ModuleRevision.number > number,
        ModuleRevision.number.is_not(None)).order_by(ModuleRevision.number)).all()
    if not revisions:
        return None
    note = WhatsNew(revisions)
    if any(r.requires_restudy for r in revisions):
        old_id = db.session.scalar(sa.select(ModuleRevision.id).where(ModuleRevision.module_id == module.id,
                                                                      ModuleRevision.number == number))
        note.changes = changes_since(module, old_id)[1]
    return note


def mark_seen(user, module: Module) -> None:
    """The trainee has read the note of the module's current revision."""
    if module.published_revision_id is None:
        return
    row = db.session.get(WhatsNewSeen, (user.id, module.id))
    if row is None:
        row = WhatsNewSeen(user_id=user.id, module_id=module.id)
        db.session.add(row)
    row.revision_id, row.seen_at = module.published_revision_id, utcnow()
    db.session.flush()
