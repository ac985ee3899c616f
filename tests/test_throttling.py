"""Per-address limits on guessing secrets: passwords at sign-in, check-in codes, certificate codes.

Only refused tries count, per client address; the per-account lockout stays as it was. Counts are kept in
memory by default and in Redis when REDIS_URL is set (the tests' Redis: LMS_TEST_REDIS_URL).
"""
import secrets

import pytest
import redis
import sqlalchemy as sa

from lms.delivery.models import NominationState
from lms.extensions import db
from lms.throttling import limiter
from tests.jobs.fixtures import REDIS_URL

ATTACKER, OFFICE, ELSEWHERE = "203.0.113.5", "198.51.100.7", "192.0.2.44"
TOO_MANY = "Quá nhiều lần thử"


@pytest.fixture
def three_tries(app, monkeypatch):
    """Three refused tries a minute per address, for sign-in and for codes."""
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "CODE_RATE_LIMIT", "3 per minute")


def sign_in(client, address, username, password="secret-pass-1", **headers):
    return client.post("/sign-in", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_refused_sign_ins_from_one_address_are_stopped_with_a_page_in_vietnamese(client, make, three_tries):
    for name in ("an", "binh", "chi", "dung"):
        make.user(name)
    for name in ("an", "binh", "chi"):  # one wrong password for each of several accounts
        assert sign_in(client, ATTACKER, name, "doan-mo-1").status_code == 200
    refused = sign_in(client, ATTACKER, "dung")  # even the right password: this address is held back
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert TOO_MANY in page
    assert "Vui lòng đợi vài phút rồi thử lại." in page
    assert int(refused.headers["Retry-After"]) > 0
    # The accounts are not locked: their owners sign in from their own addresses.
    assert sign_in(client, OFFICE, "an").status_code == 302


def test_the_page_is_in_english_for_english_readers(client, make, three_tries):
    for _ in range(3):
        sign_in(client, ATTACKER, "khongco", "doan-mo-1")
    with client.session_transaction() as session:
        session["locale"] = "en"
    refused = sign_in(client, ATTACKER, "khongco", "doan-mo-1")
    assert refused.status_code == 429
    assert "Too many failed tries" in refused.get_data(as_text=True)


def test_a_class_signing_in_from_one_office_address_is_not_held_back(app, make, three_tries):
    for n in range(6):
        make.user(f"hocvien{n}")
    for n in range(6):  # successes do not count, however many share the address
        assert sign_in(app.test_client(), OFFICE, f"hocvien{n}").status_code == 302


def test_the_limit_is_per_client_address_and_a_forged_forwarded_header_changes_nothing(client, make, three_tries):
    make.user("hocvien")
    for _ in range(3):
        sign_in(client, ATTACKER, "hocvien", "doan-mo-1")
    assert sign_in(client, ATTACKER, "khongco", "x", **{"X-Forwarded-For": ELSEWHERE}).status_code == 429
    assert sign_in(client, OFFICE, "khongco", "x").status_code == 200  # another address: still allowed


@pytest.fixture
def another_worker(app):
    """Start another application process configured like the suite's plus the given settings, with three
    refused sign-ins a minute; the limiter (one per process) serves the suite's app again afterwards."""
    from lms import create_app

    def start(**config):
        other = create_app({**app.config, "RATELIMIT_STORAGE_URI": None, "SIGN_IN_RATE_LIMIT": "3 per minute",
                            **config})
        other.test_client_class = app.test_client_class
        return other

    yield start
    limiter.init_app(app)


def test_behind_a_trusted_proxy_the_limit_keys_on_the_forwarded_client_address(make, another_worker):
    client = another_worker(PROXY_HOPS=1).test_client()  # LMS_PROXY_HOPS=1: one reverse proxy is trusted
    make.user("hocvien")
    proxy = "10.0.0.2"  # every request arrives from the proxy; X-Forwarded-For names the client
    for _ in range(3):
        sign_in(client, proxy, "hocvien", "doan-mo-1", **{"X-Forwarded-For": ATTACKER})
    assert sign_in(client, proxy, "hocvien", **{"X-Forwarded-For": ATTACKER}).status_code == 429
    assert sign_in(client, proxy, "hocvien", **{"X-Forwarded-For": OFFICE}).status_code == 302


def test_the_per_account_lockout_still_holds_across_addresses(client, make, three_tries):
    make.user("hocvien")
    for n in range(5):  # five failures, each from a different address: no address reaches its limit
        assert sign_in(client, f"203.0.113.{10 + n}", "hocvien", "doan-mo-1").status_code == 200
    locked = sign_in(client, OFFICE, "hocvien")
    assert locked.status_code == 200
    assert "tạm khóa" in locked.get_data(as_text=True)


def test_refused_check_in_codes_from_one_address_are_stopped(app, make, three_tries):
    from lms.delivery import trips

    klass = make.training_class(lecturers=[make.lecturer("giangvien")])
    trainees = [make.user(f"hocvien{n}") for n in range(5)]
    for trainee in trainees:
        make.nomination(klass, trainee, NominationState.ENROLLED)
    trip = make.trip(klass)
    with app.test_request_context():
        from lms.accounts.models import User
        from lms.delivery.models import FieldTrip

        code = trips.open_checkin(db.session.scalars(sa.select(User).where(User.username == "giangvien")).one(),
                                  db.session.get(FieldTrip, trip.id))
        db.session.commit()
    wrong = "000000" if code != "000000" else "111111"

    def check_in(n, address, value):
        client = app.test_client()
        sign_in(client, address, f"hocvien{n}")
        return client.post(f"/trips/{trip.id}/check-in", data={"code": value}, environ_base={"REMOTE_ADDR": address})

    for n in range(3):  # three trainees' accounts, one guess each (under the per-trainee limit)
        assert check_in(n, ATTACKER, wrong).status_code == 200
    refused = check_in(3, ATTACKER, code)
    assert refused.status_code == 429
    assert TOO_MANY in refused.get_data(as_text=True)
    assert check_in(4, OFFICE, code).status_code == 302  # trainees on site check in


def test_guessing_certificate_codes_from_one_address_is_stopped(client, three_tries):
    for n in range(3):
        assert client.get(f"/verify/doan-ma-{n}", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 404
    assert client.get("/verify/doan-ma-3", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 429
    assert client.get("/verify/doan-ma-3", environ_base={"REMOTE_ADDR": OFFICE}).status_code == 404


def test_refused_password_changes_count_too(client, auth, make, three_tries):
    make.user("hocvien")
    auth.login("hocvien")

    def change(current):
        return client.post("/account/password", data={"current_password": current, "new_password": "moi-mat-khau-9",
                                                      "confirm": "moi-mat-khau-9"},
                           environ_base={"REMOTE_ADDR": ATTACKER})

    for _ in range(3):
        assert change("doan-mo-1").status_code == 200
    assert change("secret-pass-1").status_code == 429


@pytest.fixture
def redis_addresses():
    """Client addresses of this run only; every key made for them in Redis is removed at the end."""
    addresses = [f"198.18.{secrets.randbelow(256)}.{n}" for n in (1, 2)]
    store = redis.Redis.from_url(REDIS_URL)
    yield store, addresses
    made = [key for address in addresses for key in store.scan_iter(f"*{address}*")]
    if made:
        store.delete(*made)
    store.close()


def test_with_redis_the_counts_are_shared_by_every_worker(another_worker, redis_addresses, make):
    store, (attacker, office) = redis_addresses
    worker = another_worker(REDIS_URL=REDIS_URL)
    assert worker.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    make.user("hocvien")
    client = worker.test_client()
    for _ in range(3):
        assert sign_in(client, attacker, "hocvien", "doan-mo-1").status_code == 200
    assert list(store.scan_iter(f"*{attacker}*"))  # the counts are in Redis
    # Another worker starting now (its own connection, nothing in its memory) refuses the same address.
    restarted = another_worker(REDIS_URL=REDIS_URL)
    assert sign_in(restarted.test_client(), attacker, "hocvien").status_code == 429
    assert sign_in(restarted.test_client(), office, "hocvien").status_code == 302
