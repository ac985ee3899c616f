"""Long imports against live web writers: a 20,000-user CSV import and an 800-module content import.

    python -m bench.imports --database-url URL [--users 20000] [--modules 800] [--writers 8] [--reset]

Fills the database with a small base (units, the bench titles, a module with lessons, 8 trainee accounts
and an admin), starts gunicorn on the same database (port 5160 by default) and keeps 8 signed-in trainees
writing through real HTTP requests (the lesson page's time-on-task beat, a POST that updates their lesson
progress) while each import runs in a child process, exactly as `flask lms import-users` and
`flask lms content import` do (check, write, one commit). The content set (800 modules of 4 lessons, 40
programs of 20 modules, each aimed at one title as title-based curricula are: the first 16 at the 16 bench
titles the CSV uses, the others at central-level titles nobody in it holds; 20 documents) is generated
into a temporary folder; the CSV gives every user a held title, and one in three a planned one, so the user
import also creates about 27,000 program statuses.

Per import it prints the web writes that failed (any answer but 200, or none), the longest time the
import held the write lock (SQLite: from its BEGIN IMMEDIATE to its COMMIT; PostgreSQL: the longest
writing transaction), the import's wall time and its peak memory (RSS of the child process). Targets:
no failed write, lock < 5 s, the user import < 60 s. The exit status is 1 when one is missed.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bench.generate import GIVEN, LESSON_MD, MIDDLE, PASSWORD, SURNAMES, TITLES, TOPICS, _reset, make_app
from bench.throughput import USER_AGENT, start_gunicorn, stop

ROOT = Path(__file__).resolve().parent.parent
PROVINCES, COMMUNES_PER_PROVINCE = 34, 5
LESSONS_PER_MODULE, MODULES_PER_PROGRAM, DOCUMENTS = 4, 20, 20
WRITER_MODULE = "BENCH-WRITERS"
TARGET_LOCK_S, TARGET_USERS_S = 5.0, 60.0


# --- data ----------------------------------------------------------------------------------------------------

def _front(fields: dict, body: str) -> str:
    return "---\n" + json.dumps(fields, ensure_ascii=False, indent=1) + "\n---\n" + body + "\n"


# Titles of the central level, held by nobody in the CSV: the programs beyond the 16th are aimed at them.
CENTRAL_TITLES = [(f"BENCH-TW-{n:02d}", f"Chức danh cấp Trung ương {n}", "central", False) for n in range(1, 25)]


def write_titles(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "titles.yaml").write_text(json.dumps(
        [{"code": code, "name": name, "level": level, "is_key": key}
         for code, name, level, key in TITLES + CENTRAL_TITLES], ensure_ascii=False, indent=1), encoding="utf-8")


def write_module(folder: Path, code: str, title: str, lessons: int, documents=()) -> None:
    path = folder / "modules" / code
    path.mkdir(parents=True)
    fields = {"code": code, "kind": "self_study", "title": title}
    if documents:
        fields["documents"] = list(documents)
    (path / "_module.md").write_text(_front(fields, f"Giới thiệu học phần {title}."), encoding="utf-8")
    for n in range(1, lessons + 1):
        (path / f"{n:02d}-bai-{n}.md").write_text(
            _front({"key": f"bai-{n}", "title": f"Bài {n}: {title}", "minutes": 30}, LESSON_MD), encoding="utf-8")


def generate_content(folder: Path, modules: int, seed: int = 7) -> None:
    """The content set the benchmark imports: `modules` modules, their programs, documents, the titles."""
    rng = random.Random(seed)
    write_titles(folder)
    (folder / "documents").mkdir()
    codes = []
    for n in range(1, DOCUMENTS + 1):
        code = f"{n}-NQ/BENCH"
        codes.append(code)
        (folder / "documents" / f"nq-{n}.md").write_text(_front({
            "code": code, "kind": "resolution", "number": str(n), "issuer": "Ban Chấp hành Trung ương",
            "issued_on": f"20{10 + n % 15}-0{1 + n % 9}-1{n % 9}", "title": f"Nghị quyết số {n} về {TOPICS[n % 10]}",
        }, f"Tóm tắt nghị quyết số {n}."), encoding="utf-8")
    module_codes = []
    for n in range(1, modules + 1):
        code = f"BIMP-{n:04d}"
        module_codes.append(code)
        write_module(folder, code, f"{TOPICS[n % len(TOPICS)]} ({n})", LESSONS_PER_MODULE,
                     rng.sample(codes, 2))
    (folder / "programs").mkdir()
    for p in range(0, modules, MODULES_PER_PROGRAM):
        n = p // MODULES_PER_PROGRAM + 1
        items = [{"module": code, "due_days": 30 + 15 * (i % 6)}
                 for i, code in enumerate(module_codes[p:p + MODULES_PER_PROGRAM])]
        (folder / "programs" / f"bimp-{n}.md").write_text(_front({
            "code": f"BIMP-P{n:02d}", "name": f"Chương trình bồi dưỡng số {n}",
            "titles": [(TITLES + CENTRAL_TITLES)[(n - 1) % 40][0]], "modules": items, "validity_months": 24,
        }, f"Mô tả chương trình số {n}."), encoding="utf-8")


def unit_codes() -> list[str]:
    return [f"BENCH-P{p:02d}-X{c}" for p in range(1, PROVINCES + 1) for c in range(1, COMMUNES_PER_PROVINCE + 1)]


def generate_users_csv(path: Path, users: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    units = unit_codes()
    title_codes = [code for code, *_rest in TITLES]
    lines = ["username,full_name,unit_code,email,theory_level,titles_held,titles_planned"]
    for n in range(1, users + 1):
        held = f"{rng.choice(title_codes)}:{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2025)}"
        planned = f"{rng.choice(title_codes)}:01/01/2026" if n % 3 == 0 else ""
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        lines.append(f"bench.u{n:05d},{name},{rng.choice(units)},u{n}@bench.vn,{rng.randint(0, 3)},{held},{planned}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def seed(url: str, writers: int, folder: Path) -> None:
    """Schema, units, titles, the writers' module and program, the writers and an admin."""
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from lms.accounts import services as accounts
        from lms.accounts.models import AssignmentKind, Role
        from lms.content.importer import import_content
        from lms.extensions import db
        from lms.organisation import services as organisation
        from lms.organisation.models import Title

        upgrade()
        if db.session.scalar(sa.text("SELECT count(*) FROM units WHERE code = 'BENCH-ROOT'")):
            raise SystemExit("bench data already present: run with --reset to start again")
        write_titles(folder)
        write_module(folder, WRITER_MODULE, "Học phần của người ghi", 8)
        (folder / "programs").mkdir()
        (folder / "programs" / "writers.md").write_text(_front({
            "code": "BENCH-WRITERS", "name": "Chương trình của người ghi", "titles": [TITLES[0][0]],
            "modules": [{"module": WRITER_MODULE}]}, ""), encoding="utf-8")
        import_content(folder)
        db.session.commit()
        root = organisation.create_unit(None, name="Bench", parent=None, code="BENCH-ROOT")
        communes = []
        for p in range(1, PROVINCES + 1):
            province = organisation.create_unit(None, name=f"Tỉnh {p}", parent=root, code=f"BENCH-P{p:02d}")
            communes += [organisation.create_unit(None, name=f"Xã {c} tỉnh {p}", parent=province,
                                                  code=f"BENCH-P{p:02d}-X{c}")
                         for c in range(1, COMMUNES_PER_PROVINCE + 1)]
        accounts.create_user(None, username="bench.admin", full_name="Quản trị Bench", unit=root, password=PASSWORD,
                             roles={Role.ADMIN}, admin_scope_unit=root)
        title = db.session.scalar(sa.select(Title).where(Title.code == TITLES[0][0]))
        for n in range(writers):
            user = accounts.create_user(None, username=f"bench.writer{n}", full_name=f"Người ghi {n}",
                                        unit=communes[n], password=PASSWORD, roles={Role.TRAINEE})
            accounts.assign_title(None, user, title, AssignmentKind.HELD, date(2025, 7, 1))
        db.session.commit()


