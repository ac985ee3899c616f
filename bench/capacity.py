"""Capacity: how many trainees can study at the same time on this server before pages slow down.

    python -m bench.capacity --database-url URL [--trainees 2500,5000,10000,15000] [--window 60] [--reset]

Serves the app as production does (gunicorn with deploy/gunicorn.conf.py: 2 x cores + 1 sync workers) and,
for each N, drives it with N simulated trainees for a bounded time. Each trainee has its own session and
studies at a realistic pace: the curriculum page on arrival, a lesson page every 45 s (the next lesson of
their program), the lesson page's time-on-task heartbeat every 30 s, "mark complete" every 10 minutes, and
a quiz every 30 minutes (start, the attempt page, submit). Arrivals are spread over the ramp (45 s); what is
measured is every request due in the window that follows it.

The load comes from Debian's `wrk` with bench/capacity.lua: a C event loop whose Lua script keeps every
trainee's schedule and times each request from the moment it was due (open loop, so a slow server shows as
latency, not as fewer requests). It costs the machine a few per cent of a core at these rates, where a
Python load generator would take a large share of the two cores it shares with the server.

Prints, per N: requests per second, p50/p95/p99 per kind of request, errors, the server's CPU (cores busy:
gunicorn's processes, and the PostgreSQL server's when it is the database) and memory (the sum of the
workers' proportional set sizes, so shared pages count once), and the load generator's CPU; then the
largest N with p95 < 300 ms for every kind and no error.

Trainees come from `python -m bench.generate` (run with --reset here, at the scale the largest N needs);
their sessions are made with the server's secret key, as signing in 15,000 people one by one would take
longer than the benchmark. Every module of the generated programs gets a quiz of five questions.
"""
from __future__ import annotations

import argparse
import math
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.throughput import ROOT, USER_AGENT, WRK, free_port, sign_in, start_gunicorn, stop

LUA = Path(__file__).with_name("capacity.lua")
TARGET_P95_MS = 300
KINDS = ("curriculum", "lesson", "heartbeat", "complete", "quiz_start", "quiz_page", "quiz_submit")
PER_TRAINEE_RATE = 1 / 45 + 1 / 30 + 1 / 600 + 3 / 1800  # requests a second
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def prepare(url: str, trainees: int, reset: bool) -> None:
    from bench.generate import BASE_TRAINEES, generate, make_app

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            present = conn.exec_driver_sql("SELECT count(*) FROM units WHERE code = 'bench-root'").scalar()
    except sa.exc.DBAPIError:
        present = 0
    engine.dispose()
    if reset or not present:
        scale = max(0.05, math.ceil(trainees * 1.05 / BASE_TRAINEES * 100) / 100)
        generate(url, scale=scale, reset=True)
    app = make_app(url)
    with app.app_context():
        _add_quizzes()


def _add_quizzes() -> None:
    from lms.extensions import db
    from lms.learning.models import QuestionKind, Quiz, QuizChoice, QuizQuestion

    modules = db.session.scalars(sa.text(
        "SELECT m.id FROM modules m JOIN program_modules pm ON pm.module_id = m.id "
        "WHERE m.published_revision_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM quizzes q WHERE q.module_id = m.id) "
        "GROUP BY m.id ORDER BY m.id")).all()
    for module_id in modules:
        quiz = Quiz(module_id=module_id, title="Kiểm tra cuối chuyên đề", pass_percent=60)
        for n in range(1, 6):
            question = QuizQuestion(position=n, kind=QuestionKind.SINGLE, title=f"Câu {n}",
                                    text=f"Câu hỏi ôn tập số {n}: nội dung nào đúng với tinh thần bài học?")
            question.choices = [QuizChoice(position=i, text=f"Phương án {i}", weight=1.0 if i == 1 else 0.0)
                                for i in range(1, 5)]
            quiz.questions.append(question)
        db.session.add(quiz)
    db.session.commit()
    if modules:
        print(f"quizzes: {len(modules)} added", file=sys.stderr)


