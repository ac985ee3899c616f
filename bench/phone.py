"""A trainee's phone on a slow link: bytes over the wire, requests and load time per page.

    python -m bench.phone [--port 5170] [--database FILE] [--fresh]

Builds a SQLite database the way `make db` does (migrations, localities, demo people, content/, search
index; skipped when FILE already holds the demo), serves it as `make run` does (gunicorn with
deploy/gunicorn.conf.py, here with 2 sync workers), then drives Debian's Chromium through Playwright at a
phone's size (360 x 740, touch) on a 3G-like link emulated by the DevTools protocol
(Network.emulateNetworkConditions: 1.6 Mbit/s down, 0.75 Mbit/s up, 150 ms round trip; browser cache on).
The visit: the sign-in page on a cold cache, sign in as `hocvien`, "my curriculum", its first module, then
the curriculum's first four lessons in a row (by the "next lesson" link, or to the next module's first
lesson). For each page it prints the bytes received (headers included, as Chromium counts them), the
requests that went over the network, those answered from the browser's cache, and the time to the load
event. The visit runs twice: with service workers blocked, for the bytes and requests (with the site's
worker, /sw.js, pages come through its navigation preload and the DevTools protocol counts their bytes in
the worker, not in the page), then as a phone does, with the worker, for the load times ("with sw").

Targets: the first page of the visit <= 120 KB; a repeat lesson page (the 2nd to 4th) <= 12 KB and
loaded in <= 700 ms. The exit status is 1 when one is missed.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.throughput import start_gunicorn, stop

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
DOWN_BITS, UP_BITS, RTT_MS = 1_600_000, 750_000, 150
FIRST_PAGE_MAX = 120 * 1024
REPEAT_LESSON_MAX = 12 * 1024
REPEAT_LESSON_MS = 700
PASSWORD = "demo12345"  # the demo accounts' password (README)


def serve(port: int, workers: int, env: dict) -> subprocess.Popen:
    """The Procfile's web process (what `make run` starts), on our port."""
    env = {**env, "LMS_BIND": f"127.0.0.1:{port}", "LMS_WORKERS": str(workers)}
    return start_gunicorn("wsgi:app", port, env, workers, arguments=["--config", "deploy/gunicorn.conf.py"], wait=60)


def prepare_database(path: Path, fresh: bool, env: dict) -> str:
    """The `make db` steps on a SQLite file of our own."""
    url = f"sqlite:///{path}"
    if fresh and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if path.exists():
        return url
    env = {**env, "DATABASE_URL": url}
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]
    for args in (["db", "upgrade"], ["lms", "localities"], ["lms", "demo"], ["lms", "content", "import", "content/"],
                 ["lms", "search", "reindex"], ["lms", "assets"]):
        started = time.monotonic()
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"  {' '.join(args)}: {time.monotonic() - started:.1f} s", flush=True)
    return url


class WireMeter:
    """Counts what one page load moved over the (emulated) network, from the DevTools protocol's events."""

    def __init__(self, cdp):
        self.reset()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    def reset(self):
        self.sent, self.cached, self.bytes, self.from_disk = set(), set(), 0, set()
        self.urls = {}

    def _sent(self, event):
        # A redirect reuses the request id: count each hop as a request.
        self.sent.add((event["requestId"], event["request"]["url"]))
        self.urls[event["requestId"]] = event["request"]["url"]
        if event.get("redirectResponse"):
            self.bytes += event["redirectResponse"].get("encodedDataLength", 0)

    def _from_cache(self, event):
        self.cached.add(event["requestId"])

    def _response(self, event):
        if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
            self.from_disk.add(event["requestId"])

    def _finished(self, event):
        self.bytes += event.get("encodedDataLength", 0)

    def figures(self):
        cached = self.cached | self.from_disk
        network = [(rid, url) for rid, url in self.sent if rid not in cached]
        return {"bytes": self.bytes, "requests": len(network), "cached": len(self.sent) - len(network),
                "urls": sorted(url for _rid, url in network)}


def load_ms(page) -> float:
    return page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"
    )


