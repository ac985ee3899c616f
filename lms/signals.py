"""Events one domain announces and others react to, in the same transaction (blinker, as Flask uses).

Receivers must only flush, never commit. Dependencies stay one-way: the sender does not import the
receivers' packages.
"""
from blinker import Namespace

_signals = Namespace()

# A user's held or planned titles changed. kwargs: user, actor
titles_changed = _signals.signal("titles-changed")

# Many users' titles changed at once (an import). kwargs: user_ids (list of int), actor
users_titles_changed = _signals.signal("users-titles-changed")

# A bulk write of many users' titles (and of new trainees' role) begins in the current transaction (receivers
# may set per-row upkeep aside), and, after users_titles_changed, ends. kwargs: actor; at the end also user_ids
# (everyone retitled or made a trainee)
bulk_titles_started = _signals.signal("bulk-titles-started")
bulk_titles_finished = _signals.signal("bulk-titles-finished")

# A module revision was published. kwargs: module, revision, actor
revision_published = _signals.signal("revision-published")

# A lecturer graded a submission for a module's assignment (not sent when it is returned for revision).
# kwargs: user, module, passed (bool), score (float | None), graded_at (datetime), actor
assignment_graded = _signals.signal("assignment-graded")

# A document was registered (or its relations changed). kwargs: document, actor
document_registered = _signals.signal("document-registered")

# A trainee opened a published lesson page. kwargs: user, lesson
lesson_viewed = _signals.signal("lesson-viewed")

# A program was created or changed (targets, modules). kwargs: program, actor
program_saved = _signals.signal("program-saved")

# A nomination was made or moved to another state (nominated, approved, enrolled, completed, withdrawn).
# kwargs: nomination, actor
nomination_changed = _signals.signal("nomination-changed")

# A lecturer graded a field-trip report or returned it for revision. kwargs: submission, returned (bool), actor
report_graded = _signals.signal("report-graded")

# A module was flagged for review (a document it cites was superseded, amended or stopped). kwargs: flag, actor
review_flag_raised = _signals.signal("review-flag-raised")

# A certificate was issued on completing a program. kwargs: certificate
certificate_issued = _signals.signal("certificate-issued")
