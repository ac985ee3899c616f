"""Page throughput: the lesson page for a signed-in trainee against a bare Flask page of the same size.

    python -m bench.throughput --database-url URL [--duration 10] [--connections 8]

Starts two gunicorn servers with 2 sync workers each on free loopback ports: the LMS (wsgi:app) and
bench/bare_app.py, which renders one Jinja template producing as many bytes as the lesson page. Signs in as
`bench.trainee` (made by `python -m bench.generate`), then drives each server in turn with Debian's `wrk`
for a bounded time and prints requests per second, p50 and p99 latency and the ratio of the two.

The lesson page is `curriculum.lesson_page` (/lessons/<id>) when the app has it; until then the trainee's
home page stands in, and the output says so.

`--floor` then serves bench/floor_app.py (the LMS app with two yardstick pages) and measures the lesson page,
the plain floor and the signed-in floor in turn, `--rounds` times on the same server, so that a machine
whose speed drifts from one minute to the next (a shared host) slows all three alike; the target (the lesson
page at >= 50 % of the signed-in floor) is judged on the medians, and the exit status is 1 when it is missed.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"
TARGET_RATIO = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict, workers: int, *, arguments: list[str] | None = None,
                   wait: float = 30) -> subprocess.Popen:
    """gunicorn serving `app` on 127.0.0.1:port (or with `arguments` instead of the default ones), once it
    accepts connections."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    if arguments is None:
        arguments = ["--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    # The app logs a line per request on stderr: into a file, since a pipe nobody reads fills up and then
    # blocks every worker.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the server runs; closed with the process)
    process = subprocess.Popen(
        [gunicorn, *arguments, app], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"gunicorn {app} exited: {log.read().decode()[-2000:]}") from None
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn {app} did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


# One browser for the whole session: Flask-Login's session protection ties the session to the user agent, and
# a request from another one marks it not fresh (a changed cookie on every response).
USER_AGENT = "Mozilla/5.0 (Linux; Android 14) bench.throughput"


def sign_in(base: str, username: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/sign-in").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    opener.open(f"{base}/sign-in", data=body).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookie:
        raise SystemExit(f"could not sign in as {username}")
    return opener, cookie


def lesson_path(database_url: str, username: str) -> tuple[str, str]:
    """The lesson page URL for the trainee (or the stand-in), and a description of it."""
    from bench.generate import make_app

    app = make_app(database_url)
    if "curriculum.lesson_page" not in app.view_functions:
        return "/", "trainee home page (stand-in: curriculum.lesson_page is not in this build)"
    import sqlalchemy as sa

    from lms.extensions import db

    with app.app_context():
        lesson_id = db.session.scalar(sa.text(
            "SELECT lp.lesson_id FROM lesson_progress lp JOIN users u ON u.id = lp.user_id "
            "WHERE u.username = :u ORDER BY lp.id LIMIT 1"), {"u": username})
    return f"/lessons/{lesson_id}", f"lesson page /lessons/{lesson_id}"


def run_wrk(url: str, duration: int, connections: int, threads: int, cookie: str | None) -> dict:
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "errors": int(errors.group(1)) if errors else 0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required="DATABASE_URL" not in os.environ)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --floor: rounds of the lesson page and the two floor pages in turn (default 3)")
    parser.add_argument("--floor", action="store_true",
                        help="also serve the bare template from the LMS app, plain and to the signed-in trainee "
                             "(bench/floor_app.py): where the cost of any LMS page begins")
    args = parser.parse_args(argv)
    if not os.path.exists(WRK):
        raise SystemExit("wrk is missing: apt-get install wrk")

    from bench.generate import PASSWORD

    path, described = lesson_path(args.database_url, "bench.trainee")
    env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": secrets.token_urlsafe(48)}
    lms_port, bare_port = free_port(), free_port()
    lms = start_gunicorn("wsgi:app", lms_port, env, args.workers)
    bare = None
    try:
        base = f"http://127.0.0.1:{lms_port}"
        opener, cookie = sign_in(base, "bench.trainee", PASSWORD)
        response = opener.open(base + path)
        if response.status != 200 or response.geturl() != base + path:
            raise SystemExit(f"{path} did not answer 200 to the signed-in trainee")
        size = len(response.read())
        bare = start_gunicorn("bench.bare_app:app", bare_port, {**env, "BENCH_BARE_BYTES": str(size)},
                              args.workers)
        bare_size = len(urllib.request.urlopen(f"http://127.0.0.1:{bare_port}/page").read())
        print(f"page under test: {described}, {size:,} bytes; bare page {bare_size:,} bytes")
        print(f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} s each; "
              f"gunicorn: {args.workers} sync workers each")
        rounds: dict[str, list[dict]] = {}
        results = {
            "lesson page": run_wrk(base + path, args.duration, args.connections, args.threads, cookie),
            "bare Flask page": run_wrk(f"http://127.0.0.1:{bare_port}/page", args.duration, args.connections,
                                       args.threads, None),
        }
        if args.floor:
            stop(lms)
            lms = start_gunicorn("bench.floor_app:app", lms_port, {**env, "BENCH_BARE_BYTES": str(size)},
                                 args.workers)
            _opener, cookie = sign_in(base, "bench.trainee", PASSWORD)
            pages = (("lesson page", path, cookie), ("LMS app, plain", "/bench/floor/plain", None),
                     ("LMS app, signed in", "/bench/floor/signed-in", cookie))
            for _page, page_path, page_cookie in pages:  # warm each page's caches before the first round
                run_wrk(base + page_path, 2, args.connections, args.threads, page_cookie)
            for _round in range(args.rounds):
                for page, page_path, page_cookie in pages:
                    rounds.setdefault(page, []).append(
                        run_wrk(base + page_path, args.duration, args.connections, args.threads, page_cookie))
    finally:
        stop(lms)
        if bare is not None:
            stop(bare)
    bare_rps = results["bare Flask page"]["rps"]
    print(f"{'page':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'/ bare':>7}")
    for name, r in results.items():
        print(f"{name:<20} {r['rps']:>8.1f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>7} "
              f"{r['rps'] / bare_rps:>7.2f}")
    ratio = results["lesson page"]["rps"] / bare_rps
    print(f"ratio lesson / bare: {ratio:.2f} (the bare page is where any Flask page begins; no target)")
    if not rounds:
        return 0 if not any(r["errors"] for r in results.values()) else 1
    print(f"\nOn the LMS app with the floor pages (bench/floor_app.py), {args.rounds} rounds of the three pages in "
          f"turn, {args.duration} s each:")
    print(f"{'page':<20} {'req/s in each round':>30} {'median':>8} {'errors':>7}")
    medians = {}
    for page, runs in rounds.items():
        medians[page] = statistics.median(r["rps"] for r in runs)
        each_round = " ".join(f"{r['rps']:>8.1f}" for r in runs)
        print(f"{page:<20} {each_round:>30} {medians[page]:>8.1f} {sum(r['errors'] for r in runs):>7}")
    floor = medians["lesson page"] / medians["LMS app, signed in"]
    each = [lesson["rps"] / signed["rps"]
            for lesson, signed in zip(rounds["lesson page"], rounds["LMS app, signed in"], strict=True)]
    errors = any(r["errors"] for r in results.values()) or any(r["errors"] for runs in rounds.values() for r in runs)
    ok = floor >= TARGET_RATIO and not errors
    print(f"ratio lesson / signed-in floor: {floor:.2f} (rounds: {', '.join(f'{e:.2f}' for e in each)}; "
          f"target >= {TARGET_RATIO:.2f}) {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
