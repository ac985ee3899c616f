"""Scale-out on one machine: two app nodes (two gunicorn processes on two ports, each with its own instance
folder and job consumer) share one database, Redis and the uploads, as app machines behind nginx do.

The uploads are kept once in a folder both nodes reach (a shared volume) and once on an S3 API server that
the suite runs locally (moto in server mode). Redis: LMS_TEST_REDIS_URL.
"""
from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from huey.storage import RedisStorage

from lms.config import ROOT
from lms.curriculum import services as curriculum
from lms.delivery.models import NominationState, Submission
from lms.extensions import db
from lms.jobs.models import Job, JobStatus
from tests.delivery.test_trips import PDF

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BUCKET, PREFIX = "lms-uploads", "tinh-thu-nghiem"
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                  "AWS_DEFAULT_REGION": "ap-southeast-1"}
PASSWORD = "secret-pass-1"
USER_AGENT = "Mozilla/5.0 (two-node test)"
SWEEP_CLAIM = "lms.periodic.files.sweep.claimed"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(arguments: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:  # a file: a pipe nobody reads would fill up and block the process
        return subprocess.Popen(arguments, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _start_node(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with the production settings (deploy/gunicorn.conf.py), one worker, once it answers."""
    port = _free_port()
    node = _start([str(Path(sys.executable).with_name("gunicorn")), "--config", "deploy/gunicorn.conf.py",
                   "wsgi:app"], {**env, "LMS_BIND": f"127.0.0.1:{port}", "LMS_WORKERS": "1"}, log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5):
                return node, url
        except OSError:
            if node.poll() is not None or time.monotonic() > deadline:
                _stop(node)
                raise AssertionError(f"the node did not start: {log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 API server on 127.0.0.1 (moto), with the uploads' bucket."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    _s3(endpoint).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={
        "LocationConstraint": S3_CREDENTIALS["AWS_DEFAULT_REGION"]})
    yield endpoint
    server.stop()


def _s3(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                        region_name=S3_CREDENTIALS["AWS_DEFAULT_REGION"])


class Browser:
    """One person's browser: a cookie jar used against either node, as a load balancer would send it."""

    def __init__(self, forwarded_for: str = "203.0.113.10"):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.forwarded_for = forwarded_for

    def request(self, url: str, data: bytes | None = None, content_type: str | None = None):
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": self.forwarded_for}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            with self.opener.open(urllib.request.Request(url, data=data, headers=headers), timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers, answer.read()

    def get(self, url: str):
        return self.request(url)

    def token(self, url: str) -> str:
        status, _headers, body = self.get(url)
        assert status == 200, (url, status)
        return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()

    def post(self, url: str, fields: dict, form_url: str | None = None, files: dict | None = None):
        fields = {"csrf_token": self.token(form_url or url), **fields}
        if files is None:
            return self.request(url, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
                  for name, (filename, content) in files.items()]
        return self.request(url, b"".join(parts) + f"--{boundary}--\r\n".encode(),
                            f"multipart/form-data; boundary={boundary}")

    def sign_in(self, node: str, username: str, password: str = PASSWORD):
        return self.post(f"{node}/sign-in", {"username": username, "password": password})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None  # a redirect is an answer to look at


@pytest.fixture(scope="module", params=["folder", "s3"])
def nodes(request, app, tmp_path_factory):
    """Two app nodes and their job consumers on one database, Redis and upload storage."""
    tmp_path = tmp_path_factory.mktemp(f"nodes-{request.param}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "AWS_")) and k != "SECRET_KEY"}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY=secrets.token_urlsafe(48),
               LMS_REDIS_URL=REDIS_URL, LMS_PROXY_HOPS="1", LMS_SIGN_IN_RATE_LIMIT="3 per minute",
               LMS_LOG_LEVEL="INFO")
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        env.update(S3_CREDENTIALS, LMS_STORAGE_URL=f"s3://{BUCKET}/{PREFIX}", LMS_S3_ENDPOINT_URL=endpoint)
    else:
        env.update(LMS_UPLOAD_FOLDER=str(tmp_path / "shared-volume"))
    queue = RedisStorage("lms", url=REDIS_URL)
    queue.flush_all()  # what an earlier run left: queued tasks, the periodic claims
    started, logs, node_envs, urls = [], [], [], []
    try:
        for name in ("a", "b"):
            node_env = {**env, "LMS_INSTANCE_FOLDER": str(tmp_path / f"node-{name}")}
            node_envs.append(node_env)
            node, url = _start_node(node_env, tmp_path / f"web-{name}.log")
            started.append(node)
            urls.append(url)
            logs.append(tmp_path / f"jobs-{name}.log")
            started.append(_start([sys.executable, "-m", "flask", "--app", "wsgi", "lms", "jobs", "worker",
                                   "--workers", "1"], node_env, logs[-1]))
        yield type("Nodes", (), dict(a=urls[0], b=urls[1], storage=request.param, env=env, envs=node_envs,
                                     logs=logs, folder=tmp_path / "shared-volume",
                                     instances=[tmp_path / "node-a", tmp_path / "node-b"]))
    finally:
        for process in started:
            _stop(process)
        queue.flush_all()
        queue.pool.disconnect()


@pytest.fixture
def world(make):
    lecturer = make.lecturer("giangvien")
    klass = make.training_class(lecturers=[lecturer])
    make.nomination(klass, make.user("alice"), NominationState.ENROLLED)
    module = make.learning_module(lessons=("Bài 1",))
    return type("World", (), dict(trip=make.trip(klass), module=module, lecturer=lecturer))


def _stored_objects(nodes) -> list[str]:
    if nodes.storage == "s3":
        listed = _s3(nodes.env["LMS_S3_ENDPOINT_URL"]).list_objects_v2(Bucket=BUCKET, Prefix=f"{PREFIX}/")
        return [item["Key"] for item in listed.get("Contents", ())]
    return [str(p.relative_to(nodes.folder)) for p in nodes.folder.rglob("*") if p.is_file()]


def _empty_storage(nodes) -> None:
    """Remove what earlier tests on these nodes stored (their rows are gone)."""
    if nodes.storage == "s3":
        s3 = _s3(nodes.env["LMS_S3_ENDPOINT_URL"])
        for key in _stored_objects(nodes):
            s3.delete_object(Bucket=BUCKET, Key=key)
    else:
        shutil.rmtree(nodes.folder / "submissions", ignore_errors=True)


def _lesson_id(app, module_id: int) -> int:
    from lms.curriculum.models import Lesson, Module

    with app.app_context():
        module = db.session.get(Module, module_id)
        return db.session.scalar(sa.select(Lesson.id).where(Lesson.revision_id == module.published_revision_id))


def test_a_sign_in_on_one_node_is_valid_on_the_other(nodes, world):
    alice = Browser()
    status, headers, _body = alice.sign_in(nodes.a, "alice")
    assert status == 302
    assert not headers["Location"].endswith("/sign-in")
    assert alice.get(f"{nodes.b}/my/curriculum")[0] == 200
    stranger = Browser()
    assert stranger.get(f"{nodes.b}/my/curriculum")[0] == 302  # without the cookie: to the sign-in page


def test_a_report_uploaded_through_one_node_is_downloaded_through_the_other(app, nodes, world):
    _empty_storage(nodes)
    alice = Browser()
    alice.sign_in(nodes.a, "alice")
    report = f"{nodes.a}/trips/{world.trip.id}/report"
    status, _headers, _body = alice.post(report, {"body_md": "Bài thu hoạch chuyến đi.", "submit_report": "1"},
                                         files={"attachments": ("bao-cao.pdf", PDF)})
    assert status == 302
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        [attachment] = submission.files
        stored_name = attachment.stored_name
    assert _stored_objects(nodes) == ([f"{PREFIX}/submissions/{stored_name}"] if nodes.storage == "s3"
                                      else [f"submissions/{stored_name}"])
    assert not any((instance / "uploads").exists() for instance in nodes.instances)  # nothing node-local

    assert Browser().get(f"{nodes.b}/readyz")[0] == 200  # the storage answers

    lecturer = Browser("203.0.113.20")
    lecturer.sign_in(nodes.b, "giangvien")
    status, headers, body = lecturer.get(f"{nodes.b}/submissions/{submission.id}/files/{attachment.id}")
    assert status == 200
    assert body == PDF
    assert headers["Content-Type"] == "application/pdf"
    assert "bao-cao.pdf" in headers["Content-Disposition"]


def test_refused_sign_ins_are_counted_across_both_nodes(nodes, world):
    guesser = Browser("10." + ".".join(str(b) for b in secrets.token_bytes(3)))  # an address of this run only
    answers = [guesser.sign_in(node, "khong-co-ai", "doan-mat-khau")[0]
               for node in (nodes.a, nodes.b, nodes.a, nodes.b)]
    assert answers == [200, 200, 200, 429]  # 3 refused tries a minute per address, wherever they land
    assert Browser("203.0.113.30").sign_in(nodes.a, "alice")[0] == 302  # another address is not held back


def test_a_periodic_job_fired_on_both_nodes_runs_once(app, nodes, world):
    _empty_storage(nodes)
    orphan = secrets.token_hex(20)  # a file no row names, left two hours ago by a killed upload
    if nodes.storage == "s3":
        _s3(nodes.env["LMS_S3_ENDPOINT_URL"]).put_object(Bucket=BUCKET, Key=f"{PREFIX}/submissions/{orphan}",
                                                          Body=b"12345")
    else:
        (nodes.folder / "submissions").mkdir(parents=True)
        (nodes.folder / "submissions" / orphan).write_bytes(b"12345")
        two_hours_ago = time.time() - 7200
        os.utime(nodes.folder / "submissions" / orphan, (two_hours_ago, two_hours_ago))
    # Each node's scheduler reaches minute 45, when the hourly sweep is due, and enqueues it.
    fire = ("from datetime import datetime\nfrom huey.consumer import Scheduler\nfrom wsgi import app\n"
            "from lms.jobs import queue\n"
            "Scheduler(queue.bind(app), stop_flag=None, interval=1, periodic=True)"
            ".enqueue_periodic_tasks(datetime(2026, 3, 9, 10, 45))\n")
    for node_env in nodes.envs:
        subprocess.run([sys.executable, "-c", fire], cwd=ROOT, env=node_env, check=True, capture_output=True,
                       timeout=120)
    lines = _wait_for_log_lines(nodes.logs, ["periodic task files.sweep runs for",
                                             "periodic task files.sweep already ran for"])
    assert sum("runs for" in line for line in lines) == 1
    assert sum("already ran for" in line for line in lines) == 1
    with app.app_context():
        [job] = db.session.scalars(sa.select(Job).where(Job.kind == "files.sweep")).all()
        assert job.status == JobStatus.DONE
    if nodes.storage == "s3":  # object storage has no modification time to set back: the sweep waits an hour
        assert job.result == {"files": 0, "partial": 0, "bytes": 0, "dry_run": False}
    else:
        assert job.result == {"files": 1, "partial": 0, "bytes": 5, "dry_run": False}
        assert _stored_objects(nodes) == []


def _wait_for_log_lines(logs: list[Path], wanted: list[str], timeout: float = 90) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        lines = [json.loads(line).get("message", "") for log in logs for line in log.read_text().splitlines()
                 if line.startswith("{")]
        found = [line for line in lines if any(w in line for w in wanted)]
        if all(any(w in line for line in found) for w in wanted) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_revision_published_through_one_node_shows_on_the_other(app, nodes, world):
    alice, lecturer = Browser(), Browser("203.0.113.20")
    alice.sign_in(nodes.b, "alice")
    old_lesson = _lesson_id(app, world.module.id)
    status, _headers, body = alice.get(f"{nodes.b}/lessons/{old_lesson}")
    assert status == 200
    assert "Nội dung Bài 1.".encode() in body  # node B now keeps this lesson in its cache

    with app.app_context():  # the lecturer's draft, saved earlier
        from lms.accounts.models import User
        from lms.curriculum.models import Module

        module = db.session.get(Module, world.module.id)
        lessons = [{"key": "l1", "title": "Bài 1", "minutes": 10, "body_md": "Nội dung theo nghị quyết mới."}]
        curriculum.save_module_draft(db.session.get(User, world.lecturer.id), module, lock_version=0,
                                     title="Học phần đã sửa", summary_md="", document_ids=(), lessons=lessons)
        db.session.commit()
    lecturer.sign_in(nodes.a, "giangvien")
    publish = f"{nodes.a}/author/modules/{world.module.id}/publish"
    assert lecturer.post(publish, {"change_summary": "Cập nhật theo nghị quyết mới"})[0] == 302

    status, headers, _body = alice.get(f"{nodes.b}/lessons/{old_lesson}")
    assert status == 302  # the old revision's lesson leads to the current one
    status, _headers, body = alice.get(urllib.parse.urljoin(nodes.b, headers["Location"]))
    assert status == 200
    assert "Nội dung theo nghị quyết mới.".encode() in body
    assert "Nội dung Bài 1.".encode() not in body


def test_object_storage_keeps_serves_and_sweeps_files(app, s3_endpoint, monkeypatch):
    from lms import storage
    from lms.delivery import files
    from lms.supervision import papers

    for name, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{BUCKET}/{PREFIX}/sweep")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    with app.app_context():
        name = files.store(PDF)
        with files.open_stored(name) as stored:
            assert stored.read() == PDF
        assert files.sweep_orphan_files().files == 0  # young: its request may still commit
        assert files.sweep_orphan_files(older_than=timedelta(0)) == files.Sweep(
            files=1, partial=0, bytes=len(PDF), dry_run=False)
        with pytest.raises(FileNotFoundError):
            files.open_stored(name)

        pack = secrets.token_bytes(9 * 1024 * 1024)  # a class's evidence pack: uploaded in parts
        storage.current().put_file("evidence", "a" * 32 + ".zip", io.BytesIO(pack))
        with papers.open_pack("a" * 32 + ".zip") as kept:
            assert kept.read() == pack