# --- the web writers -----------------------------------------------------------------------------------------

class Writer(threading.Thread):
    """A signed-in trainee on a lesson page: one time-on-task beat (a POST that writes) after another."""

    def __init__(self, base: str, username: str, pause: float):
        super().__init__(daemon=True)
        self.base, self.pause = base, pause
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]
        page = self.opener.open(f"{base}/sign-in", timeout=120).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": PASSWORD}).encode()
        self.opener.open(f"{base}/sign-in", data=body, timeout=120).read()
        self.lesson_url = self._lesson_url()
        page = self.opener.open(self.base + self.lesson_url, timeout=120).read().decode()  # records the view
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        self.beat_url = self.base + re.search(r'data-heartbeat-url="([^"]+)"', page).group(1)
        self.counting = threading.Event()
        self.stopping = threading.Event()
        self.ok = self.failed = 0
        self.slowest = 0.0
        self.errors: list[str] = []

    def _lesson_url(self) -> str:
        page = self.opener.open(f"{self.base}/my/curriculum", timeout=120).read().decode()
        module = re.search(r'href="(/modules/\d+)"', page).group(1)
        page = self.opener.open(self.base + module, timeout=120).read().decode()
        return re.search(r'href="(/lessons/\d+)"', page).group(1)

    def beat(self) -> bool:
        request = urllib.request.Request(self.beat_url, data=b"", method="POST",
                                         headers={"X-CSRFToken": self.token})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                response.read()
                ok = response.status == 200
                if not ok:
                    self.errors.append(f"HTTP {response.status}")
        except (urllib.error.URLError, OSError) as failed:
            ok = False
            self.errors.append(str(getattr(failed, "code", failed)))
        if self.counting.is_set():
            self.slowest = max(self.slowest, time.perf_counter() - started)
            if ok:
                self.ok += 1
            else:
                self.failed += 1
        return ok

    def run(self) -> None:
        while not self.stopping.is_set():
            self.beat()
            time.sleep(self.pause)


