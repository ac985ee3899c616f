"""Time every dashboard page through the Flask test client against a generated national-scale database.

    python -m bench.dashboards --database-url URL [--runs 15]

For each page it prints the median and 95th percentile of the response time (the body read in full), the
CPU time this process spent on it (SQLite works inside the process; PostgreSQL's own work is not in it),
the number of SQL statements the request issued, and the ratio of the page's median to the median of the
bare aggregate SQL over the source tables (the GROUP BY of program statuses joined to their trainees,
units and titles that a page would otherwise need, run on a raw DBAPI cursor). It ends with a full
national people export streamed as CSV and the peak RSS of this process, which is the app process.
Fill the database first with `python -m bench.generate`.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import sqlalchemy as sa

TARGET_MS = 300
MAX_STATEMENTS = 15
MAX_RSS_MB = 300

COUNTS = ("count(*), sum(CASE WHEN ps.state = 'completed' THEN 1 ELSE 0 END), "
          "sum(CASE WHEN ps.state = 'in_progress' THEN 1 ELSE 0 END), "
          "sum(CASE WHEN ps.state = 'not_started' THEN 1 ELSE 0 END), "
          "sum(CASE WHEN ps.state <> 'completed' AND ps.due_on < :today THEN 1 ELSE 0 END)")


def _year(dialect: str, column: str) -> str:
    return f"extract(year FROM {column})" if dialect == "postgresql" else f"strftime('%Y', {column})"


def pages(ids: dict, dialect: str) -> list[tuple[str, str, str]]:
    """(name, URL, bare SQL) for every page measured."""
    users = "FROM program_statuses ps JOIN users u ON u.id = ps.user_id"
    units = users + " JOIN units un ON un.id = u.unit_id"
    in_province = "un.locality_id IN (SELECT id FROM localities WHERE id = :province OR parent_id = :province)"
    held = ("JOIN title_assignments ta ON ta.user_id = ps.user_id AND ta.kind = 'held' "
            "AND ta.start_date <= :today AND (ta.end_date IS NULL OR ta.end_date >= :today)")
    people_cols = ("SELECT u.id, u.full_name, u.username, un.name, p.name, ps.state, ps.required_done, "
                   "ps.required_total, ps.started_on, ps.due_on, ps.completed_at ")
    overdue = "ps.state <> 'completed' AND ps.due_on < :today"
    return [
        ("by unit: national", "/dashboards/?by=unit", f"SELECT u.unit_id, {COUNTS} {users} GROUP BY u.unit_id"),
        ("by unit: one province", f"/dashboards/?by=unit&unit={ids['province_unit']}",
         f"SELECT u.unit_id, {COUNTS} {units} WHERE un.path LIKE :path GROUP BY u.unit_id"),
        ("by locality: provinces", "/dashboards/?by=locality",
         f"SELECT un.locality_id, {COUNTS} {units} GROUP BY un.locality_id"),
        ("by locality: communes", f"/dashboards/?by=locality&province={ids['province']}",
         f"SELECT un.locality_id, {COUNTS} {units} WHERE {in_province} GROUP BY un.locality_id"),
        ("by title", "/dashboards/?by=title", f"SELECT ta.title_id, {COUNTS} {users} {held} GROUP BY ta.title_id"),
        ("by program", "/dashboards/?by=program",
         f"SELECT ps.program_id, {COUNTS} FROM program_statuses ps GROUP BY ps.program_id"),
        ("by year", "/dashboards/?by=year",
         f"SELECT {_year(dialect, 'ps.started_on')}, {COUNTS} FROM program_statuses ps "
         f"GROUP BY {_year(dialect, 'ps.started_on')}"),
        ("filters combined", f"/dashboards/?by=unit&province={ids['province']}&program={ids['program']}"
                             f"&title={ids['title']}&year={ids['year']}",
         f"SELECT u.unit_id, {COUNTS} {units} {held} WHERE {in_province} AND ps.program_id = :program "
         f"AND ta.title_id = :title AND ps.started_on >= :year_start AND ps.started_on < :year_end "
         f"GROUP BY u.unit_id"),
        ("people: overdue p.1", "/dashboards/people?status=overdue",
         f"{people_cols} {units} JOIN programs p ON p.id = ps.program_id WHERE {overdue} "
         f"ORDER BY u.full_name, u.id, ps.id LIMIT 50"),
        ("people: overdue p.100", "/dashboards/people?status=overdue&page=100",
         f"{people_cols} {units} JOIN programs p ON p.id = ps.program_id WHERE {overdue} "
         f"ORDER BY u.full_name, u.id, ps.id LIMIT 50 OFFSET 4950"),
        ("export table xlsx", "/dashboards/table.xlsx?by=locality",
         f"SELECT un.locality_id, {COUNTS} {units} GROUP BY un.locality_id"),
    ]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                values[key] = int(value.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required="DATABASE_URL" not in os.environ)
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page (default 15)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--skip-export", action="store_true", help="skip the full national CSV export")
    args = parser.parse_args(argv)

    from datetime import date

    from bench.generate import PASSWORD, make_app
    from lms.extensions import db

    app = make_app(args.database_url)
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
        with engine.connect() as conn:
            def q(sql):
                return conn.execute(sa.text(sql))

            sizes = {t: q(f"SELECT count(*) FROM {t}").scalar() for t in (
                "users", "units", "program_statuses", "lesson_progress")}
            province_unit, province = q("SELECT u.id, u.locality_id FROM units u JOIN units r ON r.id = u.parent_id "
                                        "WHERE r.code = 'bench-root' ORDER BY u.id LIMIT 1").one()
            program = q("SELECT min(id) FROM programs WHERE code LIKE 'BENCH-%'").scalar()
            title = q(f"SELECT min(title_id) FROM program_titles WHERE program_id = {int(program)}").scalar()
            path = q(f"SELECT path FROM units WHERE id = {int(province_unit)}").scalar()
    today = date.today()
    ids = {"province_unit": province_unit, "province": province, "program": program, "title": title,
           "year": today.year}
    params = {"today": today, "path": path + "%", "province": province, "program": program, "title": title,
              "year_start": date(today.year, 1, 1), "year_end": date(today.year + 1, 1, 1)}

    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
    client = app.test_client()
    signed = client.post("/sign-in", data={"username": "bench.admin", "password": PASSWORD})
    if signed.status_code != 302:
        print("cannot sign in as bench.admin: generate the data first", file=sys.stderr)
        return 2

    print(f"database: {dialect}; users {sizes['users']:,}, units {sizes['units']:,}, "
          f"program statuses {sizes['program_statuses']:,}, lesson progress {sizes['lesson_progress']:,}")
    print(f"runs per page: {args.runs} (after {args.warmup} warm-up)")
    header = (f"{'page':<24} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'SQL':>4} {'bare SQL ms':>11} "
              f"{'ratio':>6}  ok")
    print(header)
    print("-" * len(header))
    failures = []
    for name, url, bare in pages(ids, dialect):
        times, cpu, counts = [], [], set()
        for run in range(args.warmup + args.runs):
            statements.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            response.get_data()
            elapsed = (time.perf_counter() - started) * 1000
            used = (time.process_time() - started_cpu) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            if run >= args.warmup:
                times.append(elapsed)
                cpu.append(used)
                counts.add(len(statements))
        bare_times = []
        with app.app_context(), db.engine.connect() as conn:
            compiled = sa.text(bare).bindparams(**{k: v for k, v in params.items() if f":{k}" in bare})
            for run in range(args.warmup + args.runs):
                started = time.perf_counter()
                conn.execute(compiled).all()
                if run >= args.warmup:
                    bare_times.append((time.perf_counter() - started) * 1000)
        median, p95, bare_median = statistics.median(times), percentile(times, 0.95), statistics.median(bare_times)
        count = max(counts)
        ok = median < TARGET_MS and count <= MAX_STATEMENTS
        if not ok:
            failures.append(name)
        print(f"{name:<24} {median:>9.1f} {p95:>8.1f} {statistics.median(cpu):>7.1f} {count:>4} {bare_median:>11.1f} "
              f"{median / bare_median if bare_median else 0:>6.2f}  {'yes' if ok else 'NO'}")
        sys.stdout.flush()

    if not args.skip_export:
        statements.clear()
        started = time.perf_counter()
        response = client.get("/dashboards/people.csv", buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        elapsed = time.perf_counter() - started
        print(f"export: national people list as CSV, {size / 1e6:.1f} MB streamed in {elapsed:.1f} s, "
              f"{len(statements)} SQL statements")
    current, peak = rss_mb()
    print(f"RSS of the app process: {current:.0f} MiB now, {peak:.0f} MiB peak (target < {MAX_RSS_MB})")
    if peak >= MAX_RSS_MB:
        failures.append("rss")
    print("targets met" if not failures else f"targets missed: {', '.join(failures)}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
