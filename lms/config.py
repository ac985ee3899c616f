"""Settings, each declared once in SETTINGS (environment variable, default, meaning), and checked at start-up.

README.md's "Configuration" table is rendered from SETTINGS (`flask --app wsgi lms settings`); a test keeps them equal.
Defaults may name two folders: `<checkout>` (this source tree) and `<instance>` (LMS_INSTANCE_FOLDER).
"""
from __future__ import annotations

import difflib
import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32
# Keys that were ever published with the code: a cookie signed with one of them must never open a session.
PUBLISHED_KEYS = frozenset({"dev-only-change-me", "test-secret", "change-me", "secret"})
HSTS_MAX_AGE = 365 * 24 * 3600


class ConfigurationError(RuntimeError):
    """The settings do not allow a safe start; the message says what to change."""


def _megabytes(value: str) -> int:
    return _whole_number(value) * 1024 * 1024


def _time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Ho_Chi_Minh)") from None
    return value


def _storage_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"expected s3://bucket/prefix, got {value!r}")
    return value


def _whole_number(value: str) -> int:
    if not value.strip().isdigit():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(value)


def _smtp_security(value: str) -> str:
    if value not in ("starttls", "tls", "none"):
        raise ValueError(f"expected starttls, tls or none, got {value!r}")
    return value


