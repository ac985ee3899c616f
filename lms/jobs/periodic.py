"""The periodic jobs, each run once per scheduled time (site time, Asia/Ho_Chi_Minh) by the consumer."""
from __future__ import annotations

from lms.jobs.queue import local_crontab, periodic
from lms.jobs.services import run_now

# The schedule is part of what operators rely on (README, Production): keep them in step.
DAILY_REFRESH = local_crontab(minute="0", hour="2")
SIGN_IN_PURGE = local_crontab(minute="30", hour="2")
FILE_SWEEP = local_crontab(minute="45")
EVIDENCE_SWEEP = local_crontab(minute="15", hour="3")


@periodic("learning.refresh", DAILY_REFRESH)
def refresh_lapsed_programs():
    """Every night: trainees whose refresher program lapsed are due again."""
    from lms.learning.services import refresh_lapsed

    run_now("learning.refresh", lambda: {"due_again": refresh_lapsed()})


@periodic("accounts.purge_sign_in_failures", SIGN_IN_PURGE)
def purge_sign_in_failures():
    """Every night: failed sign-ins too old to count towards a lockout are deleted."""
    from lms.accounts.services import purge_sign_in_failures as purge

    run_now("accounts.purge_sign_in_failures", lambda: {"deleted": purge()})


@periodic("files.sweep", FILE_SWEEP)
def sweep_orphan_files():
    """Every hour: uploaded files that no row names, older than an hour, are removed."""
    from lms.delivery.files import sweep_orphan_files as sweep

    run_now("files.sweep", sweep)


@periodic("supervision.sweep_evidence_packs", EVIDENCE_SWEEP)
def sweep_evidence_packs():
    """Every night: classes' evidence packs older than a week are removed (a new one can be built any time)."""
    from lms.supervision.papers import sweep_evidence_packs as sweep

    run_now("supervision.sweep_evidence_packs", sweep)