# --- one import in a child process ---------------------------------------------------------------------------

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|WITH)\b", re.IGNORECASE)


def child(kind: str, path: str, url: str) -> None:
    """Run one import as the command line does, timing its write lock; print the figures as JSON."""
    app = make_app(url)
    with app.app_context():
        from lms.extensions import db

        engine = db.engine
        locks: list[float] = []
        starts: list[float] = []  # when the last writing transaction began, to count its COMMIT too

        def on_statement(conn, _cursor, statement, *_args):
            if statement.startswith("BEGIN IMMEDIATE"):
                conn.info["bench_lock"] = time.perf_counter()
            elif engine.dialect.name == "postgresql" and _WRITE.match(statement):
                conn.info.setdefault("bench_lock", conn.info.get("bench_begin", time.perf_counter()))

        def on_begin(conn):
            conn.info["bench_begin"] = time.perf_counter()

        def on_end(conn):
            started = conn.info.pop("bench_lock", None)
            if started is not None:
                # On PostgreSQL the whole writing transaction counts, from its BEGIN.
                locks.append(time.perf_counter() - started)
                starts[-1:] = [started]

        sa.event.listen(engine, "before_cursor_execute", on_statement)
        sa.event.listen(engine, "begin", on_begin)
        sa.event.listen(engine, "commit", on_end)
        sa.event.listen(engine, "rollback", on_end)
        started = time.perf_counter()
        if kind == "users":
            from lms.accounts.importing import import_users

            report = import_users(None, Path(path).read_bytes())
            summary = f"{report.created} created, {report.titles_added} titles"
        else:
            from lms.content.importer import import_content, index_imported

            report = import_content(path)
            summary = report.summary()
        committed = len(locks)
        db.session.commit()
        if len(locks) > committed:
            # The "commit" event comes before the COMMIT itself, whose work (SQLite's write to disk, PostgreSQL's
            # deferred triggers) holds the lock too.
            locks[-1] = time.perf_counter() - starts[-1]
        if kind != "users":
            index_imported(report)  # as the command line does: the search terms after the commit
        wall = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "lock": max(locks, default=0.0), "locks": len(locks), "rss_mib": rss,
                      "summary": summary}))