def _quiet_hours(value: str) -> tuple[int, int]:
    start, sep, end = value.partition("-")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit() or max(int(start), int(end)) > 23:
        raise ValueError(f"expected two hours like 21-7, got {value!r}")
    return int(start), int(end)


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    default: str | None  # as written in the environment; None: unset
    meaning: str
    key: str | None = None  # the app.config key; None for settings read by the tools around the app
    convert: Callable[[str], object] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", None,
            "signs session cookies and CSRF tokens: at least 32 random characters, the same on every app "
            "server. Unset: read from `<instance>/secret_key`, which `make run` creates (mode 0600)",
            "SECRET_KEY"),
    Setting("DATABASE_URL", "sqlite:///<instance>/lms.sqlite3",
            "SQLAlchemy URL of the database; PostgreSQL as `postgresql+psycopg://user@host/db`",
            "SQLALCHEMY_DATABASE_URI"),
    Setting("LMS_INSTANCE_FOLDER", "<checkout>/instance",
            "this installation's local state (SQLite database, secret key); must be writable", "INSTANCE_FOLDER"),
    Setting("LMS_UPLOAD_FOLDER", "<instance>/uploads",
            "where submitted files are stored, outside `static/`; must be writable; back it up with the database",
            "UPLOAD_FOLDER"),
    Setting("LMS_STORAGE_URL", None,
            "where uploaded files are kept when several app machines share the work: S3-compatible object storage "
            "as `s3://bucket/prefix` (credentials and region from the standard `AWS_*` variables); unset: "
            "`LMS_UPLOAD_FOLDER`", "STORAGE_URL", _storage_url),
    Setting("LMS_S3_ENDPOINT_URL", None,
            "the object storage server of `LMS_STORAGE_URL`, e.g. `https://minio.tinh.vn:9000`; unset: AWS S3",
            "S3_ENDPOINT_URL"),
    Setting("LMS_MAX_UPLOAD_MB", "20", "largest request body, in MB", "MAX_CONTENT_LENGTH", _megabytes),
    Setting("LMS_BASE_URL", "http://localhost",
            "the site's public address; `https://...` makes cookies Secure and sends HSTS; names xAPI activities; "
            "begins the verification address in a certificate's QR code",
            "LMS_BASE_URL"),
    Setting("LMS_PROXY_HOPS", "0",
            "how many reverse proxies stand in front of the app (nginx alone: `1`); their X-Forwarded-For, "
            "-Proto and -Host headers are trusted", "PROXY_HOPS", _whole_number),
    Setting("LMS_REDIS_URL", None,
            "Redis for the job queue and for the sign-in and code-guessing counters when several machines share "
            "the work, e.g. `redis://127.0.0.1:6379/0`; unset: the queue is a SQLite file, each process counts in "
            "memory", "REDIS_URL"),
    Setting("LMS_TIMEZONE", "Asia/Ho_Chi_Minh", "the time zone every date and time is shown in (they are stored in "
            "UTC): pages, exports and certificates show `dd/mm/yyyy HH:mm` in it", "TIMEZONE", _time_zone),
    Setting("LMS_OFFLINE_MAX_DAYS", "30", "oldest progress (in days) a phone may send after studying without a "
            "connection; older lessons opened or completed offline are refused with a message", "OFFLINE_MAX_DAYS",
            _whole_number),
    Setting("LMS_JOBS_SQLITE", None, "the job queue's SQLite file when `LMS_REDIS_URL` is unset; unset: "
            "`<instance>/jobs.sqlite3`", "JOBS_SQLITE"),
    Setting("LMS_JOBS_WORKERS", "2", "threads of `lms jobs worker` running tasks", "JOBS_WORKERS", _whole_number),
    Setting("LMS_LOG_FORMAT", "json", "`json`: one JSON object per line on stderr (request id, user, endpoint, "
            "status, duration; operations; errors with traceback); `text` for people", "LOG_FORMAT"),
    Setting("LMS_LOG_LEVEL", "INFO", "lowest level written: `DEBUG`, `INFO`, `WARNING`, `ERROR`", "LOG_LEVEL",
            str.upper),
    Setting("LMS_SIGN_IN_RATE_LIMIT", "10 per minute; 50 per hour",
            "refused sign-ins and password changes allowed per client address", "SIGN_IN_RATE_LIMIT"),
    Setting("LMS_ACTIVATION_LINK_DAYS", "14", "days an activation or password-reset link stays usable (printed "
            "on the slip the admin hands out); a link works once", "ACTIVATION_LINK_DAYS", _whole_number),
    Setting("LMS_CODE_RATE_LIMIT", "20 per minute; 100 per hour",
            "refused check-in codes and certificate codes allowed per client address", "CODE_RATE_LIMIT"),
    Setting("LMS_SMTP_HOST", None, "the SMTP server notifications are mailed through (the province's relay); "
            "unset: notifications show in the app only, as the admin's notification page says", "SMTP_HOST"),
    Setting("LMS_SMTP_PORT", "587", "its port", "SMTP_PORT", _whole_number),
    Setting("LMS_SMTP_SECURITY", "starttls", "`starttls`, `tls` (SMTPS, usually port 465) or `none` (a relay on "
            "a trusted network)", "SMTP_SECURITY", _smtp_security),
    Setting("LMS_SMTP_USER", None, "the SMTP account, when the server asks for one", "SMTP_USER"),
    Setting("LMS_SMTP_PASSWORD", None, "its password", "SMTP_PASSWORD"),
    Setting("LMS_SMTP_FROM", "no-reply@localhost", "the sender address of notification mail", "SMTP_FROM"),
    Setting("LMS_MAIL_QUIET_HOURS", "21-7", "site-time hours when no notification mail leaves (`21-7`: from "
            "21:00 to 07:00; empty `0-0`: none); what waits goes out after them", "MAIL_QUIET_HOURS",
            _quiet_hours),
    Setting("LMS_GRADING_WAIT_DAYS", "7", "days a submitted report may wait for grading before its lecturers "
            "are reminded", "GRADING_WAIT_DAYS", _whole_number),
    Setting("LMS_BIND", "127.0.0.1:5000",
            "where gunicorn listens (`deploy/gunicorn.conf.py`); `make run PORT=8080` serves on 127.0.0.1:8080"),
    Setting("LMS_WORKERS", None, "gunicorn worker processes; unset: 2 × CPU cores + 1"),
    Setting("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1,::1",
            "addresses of the proxies whose X-Forwarded-Proto gunicorn believes"),
    Setting("LMS_TEST_DATABASE_URL", None, "tests: the database the suite runs on; unset: a temporary SQLite file"),
    Setting("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0", "tests: the Redis database the job-queue tests use"),
    Setting("LMS_REQUIRE_BROWSER", None, "tests: `1` fails the browser tests instead of skipping them without "
            "Chromium (CI)"),
    Setting("LMS_CHROMIUM", "/usr/bin/chromium", "tests: the Chromium the browser tests drive"),
    Setting("LMS_SCREENSHOT_DIR", None, "tests: where the browser tests save the 360 px screenshots of every table "
            "page; unset: a temporary folder"),
)
SETTING_NAMES = frozenset(s.name for s in SETTINGS)


def instance_folder(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("LMS_INSTANCE_FOLDER") or ROOT / "instance")


def raw_value(setting: Setting, environ: Mapping[str, str] = os.environ) -> str | None:
    """The setting as text: from the environment (an empty variable counts as unset), else its default."""
    value = environ.get(setting.name) or setting.default
    if value is None:
        return None
    return value.replace("<checkout>", str(ROOT)).replace("<instance>", str(instance_folder(environ)))


