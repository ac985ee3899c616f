"""The production site file, deploy/nginx/lms.conf, served by this machine's nginx in front of a benchmark's app.

Only what a machine of its own would differ in is replaced: the ports (HTTPS on 127.0.0.1, a free port), a
self-signed certificate, the static root, and the upstream's address. nginx's own settings are Debian's
defaults (/etc/nginx/nginx.conf: a worker per core, 768 connections each) with more connections per worker,
so that thousands of clients can keep theirs open.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def serve(folder: Path, app_port: int, port: int, *, worker_connections: int = 4096) -> subprocess.Popen:
    """nginx, started in its own process group, answering https://127.0.0.1:port once it accepts."""
    if NGINX is None:
        raise SystemExit("nginx is missing: apt-get install nginx-light")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=lms.example.gov.vn", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    site = ((ROOT / "deploy" / "nginx" / "lms.conf").read_text()
            .replace("/etc/ssl/lms/fullchain.pem", str(cert)).replace("/etc/ssl/lms/privkey.pem", str(key))
            .replace("/srv/lms/instance/assets/current", str(ROOT / "instance" / "assets" / "current"))
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl;")
            .replace("listen [::]:443 ssl http2;", "").replace("listen [::]:80;", "")
            .replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
            .replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"))
    (folder / "lms.conf").write_text(site)
    temp_paths = "".join(f"    {kind}_temp_path {folder}/{kind};\n"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"worker_processes auto;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        f"worker_rlimit_nofile {worker_connections * 2};\n"
        f"events {{ worker_connections {worker_connections}; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    sendfile on;\n    tcp_nopush on;\n"
        f"    access_log off;\n{temp_paths}    include {folder / 'lms.conf'};\n}}\n")
    workers_as = " user root;" if os.geteuid() == 0 else ""
    process = subprocess.Popen([NGINX, "-p", str(folder), "-e", str(folder / "error.log"),
                                "-c", str(folder / "nginx.conf"), "-g", "daemon off;" + workers_as],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"nginx did not start: {(folder / 'error.log').read_text()[-2000:]}") from None
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
