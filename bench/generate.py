"""Generate national-scale data for the dashboard benchmark.

    python -m bench.generate --database-url URL [--scale 1.0] [--reset]

At scale 1: 100,000 trainees in the 34 provinces and their communes (read from the localities table, loaded
from the vietnam-provinces package when missing), about 3,500 units, 16 titles, 50 programs of 5 modules
and 8 lessons each, about 250,000 program statuses and 2,000,000 lesson-progress rows. `--scale` multiplies
trainees, statuses and progress rows (programs stay at 50). Rows go in by COPY on PostgreSQL and by
batched executemany on SQLite; progress is printed as it goes.

Accounts made for the benchmarks (password `bench-pass-1`): `bench.admin` (national scope),
`bench.tinh` (the scope of one province), `bench.trainee` (a trainee with programs and progress).
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa

PASSWORD = "bench-pass-1"
BASE_TRAINEES = 100_000
BASE_PROGRESS = 2_000_000
PROGRAMS = 50
MODULES_PER_PROGRAM = 5
LESSONS_PER_MODULE = 8
DEPARTMENTS_PER_PROVINCE = 3

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Đức", "Ngọc", "Thu", "Công", "Xuân", "Hoài"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh", "Lan", "Linh",
         "Long", "Mai", "Minh", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn", "Thảo", "Thắng", "Trang", "Tuấn",
         "Vân", "Việt", "Yến"]

TITLES = [
    ("BENCH-TU-BT", "Bí thư Tỉnh ủy", "province", True),
    ("BENCH-TU-PBT", "Phó Bí thư Tỉnh ủy", "province", True),
    ("BENCH-TU-UVBTV", "Ủy viên Ban Thường vụ Tỉnh ủy", "province", True),
    ("BENCH-TU-UV", "Tỉnh ủy viên", "province", False),
    ("BENCH-SO-GD", "Giám đốc Sở", "province", False),
    ("BENCH-SO-PGD", "Phó Giám đốc Sở", "province", False),
    ("BENCH-BAN-TB", "Trưởng ban Đảng tỉnh", "province", False),
    ("BENCH-XA-BT", "Bí thư Đảng ủy xã", "commune", True),
    ("BENCH-XA-PBT", "Phó Bí thư Đảng ủy xã", "commune", True),
    ("BENCH-XA-CT-HDND", "Chủ tịch Hội đồng nhân dân xã", "commune", True),
    ("BENCH-XA-CT-UBND", "Chủ tịch Ủy ban nhân dân xã", "commune", True),
    ("BENCH-XA-PCT-UBND", "Phó Chủ tịch Ủy ban nhân dân xã", "commune", False),
    ("BENCH-XA-CT-MTTQ", "Chủ tịch Ủy ban Mặt trận Tổ quốc xã", "commune", False),
    ("BENCH-XA-TCA", "Trưởng Công an xã", "commune", False),
    ("BENCH-XA-CHQS", "Chỉ huy trưởng Ban Chỉ huy quân sự xã", "commune", False),
    ("BENCH-CB-BT", "Bí thư chi bộ", "commune", False),
]
TOPICS = ["Chủ nghĩa Mác - Lênin", "Tư tưởng Hồ Chí Minh", "Lịch sử Đảng", "Xây dựng Đảng",
          "Nhà nước và pháp luật", "Quản lý hành chính", "Kinh tế - xã hội", "Quốc phòng, an ninh",
          "Kỹ năng lãnh đạo", "Thực tiễn địa phương"]

LESSON_MD = "\n\n".join(
    f"## Mục {n}\n\nNội dung bài học về quan điểm, đường lối của Đảng, chính sách, pháp luật của Nhà nước "
    "và liên hệ thực tiễn ở địa phương. Học viên đọc kỹ, ghi chép những ý chính và trả lời câu hỏi ôn tập "
    "ở cuối bài. **Trọng tâm**: nắm vững nội dung Nghị quyết 32-NQ/TW và Quy định 145-QĐ/TW."
    for n in range(1, 7)
)


class Progress:
    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.start = label, total, 0, time.perf_counter()

    def step(self, n: int) -> None:
        self.done += n
        elapsed = time.perf_counter() - self.start
        pct = 100.0 * self.done / self.total if self.total else 100.0
        print(f"\r  {self.label:<18} {self.done:>10,} / {self.total:,} ({pct:5.1f} %) {elapsed:7.1f} s",
              end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed else 0
        print(f"\r  {self.label:<18} {self.done:>10,} rows in {elapsed:6.1f} s ({rate:,.0f} rows/s)" + " " * 12,
              file=sys.stderr, flush=True)


class BulkWriter:
    """COPY on PostgreSQL, executemany in batches on SQLite, on one raw connection and one transaction."""

    def __init__(self, engine: sa.Engine):
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.cursor = self.raw.cursor()
        if self.dialect == "sqlite":
            self.cursor.execute("PRAGMA synchronous=OFF")
            self.cursor.execute("PRAGMA cache_size=-200000")
            # The connection hook turns pysqlite's implicit transactions off: one explicit transaction.
            self.cursor.execute("BEGIN")

    def _sqlite_value(self, value):
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def insert(self, table: str, columns: tuple[str, ...], rows, total: int, batch: int = 20_000) -> None:
        progress = Progress(table, total)
        if self.dialect == "postgresql":
            with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                pending = 0
                for row in rows:
                    copy.write_row(row)
                    pending += 1
                    if pending == batch:
                        progress.step(pending)
                        pending = 0
                progress.step(pending)
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            chunk = []
            for row in rows:
                chunk.append(tuple(self._sqlite_value(v) for v in row))
                if len(chunk) == batch:
                    self.cursor.executemany(sql, chunk)
                    progress.step(len(chunk))
                    chunk = []
            if chunk:
                self.cursor.executemany(sql, chunk)
                progress.step(len(chunk))
        progress.close()

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def commit(self) -> None:
        if self.dialect == "sqlite":
            self.cursor.execute("COMMIT")
            self.cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            self.raw.commit()
        self.raw.close()


def _reset(url: str) -> None:
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        path = engine.url.database
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if path and os.path.exists(path + suffix):
                os.remove(path + suffix)
    engine.dispose()


def make_app(url: str):
    from lms import create_app

    # The app refuses to start without a proper key; the benchmark's own processes need no lasting one.
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48)})


def generate(url: str, scale: float = 1.0, seed: int = 20261125, reset: bool = False) -> dict:
    if reset:
        _reset(url)
    app = make_app(url)
    rng = random.Random(seed)
    today = date.today()
    now = datetime.now().replace(microsecond=0)
    with app.app_context():
        from flask_migrate import upgrade

        from lms.accounts.passwords import hash_password
        from lms.extensions import db
        from lms.organisation.models import Locality
        from lms.organisation.services import load_localities

        print("schema: migrating to head", file=sys.stderr)
        upgrade()
        if db.session.scalar(sa.text("SELECT count(*) FROM units WHERE code = 'bench-root'")):
            raise SystemExit("bench data already present: run with --reset to start again")
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Locality)):
            print("localities: loading the 34 provinces and their communes", file=sys.stderr)
            load_localities()
            db.session.commit()
        provinces = db.session.execute(sa.text(
            "SELECT id, name FROM localities WHERE parent_id IS NULL AND valid_to IS NULL ORDER BY code")).all()
        communes: dict[int, list[tuple[int, str]]] = {p.id: [] for p in provinces}
        for row in db.session.execute(sa.text(
                "SELECT id, name, parent_id FROM localities WHERE parent_id IS NOT NULL AND valid_to IS NULL "
                "ORDER BY code")):
            communes.setdefault(row.parent_id, []).append((row.id, row.name))
        password_hash = hash_password(PASSWORD)
        start_ids = {t: (db.session.scalar(sa.text(f"SELECT max(id) FROM {t}")) or 0) + 1 for t in (
            "units", "titles", "programs", "modules", "module_revisions", "lessons", "program_modules",
            "users", "role_grants", "title_assignments", "program_statuses", "lesson_progress")}
        db.session.commit()
        from lms.dashboards import facts, triggers
        from lms.delivery import need_triggers

        # Row-by-row triggers would recompute facts two million times: off for the load, one rebuild after.
        with db.engine.begin() as conn:
            triggers.drop_v1(conn)
            need_triggers.drop_v2(conn)
        writer = BulkWriter(db.engine)
        summary = _write(writer, rng, scale, today, now, provinces, communes, password_hash, start_ids)
        writer.commit()
        started = time.perf_counter()
        with db.engine.begin() as conn:
            count = facts.rebuild(conn)
            triggers.install_v1(conn)
            print(f"  completion_facts   {count:>10,} rows in {time.perf_counter() - started:6.1f} s", file=sys.stderr)
            started = time.perf_counter()
            count = need_triggers.fill(conn)
            need_triggers.install_v2(conn)
            print(f"  training_needs     {count:>10,} rows in {time.perf_counter() - started:6.1f} s", file=sys.stderr)
            if db.engine.dialect.name == "postgresql":
                for table in start_ids:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))")
        print("statistics: ANALYZE", file=sys.stderr)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return summary


def _write(writer, rng, scale, today, now, provinces, communes, password_hash, ids) -> dict:
    # --- units: a national root, one unit per province, its departments, one unit per commune -----------
    units, unit_rows = [], []  # (id, level, province_locality_id)
    uid = ids["units"]
    root_id = uid
    unit_rows.append((root_id, "Ban Tổ chức Trung ương", "bench-root", None, None, f"/{root_id}/", 0))
    uid += 1
    province_units = {}
    for province in provinces:
        pu = uid
        uid += 1
        province_units[province.id] = pu
        unit_rows.append((pu, f"Tỉnh ủy {province.name}", f"bench-p{province.id}", root_id, province.id,
                          f"/{root_id}/{pu}/", 1))
        units.append((pu, "province", province.id))
        for d in range(DEPARTMENTS_PER_PROVINCE):
            du = uid
            uid += 1
            name = ["Ban Tổ chức", "Ban Tuyên giáo và Dân vận", "Sở Nội vụ"][d] + f" {province.name}"
            unit_rows.append((du, name, f"bench-d{du}", pu, province.id, f"/{root_id}/{pu}/{du}/", 2))
            units.append((du, "province", province.id))
        for commune_id, commune_name in communes.get(province.id, []):
            cu = uid
            uid += 1
            unit_rows.append((cu, f"Đảng ủy {commune_name}", f"bench-c{cu}", pu, commune_id,
                              f"/{root_id}/{pu}/{cu}/", 2))
            units.append((cu, "commune", province.id))
    writer.insert("units", ("id", "name", "code", "parent_id", "locality_id", "path", "depth"), unit_rows,
                  len(unit_rows))

    # --- titles and programs -----------------------------------------------------------------------------
    title_ids = {}
    tid = ids["titles"]
    title_rows = []
    for code, name, level, key in TITLES:
        title_ids[code] = (tid, level)
        title_rows.append((tid, code, name, level, None, key))
        tid += 1
    writer.insert("titles", ("id", "code", "name", "level", '"group"', "is_key"), title_rows, len(title_rows))
    by_level = {lvl: [t for t, (i, lv) in title_ids.items() if lv == lvl] for lvl in ("province", "commune")}
    program_rows, program_titles, title_programs = [], [], {t: [] for t in title_ids}
    module_rows, revision_rows, lesson_rows, item_rows = [], [], [], []
    program_lessons: dict[int, list[tuple[int, str, int, int]]] = {}
    pid, mid, rid, lid, iid = ids["programs"], ids["modules"], ids["module_revisions"], ids["lessons"], \
        ids["program_modules"]
    codes = list(title_ids)
    for n in range(PROGRAMS):
        topic = TOPICS[n % len(TOPICS)]
        targets = [codes[n % len(codes)]]
        if n % 3 == 0:
            targets.append(codes[(n * 7 + 3) % len(codes)])
        program_rows.append((pid, f"BENCH-P{n + 1:03d}", f"{topic} — chương trình {n + 1}", "", 0, 40, 24, True,
                             now))
        for code in dict.fromkeys(targets):
            program_titles.append((pid, title_ids[code][0]))
            title_programs[code].append(pid)
        program_lessons[pid] = []
        for k in range(MODULES_PER_PROGRAM):
            module_rows.append((mid, f"BENCH-M{n + 1:03d}-{k + 1}", "self_study", None, now))
            revision_rows.append((rid, mid, 1, f"{topic}: học phần {k + 1}", "", "", "", False, 1, now, now, now))
            item_rows.append((iid, pid, mid, k, True, 60 * (k + 1)))
            iid += 1
            for j in range(LESSONS_PER_MODULE):
                key = f"m{mid}-l{j + 1}"
                lesson_rows.append((lid, rid, key, j, f"Bài {j + 1}: {topic}", LESSON_MD, _html(LESSON_MD), 15))
                program_lessons[pid].append((lid, key, mid, rid))
                lid += 1
            mid += 1
            rid += 1
        pid += 1
    for code in codes:  # every title has at least two programs
        while len(title_programs[code]) < 2:
            extra = program_rows[rng.randrange(len(program_rows))][0]
            if extra not in title_programs[code]:
                title_programs[code].append(extra)
                program_titles.append((extra, title_ids[code][0]))
    writer.insert("programs", ("id", "code", "name", "description", "required_theory_level", "hours",
                               "validity_months", "active", "created_at"), program_rows, len(program_rows))
    writer.insert("program_titles", ("program_id", "title_id"), program_titles, len(program_titles))
    writer.insert("modules", ("id", "code", "kind", "published_revision_id", "created_at"), module_rows,
                  len(module_rows))
    writer.insert("module_revisions", ("id", "module_id", "number", "title", "summary_md", "summary_html",
                                       "change_summary", "requires_restudy", "lock_version", "created_at",
                                       "updated_at", "published_at"), revision_rows, len(revision_rows))
    writer.execute("UPDATE modules SET published_revision_id = (SELECT max(r.id) FROM module_revisions r "
                   "WHERE r.module_id = modules.id) WHERE code LIKE 'BENCH-%'")
    writer.insert("program_modules", ("id", "program_id", "module_id", "position", "required", "due_days"),
                  item_rows, len(item_rows))
    writer.insert("lessons", ("id", "revision_id", "key", "position", "title", "body_md", "body_html",
                              "minutes"), lesson_rows, len(lesson_rows))

    # --- people --------------------------------------------------------------------------------------------
    trainees = max(1, int(BASE_TRAINEES * scale))
    commune_units = [u for u in units if u[1] == "commune"]
    province_level = [u for u in units if u[1] == "province"]
    first_user = ids["users"]
    people = []  # (user_id, unit_id, held title code)
    special = [("bench.admin", "Quản trị toàn quốc", root_id, "admin", root_id),
               ("bench.tinh", "Quản trị cấp tỉnh", province_units[provinces[0].id], "admin",
                province_units[provinces[0].id]),
               ("bench.trainee", "Học viên thử tải", commune_units[0][0], "trainee", None)]

    def user_rows():
        user_id = first_user
        for username, full_name, unit_id, _role, _scope in special:
            yield (user_id, username, full_name, None, password_hash, unit_id, 3, True, 1, "vi", False, now)
            user_id += 1
        for n in range(trainees):
            # Seven in ten cadres work in communes.
            unit = rng.choice(commune_units) if rng.random() < 0.7 else rng.choice(province_level)
            title = rng.choice(by_level[unit[1]])
            people.append((user_id, unit[0], title))
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            yield (user_id, f"cb{n + 1:07d}", name, None, None, unit[0], rng.randint(1, 3), True, 1, "vi", False,
                   now)
            user_id += 1

    columns = ("id", "username", "full_name", "email", "password_hash", "unit_id", "theory_level", "active",
               "session_version", "locale", "is_demo", "created_at")
    writer.insert("users", columns, user_rows(), trainees + len(special))
    trainee_id = first_user + 2
    people.insert(0, (trainee_id, commune_units[0][0], by_level["commune"][0]))

    def grant_rows():
        gid = ids["role_grants"]
        for offset, (_u, _n, _unit, role, scope) in enumerate(special):
            yield (gid, first_user + offset, role, scope)
            gid += 1
        for user_id, _unit, _title in people[1:]:
            yield (gid, user_id, "trainee", None)
            gid += 1

    writer.insert("role_grants", ("id", "user_id", "role", "scope_unit_id"), grant_rows(), len(people) + 2)
    since = date(2025, 7, 1)

    def assignment_rows():
        aid = ids["title_assignments"]
        for user_id, _unit, title in people:
            yield (aid, user_id, title_ids[title][0], "held", since, None)
            aid += 1
            if rng.random() < 0.1:
                planned = rng.choice(codes)
                if planned != title:
                    yield (aid, user_id, title_ids[planned][0], "planned", since, None)
                    aid += 1

    writer.insert("title_assignments", ("id", "user_id", "title_id", "kind", "start_date", "end_date"),
                  assignment_rows(), int(len(people) * 1.1))

    # --- program statuses: each trainee's programs for the title they hold ---------------------------------
    taken: list[list[tuple[int, str]]] = []
    status_count = 0
    for _user_id, _unit, title in people:
        options = title_programs[title]
        chosen = rng.sample(options, k=min(len(options), rng.randint(1, 4)))
        states = []
        for program_id in chosen:
            roll = rng.random()
            states.append((program_id, "completed" if roll < 0.45 else "in_progress" if roll < 0.75 else
                           "not_started"))
        taken.append(states)
        status_count += len(states)

    def status_rows():
        sid = ids["program_statuses"]
        for (user_id, _unit, _title), states in zip(people, taken, strict=True):
            for program_id, state in states:
                started = today - timedelta(days=rng.randint(0, 1000))
                due = started + timedelta(days=180)
                completed_at = None
                done = 0
                if state == "completed":
                    done = MODULES_PER_PROGRAM
                    day = min(today, started + timedelta(days=rng.randint(5, 240)))
                    completed_at = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randint(
                        420, 1260))
                elif state == "in_progress":
                    done = rng.randint(0, MODULES_PER_PROGRAM - 1)
                yield (sid, user_id, program_id, state, MODULES_PER_PROGRAM, done, started, due, completed_at,
                       None, now)
                sid += 1

    writer.insert("program_statuses", ("id", "user_id", "program_id", "state", "required_total",
                                       "required_done", "started_on", "due_on", "completed_at", "valid_until",
                                       "updated_at"), status_rows(), status_count)

    # --- lesson progress: an even share per trainee, from the programs they have gone furthest in ---------
    total_progress = int(BASE_PROGRESS * scale)
    share, extra = divmod(total_progress, len(people))
    order = {"completed": 0, "in_progress": 1, "not_started": 2}

    def progress_rows():
        lpid = ids["lesson_progress"]
        for index, ((user_id, _unit, _title), states) in enumerate(zip(people, taken, strict=True)):
            want = share + (1 if index < extra else 0)
            pool = [lesson for program_id, _s in sorted(states, key=lambda s: order[s[1]])
                    for lesson in program_lessons[program_id]]
            for lesson_id, key, module_id, revision_id in pool[:want]:
                seen = now - timedelta(minutes=rng.randint(10, 500_000))
                yield (lpid, user_id, lesson_id, key, module_id, revision_id, seen, seen, seen,
                       rng.randint(60, 1800))
                lpid += 1

    written = sum(min(share + (1 if i < extra else 0), len(states) * MODULES_PER_PROGRAM * LESSONS_PER_MODULE)
                  for i, states in enumerate(taken))
    writer.insert("lesson_progress", ("id", "user_id", "lesson_id", "lesson_key", "module_id", "revision_id",
                                      "started_at", "last_seen_at", "completed_at", "seconds_spent"),
                  progress_rows(), written)
    return {"units": len(unit_rows), "trainees": trainees, "programs": PROGRAMS,
            "lessons": len(lesson_rows), "program_statuses": status_count, "lesson_progress": written}


def _html(markdown_text: str) -> str:
    from lms.markup import render_markdown

    return str(render_markdown(markdown_text))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required="DATABASE_URL"
                        not in os.environ, help="SQLAlchemy URL of the database to fill (or DATABASE_URL)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplier of trainees and rows (default 1)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = generate(args.database_url, args.scale, args.seed, args.reset)
    print("generated: " + ", ".join(f"{k} {v:,}" for k, v in summary.items())
          + f" in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
