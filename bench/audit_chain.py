"""What chaining the audit log costs a bulk import: the audit rows of a 20,000-user import (46,666 entries:
one `user.create` per person, one `title.assign` per held or planned title) written in one transaction,
as lms.accounts.importing writes them, with and without the hash chain.

    python -m bench.audit_chain --database-url URL [--rows 46666] [--rounds 3] [--reset]

"plain" is the set-based INSERT the import made before the chain (lms.db.insert_many); "chained" is
lms.audit.insert_entries: the chain head locked, each row's SHA-256 computed in Python in order, the same
INSERT, the head moved on. Each round writes into an emptied table and rolls back nothing: it commits, as
the import does. The figure is the best of the rounds (the machine is shared), in seconds and rows per second.
"""
from __future__ import annotations

import argparse
import os
import time

import sqlalchemy as sa

from bench.generate import _reset, make_app


def rows(n: int) -> list[dict]:
    from lms.db import utcnow

    now = utcnow()
    out = []
    for i in range(n):
        if i % 7 < 3:
            out.append({"at": now, "actor_id": None, "action": "user.create", "object_type": "users", "object_id": i,
                        "detail": {"username": f"hv.{i:06d}"}, "ip": None})
        else:
            out.append({"at": now, "actor_id": None, "action": "title.assign", "object_type": "users", "object_id": i,
                        "detail": {"title": "XA-BT", "kind": "held", "start": "2025-07-01"}, "ip": None})
    return out


def run(url: str, n: int, rounds: int, reset: bool) -> None:
    from flask_migrate import upgrade

    from lms import audit
    from lms.db import insert_many
    from lms.extensions import db

    if reset:
        _reset(url)
    app = make_app(url)
    with app.app_context():
        upgrade()
        best = {}
        for _round in range(rounds):
            for kind in ("plain", "chained"):
                db.session.execute(sa.text("DELETE FROM audit_entries"))
                db.session.execute(sa.text(f"UPDATE audit_chain SET last_hash = '{audit.GENESIS}', entries = 0"))
                db.session.commit()
                batch = rows(n)
                started = time.perf_counter()
                if kind == "plain":
                    for row in batch:  # the columns are NOT NULL now: the plain write stores empty hashes
                        row["prev_hash"] = row["hash"] = ""
                    insert_many(db.session, audit.AuditEntry.__table__, batch)
                else:
                    audit.insert_entries(db.session, batch)
                db.session.commit()
                elapsed = time.perf_counter() - started
                best[kind] = min(best.get(kind, elapsed), elapsed)
        verdict = audit.verify(db.session)
        dialect = db.engine.dialect.name
    load = os.getloadavg()[0]
    print(f"database: {dialect}; {n} audit rows in one transaction; best of {rounds}; load average {load:.1f}")
    for kind in ("plain", "chained"):
        print(f"{kind:8} {best[kind]:7.2f} s  {n / best[kind]:9.0f} rows/s")
    print(f"chain overhead: {best['chained'] - best['plain']:+.2f} s ({best['chained'] / best['plain']:.2f}×); "
          f"verify after the chained write: {'OK' if verdict.ok else verdict.problem}, {verdict.entries} entries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--rows", type=int, default=46_666)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    args = parser.parse_args()
    run(args.database_url or "sqlite:////tmp/audit-chain-bench.sqlite3", args.rows, args.rounds, args.reset)


if __name__ == "__main__":
    main()
