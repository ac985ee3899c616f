"""Reactions to other domains' signals; each only flushes, the sender's transaction commits."""
from __future__ import annotations

from lms import signals
from lms.accounts.models import Role
from lms.learning import mentions, services

_connected = False


def on_lesson_viewed(_sender=None, *, user, lesson, **_extra) -> None:
    """A trainee opened a lesson: record the start (idempotent) and a launched/experienced event.

    A view within a visit writes nothing; the request commits whatever was written.
    """
    if user.has_role(Role.TRAINEE) and not lesson.revision.is_draft:
        services.record_lesson_view(user, lesson)


def on_revision_published(_sender=None, *, module, revision, **_extra) -> None:
    """A re-study revision puts earlier completions into review; a minor one keeps them."""
    services.on_revision_published(module, revision)


def on_assignment_graded(_sender=None, *, user, module, passed, score=None, graded_at=None, **_extra) -> None:
    """An assignment grade at or above the module's pass mark satisfies its assignment rule."""
    services.record_assignment_graded(user, module, passed, score, graded_at)


def on_titles_changed(_sender=None, *, user, **_extra) -> None:
    """New titles bring new required programs: create their ProgramStatus rows."""
    services.ensure_program_statuses(user)


def on_users_titles_changed(_sender=None, *, user_ids, **_extra) -> None:
    """The same for many users at once, set-based (an import)."""
    services.ensure_program_statuses_for(user_ids)


def on_program_saved(_sender=None, *, program, **_extra) -> None:
    """A program's new targets bring its ProgramStatus rows to the trainees who hold or are planned for them."""
    services.ensure_statuses_for_program(program.id)


def connect() -> None:
    """Connect the receivers, once however many apps create_app makes in one process."""
    global _connected
    if _connected:
        return
    mentions.register()
    signals.lesson_viewed.connect(on_lesson_viewed)
    signals.revision_published.connect(on_revision_published)
    signals.assignment_graded.connect(on_assignment_graded)
    signals.titles_changed.connect(on_titles_changed)
    signals.users_titles_changed.connect(on_users_titles_changed)
    signals.program_saved.connect(on_program_saved)
    _connected = True