def visit(base: str, username: str, service_workers: str = "allow") -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2, locale="vi-VN",
                                      service_workers=service_workers)
        page = context.new_page()
        page.set_default_timeout(60_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": RTT_MS,
            "downloadThroughput": DOWN_BITS / 8, "uploadThroughput": UP_BITS / 8,
        })
        meter = WireMeter(cdp)

        def measure(name: str, action) -> None:
            meter.reset()
            action()
            page.wait_for_load_state("load")
            time.sleep(0.3)  # let the last loadingFinished events arrive
            rows.append({"page": name, "path": page.url.removeprefix(base), "ms": load_ms(page),
                         **meter.figures()})

        measure("sign-in (cold cache)", lambda: page.goto("/sign-in"))

        def sign_in():
            page.get_by_label("Tên đăng nhập").fill(username)
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()

        measure("home, after sign-in", sign_in)
        measure("my curriculum", lambda: page.goto("/my/curriculum"))
        module_paths = list(dict.fromkeys(page.eval_on_selector_all(
            "main a[href^='/modules/']", "links => links.map(a => a.getAttribute('href'))")))
        lessons = []  # the curriculum's first four lessons, in order (a module of the demo holds two or three)
        for path in module_paths:
            page.goto(path)  # finding them is not measured
            lessons += [href for href in dict.fromkeys(page.eval_on_selector_all(
                "main a[href^='/lessons/']", "links => links.map(a => a.getAttribute('href'))")) if href not in lessons]
            if len(lessons) >= 4:
                break
        else:
            raise SystemExit("fewer than four lessons in the trainee's curriculum")
        page.goto("/my/curriculum")
        measure("module", lambda: page.click(f"main a[href='{module_paths[0]}']"))
        measure("lesson 1", lambda: page.click(f"main a[href='{lessons[0]}']"))
        for n, href in enumerate(lessons[1:4], start=2):
            def follow(href=href):
                link = page.locator(f"main a[href='{href}']")
                if link.count():  # "next lesson" within a module
                    link.first.click()
                else:  # the first lesson of the next module
                    page.goto(href)

            measure(f"lesson {n}", follow)
        context.close()
        browser.close()
    return rows


def report(rows: list[dict]) -> bool:
    print(f"{'page':24} {'path':22} {'KB':>7} {'requests':>9} {'cached':>7} {'load ms':>8} {'with sw':>8}")
    print("-" * 91)
    for row in rows:
        print(f"{row['page']:24} {row['path'][:22]:22} {row['bytes'] / 1024:7.1f} {row['requests']:9d} "
              f"{row['cached']:7d} {row['ms']:8.0f} {row.get('worker_ms', 0):8.0f}")
    ok = True
    first = rows[0]
    if first["bytes"] > FIRST_PAGE_MAX:
        ok = False
        print(f"first page {first['bytes'] / 1024:.1f} KB > {FIRST_PAGE_MAX // 1024} KB: MISSED")
    for row in rows:
        slow = row["bytes"] > REPEAT_LESSON_MAX or max(row["ms"], row.get("worker_ms", 0)) > REPEAT_LESSON_MS
        if re.fullmatch(r"lesson [234]", row["page"]) and slow:
            ok = False
            print(f"{row['page']}: {row['bytes'] / 1024:.1f} KB, {row['ms']:.0f} ms ({row.get('worker_ms', 0):.0f} ms "
                  f"with the service worker) "
                  f"(targets {REPEAT_LESSON_MAX // 1024} KB, {REPEAT_LESSON_MS} ms): MISSED; went over "
                  f"the network: {row['urls']}")
    print(f"over the network on the cold first page: {', '.join(first['urls'])}")
    print("targets met" if ok else "targets MISSED")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5170)
    parser.add_argument("--database", type=Path, default=Path(tempfile.gettempdir()) / "lms-phone-bench.sqlite3")
    parser.add_argument("--fresh", action="store_true", help="build the database again")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--username", default="hocvien")
    args = parser.parse_args(argv)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"commit {commit}; database {args.database}")
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48)}
    url = prepare_database(args.database, args.fresh, env)
    env["DATABASE_URL"] = url
    server = serve(args.port, args.workers, env)
    try:
        print(f"gunicorn: {args.workers} sync workers on port {args.port}; link: {DOWN_BITS / 1e6:g} Mbit/s down, "
              f"{UP_BITS / 1e6:g} up, {RTT_MS} ms round trip; viewport 360 x 740; cache on")
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(2 * args.workers):  # each worker's first request imports the rest of the app
            urllib.request.urlopen(f"{base}/sign-in").read()
        # Twice: the service worker (/sw.js) answers pages through navigation preload, and the DevTools
        # protocol then counts their bytes in the worker, not in the page. So the bytes and requests come from
        # a visit with the worker blocked (the same requests over the wire), the times from both visits.
        rows = visit(base, args.username, service_workers="block")
        for row, with_worker in zip(rows, visit(base, args.username, service_workers="allow"), strict=True):
            row["worker_ms"] = with_worker["ms"]
    finally:
        stop(server)
    return 0 if report(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