def study_plan(url: str, count: int) -> tuple[list[tuple[int, str, int]], list[dict]]:
    """The first `count` generated trainees with a program: (user id, session id, program index), and each
    program's published lessons in order with its modules."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        people = conn.execute(sa.text(
            "SELECT u.id, u.session_version, min(ps.program_id) AS program_id FROM users u "
            "JOIN program_statuses ps ON ps.user_id = u.id "
            "JOIN role_grants rg ON rg.user_id = u.id AND rg.role = 'trainee' "
            "GROUP BY u.id, u.session_version ORDER BY u.id LIMIT :n"), {"n": count}).all()
        lessons = conn.execute(sa.text(
            "SELECT pm.program_id, pm.module_id, l.id FROM program_modules pm "
            "JOIN modules m ON m.id = pm.module_id JOIN lessons l ON l.revision_id = m.published_revision_id "
            "ORDER BY pm.program_id, pm.position, l.position")).all()
    engine.dispose()
    programs: dict[int, dict] = {}
    for program_id, module_id, lesson_id in lessons:
        program = programs.setdefault(program_id, {"lessons": [], "modules": []})
        program["lessons"].append(lesson_id)
        if module_id not in program["modules"]:
            program["modules"].append(module_id)
    index = {program_id: i + 1 for i, program_id in enumerate(programs)}
    if len(people) < count:
        raise SystemExit(f"only {len(people)} generated trainees have a program; run with --reset")
    return [(p.id, f"{p.id}.{p.session_version}", index[p.program_id]) for p in people], list(programs.values())


def forge_sessions(secret_key: str, template_cookie: str, people) -> tuple[str, str, list[str]]:
    """Session cookies for every trainee: the signed-in template's session with another user in it."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface
    from flask_wtf.csrf import generate_csrf

    app = Flask("capacity")
    app.secret_key = secret_key
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    template = serializer.loads(template_cookie)
    with app.test_request_context():
        from flask import session

        session.update(template)
        token = generate_csrf()  # the signed form of the template session's raw token
    cookies = [serializer.dumps({**template, "_user_id": session_id}) for _id, session_id, _p in people]
    return app.config["SESSION_COOKIE_NAME"], token, cookies


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_data(path: Path, *, cookie_name, csrf, people, cookies, programs, threads, start, ramp, window,
               lessons_per_module) -> None:
    with path.open("w") as out:
        out.write("return {\n")
        out.write(f"cookie_name = {lua_string(cookie_name)}, csrf = {lua_string(csrf)},\n")
        out.write(f"user_agent = {lua_string(USER_AGENT)}, threads = {threads}, start = {start:.3f}, "
                  f"ramp = {ramp}, window = {window}, lessons_per_module = {lessons_per_module},\n")
        out.write("programs = {\n")
        for program in programs:
            out.write(f"{{lessons = {{{','.join(map(str, program['lessons']))}}}, "
                      f"modules = {{{','.join(map(str, program['modules']))}}}}},\n")
        out.write("},\ntrainees = {\n")
        for (_id, _sid, program), cookie in zip(people, cookies, strict=True):
            out.write(f"{{cookie = {lua_string(cookie)}, program = {program}}},\n")
        out.write("}}\n")


def _processes(group: int | None = None, name: str | None = None) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if (group is not None and int(fields[2]) == group) or (name is not None and comm == name):
            found.append(int(entry))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def _pss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def percentile(histogram: dict[int, int], fraction: float) -> float:
    total = sum(histogram.values())
    if not total:
        return float("nan")
    rank, seen = fraction * total, 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= rank:
            return float(ms)
    return float(max(histogram))


def parse(output: str) -> dict:
    result = {"hist": {}, "errors": {}, "sent": {}, "socket": [0, 0, 0, 0]}
    for line in output.splitlines():
        if not line.startswith("CAPACITY "):
            continue
        parts = line.split()
        if parts[1] == "incomplete":
            result["incomplete"] = result.get("incomplete", 0) + 1
            continue
        if parts[1] == "socket":
            result["socket"] = [int(x) for x in parts[2:6]]
            continue
        table, kind = result[parts[1]].setdefault(parts[2], {}), parts[2]
        for pair in parts[3].split(",") if len(parts) > 3 else []:
            key, n = pair.split(":")
            table[key] = table.get(key, 0) + int(n)
        result[parts[1]][kind] = table
    return result


