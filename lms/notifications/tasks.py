"""Background tasks: each notification's mail after commit (tried again with backoff), a dispatcher every ten
minutes for what waited (quiet hours, retries), the daily digest, and the daily reminders."""
from __future__ import annotations

from lms.jobs.queue import local_crontab, periodic, task
from lms.notifications import mailing

# The schedule is part of what operators rely on (README, Production): keep them in step.
# At 7, 17, ... 57 past each hour: apart from the other jobs' minutes (0, 30, 45).
DISPATCH = local_crontab(minute="7-59/10")
DIGEST = local_crontab(minute="0", hour="7")
REMINDERS = local_crontab(minute="0", hour="6")


@task("notifications.send")
def send_notification(notification_id: int):
    """Mail one notification; when the server failed, try again after the backoff delay."""
    mailing.deliver(notification_id)
    delay = mailing.retry_delay(notification_id)
    if delay is not None:
        send_notification.schedule(args=(notification_id,), delay=delay.total_seconds())


@task("notifications.dispatch")
def dispatch_mail():
    """Mail every waiting notification (after the reminders wrote theirs)."""
    mailing.dispatch()


@periodic("notifications.dispatch_waiting", DISPATCH)
def dispatch_waiting():
    """Every ten minutes: mail what waited for the end of quiet hours or for its next try."""
    mailing.dispatch()


@periodic("notifications.digest", DIGEST)
def send_daily_digests():
    """Every morning at 07:00: the daily digest for those who chose it."""
    mailing.send_digests()


@periodic("notifications.reminders", REMINDERS)
def send_reminders():
    """Every morning at 06:00: due dates, overdue work, classes starting, reports waiting, quizzes closing;
    once each."""
    from lms.jobs.services import run_now
    from lms.notifications.reminders import run_reminders

    run_now("notifications.reminders", run_reminders)
