"""The files under deploy/ are valid for the programs that read them: gunicorn, systemd and nginx."""
from __future__ import annotations

import configparser
import os
import runpy
import shutil
import subprocess

import pytest
from gunicorn.config import Config as GunicornConfig

from lms.config import ROOT

DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def _gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("LMS_BIND", "LMS_WORKERS", "LMS_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_config_holds_only_valid_gunicorn_settings(monkeypatch):
    namespace = _gunicorn_settings(monkeypatch)
    config = GunicornConfig()
    settings = {k: v for k, v in namespace.items() if not k.startswith("_") and k not in ("os", "setting")}
    unknown = set(settings) - set(config.settings)
    assert not unknown, f"not gunicorn settings (typos?): {unknown}"
    for name, value in settings.items():
        config.set(name, value)  # gunicorn's own validation
    assert config.workers == 2 * len(os.sched_getaffinity(0)) + 1
    assert config.bind == ["127.0.0.1:5000"]
    assert config.accesslog is None  # the app logs each request itself
    assert config.timeout == 60
    assert config.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert config.preload_app


def test_gunicorn_config_reads_the_lms_settings(monkeypatch):
    namespace = _gunicorn_settings(monkeypatch, LMS_BIND="127.0.0.1:8000", LMS_WORKERS="3",
                                   LMS_FORWARDED_ALLOW_IPS="10.0.0.5")
    assert (namespace["bind"], namespace["workers"], namespace["forwarded_allow_ips"]) == (
        ["127.0.0.1:8000"], 3, "10.0.0.5")


def _units() -> list:
    units = sorted((DEPLOY / "systemd").glob("*.service")) + sorted((DEPLOY / "systemd").glob("*.timer"))
    assert units
    return units


@pytest.mark.parametrize("unit", _units(), ids=lambda p: p.name)
def test_systemd_unit_parses_and_runs_the_checkout(unit):
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    parser.read(unit, encoding="utf-8")
    assert parser.has_section("Unit")
    if unit.suffix == ".service":
        service = parser["Service"]
        assert service["WorkingDirectory"] == "/srv/lms"
        assert service["EnvironmentFile"] == "/etc/lms/lms.env"
        assert service["ExecStart"].startswith("/srv/lms/.venv/bin/")
        assert service["User"] == "lms"


def _unit_for_this_machine(unit, tmp_path):
    """The unit with the install paths pointing at this checkout, so that systemd can check every command."""
    env_file = tmp_path / "lms.env"
    env_file.write_text("SECRET_KEY=x\n")
    text = unit.read_text().replace("/srv/lms", str(ROOT)).replace("/etc/lms/lms.env", str(env_file))
    target = tmp_path / unit.name
    target.write_text(text)
    return target


@pytest.mark.parametrize("unit", _units(), ids=lambda p: p.name)
def test_systemd_analyze_verifies_the_unit(unit, tmp_path):
    if SYSTEMD_ANALYZE is None:
        pytest.skip("systemd-analyze is missing: apt-get install systemd (the units were parsed above)")
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.fail("the checkout's .venv has no gunicorn: run make install")
    local = _unit_for_this_machine(unit, tmp_path)
    checked = subprocess.run([SYSTEMD_ANALYZE, "verify", str(local)], capture_output=True, text=True, timeout=60)
    complaints = [line for line in checked.stderr.splitlines() if local.name in line]
    assert checked.returncode == 0, checked.stderr
    assert not complaints, checked.stderr


def _nginx_check(site_text: str, tmp_path) -> subprocess.CompletedProcess:
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=lms.example.gov.vn", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
    site = tmp_path / "lms.conf"
    site.write_text(site_text.replace("/etc/ssl/lms/fullchain.pem", str(cert))
                    .replace("/etc/ssl/lms/privkey.pem", str(key)))
    temp_paths = "".join(f"    {kind}_temp_path {tmp_path}/{kind};\n"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{\n    include /etc/nginx/mime.types;\n    access_log off;\n{temp_paths}"
                    f"    include {site};\n}}\n")
    return subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
                          capture_output=True, text=True, timeout=60)


def test_nginx_accepts_the_site(tmp_path):
    if NGINX is None:
        pytest.skip("nginx is not installed here (apt-get install nginx): the site file was not checked")
    site = (DEPLOY / "nginx" / "lms.conf").read_text()
    checked = _nginx_check(site, tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    # nginx answers /static/ from the fingerprinted build (`lms assets` names it current), never from the
    # checkout's static/, which has no hashed names.
    assert "root /srv/lms/instance/assets/current;" in site
    assert "/srv/lms/static" not in site
    broken = _nginx_check(site.replace("proxy_pass ", "proxy_passs "), tmp_path)
    assert broken.returncode != 0  # the check does read the site


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nginx_serves_the_built_static_files_itself(app, tmp_path):
    """The site answers a fingerprinted file from the build with a year's cache, and passes a name the build
    does not hold to the app (here no app listens, so nginx's own 502 shows it tried)."""
    import ssl
    import time
    import urllib.error
    import urllib.request

    from lms.assets import point_current_at, read_manifest

    if NGINX is None:
        pytest.skip("nginx is not installed here (apt-get install nginx): the site was not served")
    build = app.extensions["lms.assets"]
    current = point_current_at(build)
    hashed_css = read_manifest(build)["static"]["css/app.css"]
    https, http, app_port = _free_port(), _free_port(), _free_port()
    site = ((DEPLOY / "nginx" / "lms.conf").read_text()
            .replace("/srv/lms/instance/assets/current", str(current))
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl;")
            .replace("listen [::]:443 ssl http2;", "").replace("listen [::]:80;", "")
            .replace("listen 80;", f"listen 127.0.0.1:{http};")
            .replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"))
    assert _nginx_check(site, tmp_path).returncode == 0
    # Run as root (CI), nginx's workers would become `nobody`, who cannot read a checkout in a private folder.
    workers_as = " user root;" if os.geteuid() == 0 else ""
    server = subprocess.Popen([NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                               "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;" + workers_as],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    context = ssl._create_unverified_context()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{https}/static/{hashed_css}",
                                            context=context, timeout=5) as answer:
                    body, headers = answer.read(), answer.headers
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert body == (ROOT / "static" / "css" / "app.css").read_bytes()
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        bootstrap = read_manifest(build)["bootstrap.static"]["css/bootstrap.min.css"]
        with urllib.request.urlopen(f"https://127.0.0.1:{https}/bootstrap/static/{bootstrap}",
                                    context=context, timeout=5) as answer:
            assert answer.status == 200
        with pytest.raises(urllib.error.HTTPError) as passed_on:
            urllib.request.urlopen(f"https://127.0.0.1:{https}/static/css/not-in-this-build.css",
                                   context=context, timeout=5)
        assert passed_on.value.code == 502  # handed to the (absent) app, not answered from disk
    finally:
        server.terminate()
        server.wait(timeout=20)