def run_one(base: str, data_path: Path, trainees: int, threads: int, ramp: int, window: int,
            server: subprocess.Popen, database: str) -> dict:
    duration = ramp + window + 8
    env = {**os.environ, "CAPACITY_DATA": str(data_path)}
    group = _processes(group=server.pid)
    postgres = _processes(name="postgres") if database == "postgresql" else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk = subprocess.Popen([WRK, f"-t{threads}", f"-c{threads}", f"-d{duration}s", "--timeout", "10s",
                            "-s", str(LUA), base], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    time.sleep(2 + ramp)  # the data file's start is two seconds from when it was written
    cpu_start, pg_start, t0 = _cpu_seconds(group), _cpu_seconds(postgres), time.monotonic()
    pss = []
    while time.monotonic() - t0 < window:
        time.sleep(min(5, max(0.1, window - (time.monotonic() - t0))))
        pss.append(_pss_mib(_processes(group=server.pid)))
    elapsed = time.monotonic() - t0
    cpu = (_cpu_seconds(_processes(group=server.pid)) - cpu_start) / elapsed
    pg_cpu = (_cpu_seconds(postgres) - pg_start) / elapsed if postgres else None
    output, _ = wrk.communicate(timeout=duration + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / duration
    result = parse(output)
    if not result["hist"]:
        raise SystemExit(f"wrk reported nothing:\n{output[-3000:]}")
    if result.get("incomplete"):
        print(f"  ({result['incomplete']} wrk threads had no answer at all in the window)")
    kinds = {}
    for kind in KINDS:
        hist = {int(k): n for k, n in result["hist"].get(kind, {}).items()}
        answered = sum(hist.values())
        unanswered = max(0, sum(result["sent"].get(kind, {}).values()) - answered)
        statuses = dict(result["errors"].get(kind, {}))
        if unanswered:
            statuses["no answer"] = unanswered
        errors = sum(statuses.values())
        kinds[kind] = {"n": answered, "p50": percentile(hist, 0.5), "p95": percentile(hist, 0.95),
                       "p99": percentile(hist, 0.99), "errors": errors,
                       "statuses": statuses}
    requests = sum(k["n"] for k in kinds.values())
    socket_errors = sum(result["socket"])
    errors = sum(k["errors"] for k in kinds.values()) + socket_errors
    worst = max(k["p95"] for k in kinds.values() if k["n"])
    if result.get("incomplete"):
        errors += result["incomplete"]
    return {"trainees": trainees, "rps": requests / window, "kinds": kinds, "errors": errors,
            "socket": result["socket"], "cpu": cpu, "pg_cpu": pg_cpu, "pss": max(pss) if pss else 0.0,
            "wrk_cpu": wrk_cpu, "worst_p95": worst, "ok": errors == 0 and worst < TARGET_P95_MS}


def report(r: dict) -> None:
    pg = f", PostgreSQL {r['pg_cpu']:.2f} cores" if r["pg_cpu"] is not None else ""
    print(f"\nN = {r['trainees']:,} trainees: {r['rps']:.0f} req/s (expected {r['trainees'] * PER_TRAINEE_RATE:.0f}), "
          f"errors {r['errors']} (socket connect/read/write/timeout {r['socket']}); "
          f"server CPU {r['cpu']:.2f} cores{pg}, workers' PSS {r['pss']:.0f} MiB; wrk {r['wrk_cpu']:.2f} cores; "
          f"{'OK' if r['ok'] else 'OVER'}")
    print(f"  {'kind':<12} {'requests':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}")
    for kind, k in r["kinds"].items():
        if k["n"]:
            statuses = f"  {k['statuses']}" if k["statuses"] else ""
            print(f"  {kind:<12} {k['n']:>9,} {k['p50']:>7.0f} {k['p95']:>7.0f} {k['p99']:>7.0f} {k['errors']:>7}"
                  f"{statuses}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required="DATABASE_URL" not in os.environ)
    parser.add_argument("--trainees", default="2500,5000,10000,15000",
                        help="comma-separated numbers of trainees studying at once")
    parser.add_argument("--window", type=int, default=60, help="seconds measured after the ramp (default 60)")
    parser.add_argument("--ramp", type=int, default=45, help="seconds over which trainees arrive (default 45)")
    parser.add_argument("--threads", type=int, default=16, help="wrk threads, one connection each")
    parser.add_argument("--reset", action="store_true", help="generate the trainees again")
    args = parser.parse_args(argv)
    if not os.path.exists(WRK):
        raise SystemExit("wrk is missing: apt-get install wrk")
    counts = sorted(int(n) for n in args.trainees.split(","))
    database = sa.engine.make_url(args.database_url).get_backend_name()
    prepare(args.database_url, counts[-1], args.reset)
    people, programs = study_plan(args.database_url, counts[-1])
    lessons_per_module = max(1, round(statistics.mean(len(p["lessons"]) / len(p["modules"]) for p in programs)))

    from bench.generate import PASSWORD

    secret_key = secrets.token_urlsafe(48)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": secret_key,
           "LMS_BIND": f"127.0.0.1:{port}"}
    env.pop("LMS_WORKERS", None)
    server = start_gunicorn("wsgi:app", port, env, 0, wait=90,
                            arguments=["--config", str(ROOT / "deploy" / "gunicorn.conf.py")])
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        _opener, cookie = sign_in(base, "bench.trainee", PASSWORD)
        template = dict(part.split("=", 1) for part in cookie.split("; "))
        workers = len(_processes(group=server.pid)) - 1
        print(f"database: {database}; gunicorn: deploy/gunicorn.conf.py, {workers} sync workers; "
              f"wrk: {args.threads} threads, one connection each; ramp {args.ramp} s, window {args.window} s")
        with tempfile.TemporaryDirectory() as folder:
            for count in counts:
                chosen = people[:count]
                name, csrf, cookies = forge_sessions(secret_key, template[_cookie_name()], chosen)
                data = Path(folder) / f"trainees-{count}.lua"
                write_data(data, cookie_name=name, csrf=csrf, people=chosen, cookies=cookies, programs=programs,
                           threads=args.threads, start=time.time() + 2, ramp=args.ramp, window=args.window,
                           lessons_per_module=lessons_per_module)
                result = run_one(base, data, count, args.threads, args.ramp, args.window, server, database)
                report(result)
                results.append(result)
                time.sleep(5)  # let the last requests of one run finish before the next begins
    finally:
        stop(server)
    passing = [r["trainees"] for r in results if r["ok"]]
    print(f"\nlargest N with p95 < {TARGET_P95_MS} ms for every kind and no error: "
          f"{max(passing):,}" if passing else f"\nno N met p95 < {TARGET_P95_MS} ms with no error")
    return 0 if passing else 1


def _cookie_name() -> str:
    from flask import Flask

    return Flask("capacity").config["SESSION_COOKIE_NAME"]


if __name__ == "__main__":
    sys.exit(main())
