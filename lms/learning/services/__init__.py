"""Learning rules: lesson progress, module and program statuses, re-study, refreshers, certificates.

Statuses are kept current incrementally: each change recounts one trainee's one module (or one program) in
SQL under a row lock, never by loading every record. Every change appends a learning event in the same
transaction (see `records.record_event`).

    records     the learning record (xAPI-shaped statements) and small helpers
    progress    lesson views, completion and time on task
    statuses    module and program statuses, refreshers, re-study after new content
"""
from lms.learning.services.progress import (
    HEARTBEAT_CAP_SECONDS,
    VISIT_GAP,
    complete_lesson,
    heartbeat,
    record_lesson_view,
    start_lesson,
)
from lms.learning.services.records import add_months, record_event
from lms.learning.services.statuses import (
    ensure_program_statuses,
    ensure_program_statuses_for,
    ensure_statuses_for_program,
    lock_module_status,
    module_rule,
    on_revision_published,
    programs_for,
    record_assignment_graded,
    record_quiz_passed,
    refresh_lapsed,
    refresh_module_status,
    refresh_program_status,
    save_module_rule,
    start_new_cycle,
)

__all__ = [
    "HEARTBEAT_CAP_SECONDS", "VISIT_GAP", "add_months", "complete_lesson", "ensure_program_statuses",
    "ensure_program_statuses_for", "ensure_statuses_for_program", "heartbeat", "lock_module_status", "module_rule",
    "on_revision_published",
    "programs_for", "record_assignment_graded", "record_event", "record_lesson_view", "record_quiz_passed",
    "refresh_lapsed", "refresh_module_status", "refresh_program_status", "save_module_rule", "start_lesson",
    "start_new_cycle",
]