def run_import(kind: str, path: Path, url: str, writers: list[Writer]) -> dict:
    for w in writers:
        w.ok = w.failed = 0
        w.slowest = 0.0
        w.errors.clear()
        w.counting.set()
    time.sleep(1.0)  # the writers are going before the import starts
    result = subprocess.run([sys.executable, "-m", "bench.imports", "--child", kind, str(path),
                             "--database-url", url], cwd=ROOT, capture_output=True, text=True)
    time.sleep(1.0)
    for w in writers:
        w.counting.clear()
    if result.returncode != 0:
        raise SystemExit(f"{kind} import failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["ok"] = sum(w.ok for w in writers)
    figures["failed"] = sum(w.failed for w in writers)
    figures["slowest"] = max(w.slowest for w in writers)
    figures["errors"] = sorted({e for w in writers for e in w.errors})[:5]
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required="DATABASE_URL" not in os.environ)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--modules", type=int, default=800)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds each writer waits between writes")
    parser.add_argument("--port", type=int, default=5160)
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.database_url)
        return 0
    if args.reset:
        _reset(args.database_url)
    dialect = sa.make_url(args.database_url).get_backend_name()
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        tmp = Path(tmp)
        print(f"database: {dialect}; seeding", file=sys.stderr)
        seed(args.database_url, args.writers, tmp / "seed")
        csv_path = tmp / "users.csv"
        generate_users_csv(csv_path, args.users)
        generate_content(tmp / "content", args.modules)
        env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": secrets.token_urlsafe(48)}
        server = start_gunicorn("wsgi:app", args.port, env, args.workers)
        try:
            base = f"http://127.0.0.1:{args.port}"
            writers = [Writer(base, f"bench.writer{n}", args.pause) for n in range(args.writers)]
            for w in writers:
                w.start()
            results = {
                f"content: {args.modules} modules": run_import("content", tmp / "content", args.database_url, writers),
                f"users: {args.users:,} with titles": run_import("users", csv_path, args.database_url, writers),
            }
            for w in writers:
                w.stopping.set()
        finally:
            stop(server)
    print(f"database: {dialect}; {args.writers} web writers (gunicorn, {args.workers} sync workers), "
          f"{args.pause * 1000:.0f} ms between one writer's requests; load average now "
          f"{os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    print(f"{'import':<28} {'wall s':>7} {'lock s':>7} {'RSS MiB':>8} {'writes ok':>10} {'failed':>7} "
          f"{'slowest s':>10}")
    met = True
    for name, r in results.items():
        print(f"{name:<28} {r['wall']:>7.1f} {r['lock']:>7.2f} {r['rss_mib']:>8.0f} {r['ok']:>10} {r['failed']:>7} "
              f"{r['slowest']:>10.2f}   ({r['summary']})")
        if r["errors"]:
            print(f"  failures: {', '.join(r['errors'])}")
        met &= r["failed"] == 0 and r["lock"] < TARGET_LOCK_S
        if name.startswith("users"):
            met &= r["wall"] < TARGET_USERS_S
    print(f"targets (no failed write, lock < {TARGET_LOCK_S:.0f} s, users < {TARGET_USERS_S:.0f} s): "
          f"{'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
