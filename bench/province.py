"""Time a province's volume-of-work pages at national scale: the people picker of a class, the training
needs report, and a person's whole record, through the Flask test client.

    python -m bench.province --database-url URL [--runs 15]

Fill the database first with `python -m bench.generate`. The generated people have empty name keys; this
program fills `users.search_key` and `sort_key` once (as the application computes them), so the picker's name
search has something to find, and adds one class of a generated program to nominate to. For each page it prints
the median and 95th percentile of the response time (body read in full) and the SQL statements issued.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date

import sqlalchemy as sa

TARGET_MS = 300


def _prepare(app) -> dict:
    """Name keys for the generated people (once), a class to nominate to, and the ids the pages need."""
    from lms.accounts.names import sort_key
    from lms.delivery.models import DeliveryMode, TrainingClass
    from lms.extensions import db
    from lms.text import fold_words

    with app.app_context():
        empty = db.session.execute(sa.text("SELECT count(*) FROM users WHERE search_key = ''")).scalar()
        if empty:
            started = time.perf_counter()
            rows = db.session.execute(sa.text("SELECT id, username, full_name FROM users WHERE search_key = ''")).all()
            users = sa.table("users", sa.column("id"), sa.column("search_key"), sa.column("sort_key"))
            batch = [{"uid": i, "k": f"{fold_words(n)} {fold_words(u)}"[:400], "s": sort_key(n)[:500]}
                     for i, u, n in rows]
            for start in range(0, len(batch), 5000):
                db.session.connection().execute(
                    users.update().where(users.c.id == sa.bindparam("uid"))
                    .values(search_key=sa.bindparam("k"), sort_key=sa.bindparam("s")), batch[start:start + 5000])
            db.session.commit()
            # Every user row was rewritten: fresh statistics, and on PostgreSQL a vacuum so that index-only scans
            # need not visit the table (autovacuum would do it later, in the middle of the timings).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE users" if db.engine.dialect.name == "postgresql"
                                     else "ANALYZE users")
            print(f"name keys filled for {len(rows):,} people in {time.perf_counter() - started:.1f} s")
        root = db.session.execute(sa.text("SELECT id FROM units WHERE code = 'bench-root'")).scalar()
        province = db.session.execute(sa.text(f"SELECT id FROM units WHERE parent_id = {int(root)} ORDER BY id "
                                              f"LIMIT 1")).scalar()
        program = db.session.execute(sa.text("SELECT min(id) FROM programs WHERE code LIKE 'BENCH-%'")).scalar()
        klass = db.session.scalar(sa.select(TrainingClass).where(TrainingClass.code == "BENCH-PICK"))
        if klass is None:
            year = date.today().year
            klass = TrainingClass(code="BENCH-PICK", name="Lớp thử tải", program_id=program, unit_id=root,
                                  mode=DeliveryMode.CONCENTRATED, starts_on=date(year, 9, 1),
                                  ends_on=date(year, 12, 1), capacity=10_000)
            db.session.add(klass)
            db.session.commit()
        trainee = db.session.execute(sa.text("SELECT id FROM users WHERE username = 'bench.trainee'")).scalar()
        busiest = db.session.execute(sa.text("SELECT user_id FROM program_statuses GROUP BY user_id "
                                       "ORDER BY count(*) DESC, user_id LIMIT 1")).scalar()
        return {"root": root, "province": province, "class": klass.id, "trainee": trainee, "busiest": busiest,
                "year": date.today().year}


def pages(ids: dict) -> list[tuple[str, str, str]]:
    """(name, account, URL) of every page measured."""
    pick = f"/admin/classes/{ids['class']}/pick"
    needs = "/admin/plans/needs"
    return [
        ("picker: national, page 1", "bench.admin", pick),
        ("picker: name search", "bench.admin", pick + "?q=nguyen+van"),
        ("picker: search, eligible", "bench.admin", pick + "?q=tran+thi&eligible=1"),
        ("picker: province, page 20", "bench.admin", pick + f"?unit={ids['province']}&page=20"),
        ("picker: province admin", "bench.tinh", pick + "?q=le+minh"),
        ("needs: one province", "bench.tinh", f"{needs}?year={ids['year']}"),
        ("needs: national", "bench.admin", f"{needs}?year={ids['year']}"),
        ("needs: a program's people", "bench.tinh", f"{needs}?year={ids['year']}&program=1"),
        ("record: bench.trainee", "bench.admin", f"/people/{ids['trainee']}"),
        ("record: busiest trainee", "bench.admin", f"/people/{ids['busiest']}"),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required="DATABASE_URL" not in os.environ)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)

    from bench.generate import PASSWORD, make_app
    from lms.extensions import db

    app = make_app(args.database_url)
    ids = _prepare(app)
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
    clients = {}
    for account in ("bench.admin", "bench.tinh"):
        clients[account] = app.test_client()
        if clients[account].post("/sign-in", data={"username": account, "password": PASSWORD}).status_code != 302:
            print(f"cannot sign in as {account}: generate the data first", file=sys.stderr)
            return 2
    print(f"database: {dialect}; runs per page: {args.runs} (after {args.warmup} warm-up)")
    header = f"{'page':<28} {'median ms':>9} {'p95 ms':>8} {'SQL':>4}  ok"
    print(header)
    print("-" * len(header))
    failures = []
    for name, account, url in pages(ids):
        times, counts = [], set()
        for run in range(args.warmup + args.runs):
            statements.clear()
            started = time.perf_counter()
            response = clients[account].get(url)
            response.get_data()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
                return 1
            if run >= args.warmup:
                times.append(elapsed)
                counts.add(len(statements))
        median = statistics.median(times)
        p95 = sorted(times)[max(0, int(round(0.95 * len(times))) - 1)]
        ok = median < TARGET_MS
        if not ok:
            failures.append(name)
        print(f"{name:<28} {median:>9.1f} {p95:>8.1f} {'/'.join(map(str, sorted(counts))):>4}  "
              f"{'yes' if ok else 'NO'}")
    print(f"target: median under {TARGET_MS} ms; over it: {', '.join(failures) or 'none'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