def setting(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    return raw_value(next(s for s in SETTINGS if s.name == name), environ)


def read_settings(environ: Mapping[str, str] = os.environ) -> dict:
    """The app.config values of every setting, from the environment or the defaults."""
    values = {}
    for item in SETTINGS:
        if item.key is None:
            continue
        raw = raw_value(item, environ)
        try:
            values[item.key] = None if raw is None else item.convert(raw)
        except ValueError as bad:
            raise ConfigurationError(f"{item.name}: {bad}") from None
    return values


def unknown_variables(environ: Mapping[str, str] = os.environ) -> list[str]:
    """`LMS_*` variables that name no setting (a typo, or a setting that was removed), with a likely meant one."""
    found = []
    for name in sorted(n for n in environ if n.startswith("LMS_") and n not in SETTING_NAMES):
        close = difflib.get_close_matches(name, SETTING_NAMES, n=1)
        found.append(f"{name} (did you mean {close[0]}?)" if close else name)
    return found


def settings_table() -> str:
    """The README's table of settings, in Markdown."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for item in SETTINGS:
        default = f"`{item.default}`" if item.default is not None else "unset"
        lines.append(f"| `{item.name}` | {default} | {item.meaning} |")
    return "\n".join(lines) + "\n"


# --- the secret key -------------------------------------------------------------------------------------------

def secret_key_problem(key: str | None) -> str | None:
    """Why `key` cannot sign sessions safely, or None when it can."""
    if not key:
        return "SECRET_KEY is not set"
    if key in PUBLISHED_KEYS:
        return "SECRET_KEY is a value published with the source code"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY has {len(key)} characters, fewer than {MIN_SECRET_KEY_LENGTH}"
    return None


def how_to_set_secret_key(instance: Path) -> str:
    return (
        "Set SECRET_KEY to a long random value, the same on every app server, e.g. the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`, or run `make run` once, which "
        f"creates {instance / SECRET_KEY_FILE} (mode 0600)."
    )


def read_secret_key_file(instance: Path) -> str | None:
    path = instance / SECRET_KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def secret_key_file_too_open(instance: Path) -> bool:
    path = instance / SECRET_KEY_FILE
    return path.exists() and bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def ensure_secret_key_file(instance: Path) -> bool:
    """Create `<instance>/secret_key` with a random key, readable by its owner only; True when created now."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / SECRET_KEY_FILE
    if path.exists():
        return False
    # Written whole under another name, then linked into place: a second process starting at the same moment
    # finds either no key or the whole key, never an empty file, and keeps the one that was linked first.
    fd, temporary = tempfile.mkstemp(dir=instance, prefix=f".{SECRET_KEY_FILE}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: created exclusively, then written
        return _create_exclusively(path)
    finally:
        os.unlink(temporary)
    return True


def _create_exclusively(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    return True


# --- folders --------------------------------------------------------------------------------------------------

def writable_problem(path: str | os.PathLike) -> str | None:
    """Why files cannot be written in `path` (created when missing), or None when they can."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as failed:
        return failed.strerror or str(failed)
    return None


# --- fixed settings -------------------------------------------------------------------------------------------

class Config:
    """What does not change between installations; the rest comes from SETTINGS."""

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # engine_options(): the database's own
    BABEL_DEFAULT_LOCALE = "vi"
    LANGUAGES = ("vi", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None
    # Pages are compressed as they leave Flask (static files are compressed once, by lms.assets); streamed
    # downloads pass untouched so that they keep streaming.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIMETYPES = ["text/html", "text/plain", "application/json", "image/svg+xml"]
    COMPRESS_STREAMS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    # RFC 9106 second recommended option: memory-hard, 64 MiB per hash.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 64 * 1024
    ARGON2_PARALLELISM = 1
    SIGN_IN_MAX_FAILURES = 5
    SIGN_IN_WINDOW_MINUTES = 15
    # Guessing limits (lms.throttling); how many tries: LMS_SIGN_IN_RATE_LIMIT and LMS_CODE_RATE_LIMIT.
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "lms"
    # If Redis is unreachable, count in memory meanwhile rather than refuse every sign-in.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    TESTING = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 1024
    SERVER_NAME = None
    REDIS_URL = None  # the job-queue tests choose their storage themselves


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {}  # connections idle for a while are checked before use (lms.db.PING_AFTER_IDLE_SECONDS)
