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
    # Static files reach the app (fingerprinted names and their headers come from lms.assets): the checkout's
    # static/ has no hashed names, so nginx must not answer /static/ from it.
    assert "location /static/" not in site
    assert "alias /srv/lms/static/" not in site
    broken = _nginx_check(site.replace("proxy_pass ", "proxy_passs "), tmp_path)
    assert broken.returncode != 0  # the check does read the site
