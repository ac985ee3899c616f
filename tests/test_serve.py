"""`make run` (python -m lms.serve): the Procfile's processes run side by side; gunicorn serves the app."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from lms.config import ROOT
from lms.serve import read_procfile


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(procfile, env=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lms.serve", str(procfile)], cwd=ROOT, env=env or os.environ,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _sleepers(tmp_path, names=("web", "jobs")):
    """A Procfile of processes that write their pid to NAME.pid, then sleep."""
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import os, sys, time\n"
                       "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
                       "time.sleep(60)\n")
    procfile = tmp_path / "Procfile"
    lines = [f"{name}: {sys.executable} {sleeper} {tmp_path / f'{name}.pid'}" for name in names]
    procfile.write_text("# two processes\n" + "\n".join(lines) + "\n")
    return procfile


def _pids(tmp_path, names=("web", "jobs")) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        files = [tmp_path / f"{name}.pid" for name in names]
        if all(f.exists() and f.read_text() for f in files):
            return [int(f.read_text()) for f in files]
        time.sleep(0.1)
    raise AssertionError("the processes did not start")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_runner_stops_every_process(tmp_path, stop_signal):
    runner = _serve(_sleepers(tmp_path))
    pids = _pids(tmp_path)
    runner.send_signal(stop_signal)
    assert runner.wait(30) == 0
    assert not any(_alive(pid) for pid in pids)


def test_when_one_process_ends_the_others_are_stopped(tmp_path):
    procfile = _sleepers(tmp_path, names=("web",))
    failing = tmp_path / "jobs.py"
    failing.write_text(  # ends with status 3 once web runs
        "import pathlib, time\n"
        f"pid = pathlib.Path({str(tmp_path / 'web.pid')!r})\n"
        "while not (pid.exists() and pid.read_text()):\n    time.sleep(0.05)\n"
        "raise SystemExit(3)\n")
    procfile.write_text(procfile.read_text() + f"jobs: {sys.executable} {failing}\n")
    runner = _serve(procfile)
    assert runner.wait(60) == 3
    (web,) = _pids(tmp_path, names=("web",))
    assert "jobs ended with status 3" in runner.stdout.read()
    assert not _alive(web)


def test_procfile_lines_are_read_with_variables_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_BIND", "127.0.0.1:8080")
    procfile = tmp_path / "Procfile"
    procfile.write_text("# comment\n\nweb: gunicorn --bind $LMS_BIND wsgi:app\n")
    assert read_procfile(procfile) == {"web": ["gunicorn", "--bind", "127.0.0.1:8080", "wsgi:app"]}


def test_the_procfile_serves_the_app_through_gunicorn_beside_the_job_consumer(tmp_path):
    assert set(read_procfile()) == {"web", "jobs"}
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_") and k != "SECRET_KEY"}
    env.update(LMS_INSTANCE_FOLDER=str(tmp_path), LMS_BIND=f"127.0.0.1:{port}", LMS_WORKERS="1",
               LMS_JOBS_WORKERS="1")
    subprocess.run([sys.executable, "-m", "lms.instance"], cwd=ROOT, env=env, check=True, capture_output=True)
    runner = _serve(ROOT / "Procfile", env)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(runner.stdout), daemon=True)
    reader.start()
    try:
        deadline, response = time.monotonic() + 60, None
        while response is None and time.monotonic() < deadline:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except OSError:
                assert runner.poll() is None, "".join(output)
                time.sleep(0.3)
        assert response is not None, "gunicorn did not answer within a minute"
        assert response.status == 200
        assert response.headers["Server"] == "gunicorn"
        while not any("Huey consumer started" in line for line in output):
            assert time.monotonic() < deadline, "the job consumer did not start within a minute"
            assert runner.poll() is None, "".join(output)
            time.sleep(0.2)
    finally:
        runner.send_signal(signal.SIGINT)
        assert runner.wait(40) == 0
        reader.join(10)
    assert any("Consumer exiting" in line for line in output)  # stopped gracefully with the web server
