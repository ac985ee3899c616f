"""Time the daily reminder job over a generated national-scale database, and its memory.

    python -m bench.reminders --database-url URL [--keep] [--all-overdue]

Runs the reminder job (lms.notifications.reminders.run_reminders) twice for the same day, as the periodic
task does at 06:00: the first run is the worst day (every due and overdue notice of the country is new;
notifications left by an earlier run are deleted first unless --keep), the second writes nothing (each
notice's key exists). For each step it prints the rows written and the wall time; then the total, the
peak RSS of this process (the job's process: the rows are made by INSERT ... SELECT in the database, never
loaded), and whether the run kept under TARGET_S seconds and MAX_RSS_MB. No SMTP server is configured, so
the notices are written for the app only and no mail is sent (sending is the dispatcher's work, in batches).
Fill the database first with `python -m bench.generate`.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import sqlalchemy as sa

from bench.dashboards import rss_mb
from bench.generate import make_app

TARGET_S = 60
MAX_RSS_MB = 300


def _run(steps, today, now, commit) -> tuple[dict, float, list]:
    lines, written = [], {}
    started = time.perf_counter()
    for name, step in steps:
        began = time.perf_counter()
        counts = step(today, now)
        commit()
        written.update(counts)
        lines.append((name, counts, time.perf_counter() - began))
    return written, time.perf_counter() - started, lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required="DATABASE_URL" not in os.environ)
    parser.add_argument("--keep", action="store_true", help="keep the notifications of an earlier run")
    parser.add_argument("--all-overdue", action="store_true",
                        help="tell everyone of every overdue item however old (the flood of a first day, not "
                             "what the job does: it tells of items fallen due in the last week)")
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    app.config["SMTP_HOST"] = None
    failures = []
    with app.app_context():
        from lms.db import utcnow
        from lms.extensions import db
        from lms.formats import local_today
        from lms.notifications import reminders
        from lms.notifications.models import Notification
        from lms.notifications.reminders import STEPS

        if args.all_overdue:
            reminders.OVERDUE_NOTICE_DAYS = 100 * 365

        dialect = db.engine.dialect.name
        trainees = db.session.scalar(sa.text("SELECT count(*) FROM users"))
        statuses = db.session.scalar(sa.text("SELECT count(*) FROM program_statuses"))
        if not args.keep:
            db.session.execute(sa.delete(Notification))
            db.session.commit()
        print(f"{dialect}: {trainees:,} users, {statuses:,} program statuses", file=sys.stderr)
        today, now = local_today(), utcnow()
        for label in ("first run (all new)", "second run, same day"):
            written, total, lines = _run(STEPS, today, now, db.session.commit)
            print(f"\n{label}", file=sys.stderr)
            for name, counts, seconds in lines:
                detail = ", ".join(f"{kind} {n:,}" for kind, n in counts.items())
                print(f"  {name:<20} {seconds:7.2f} s   {detail}", file=sys.stderr)
            print(f"  {'total':<20} {total:7.2f} s   {sum(written.values()):,} notifications written",
                  file=sys.stderr)
            if total > TARGET_S:
                failures.append(f"{label}: {total:.1f} s")
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        print(f"\nnotifications stored: {stored:,}", file=sys.stderr)
    current, peak = rss_mb()
    print(f"RSS now {current:.0f} MiB, peak {peak:.0f} MiB (limit {MAX_RSS_MB})", file=sys.stderr)
    if peak > MAX_RSS_MB:
        failures.append("rss")
    print("FAILED: " + ", ".join(failures) if failures else f"OK: each run under {TARGET_S} s", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
