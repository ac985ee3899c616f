"""`python -m lms.serve`: run the processes of the Procfile side by side, as `make run` does.

Each line of the Procfile is `name: command` (the command in shell words, `$VARIABLE`s expanded). All start
together with their output on this terminal; Ctrl-C (or SIGTERM) stops them all, and when one ends, the others
are stopped too. In production each process runs under systemd instead (deploy/).
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from lms.config import ROOT

PROCFILE = ROOT / "Procfile"
STOP_TIMEOUT_SECONDS = 30


def read_procfile(path: Path = PROCFILE) -> dict[str, list[str]]:
    processes = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise SystemExit(f"{path}:{number}: expected `name: command`")
        processes[name.strip()] = shlex.split(os.path.expandvars(command))
    return processes


def run(processes: dict[str, list[str]]) -> int:
    """Start every process; return the exit status of the first that ends (0 when stopped by a signal)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, command in processes.items():
        print(f"serve: starting {name}: {shlex.join(command)}", flush=True)
        children[name] = subprocess.Popen(command, cwd=ROOT, env=env)
    status = 0
    while True:
        ended = {name: child.returncode for name, child in children.items() if child.poll() is not None}
        if ended and not stopping:
            name, status = next(iter(ended.items()))
            print(f"serve: {name} ended with status {status}; stopping the others", flush=True)
            stop(None, None)
        if len(ended) == len(children):
            break
        if stopping:
            _wait_or_kill(children)
            break
        time.sleep(0.2)
    return status


def _wait_or_kill(children: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for name, child in children.items():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"serve: {name} did not stop within {STOP_TIMEOUT_SECONDS} s; killing it", flush=True)
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return run(read_procfile(Path(argv[0]) if argv else PROCFILE))


if __name__ == "__main__":
    raise SystemExit(main())
