"""Configuration from the environment."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'lms.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    UPLOAD_FOLDER = os.environ.get("LMS_UPLOAD_FOLDER", str(ROOT / "instance" / "uploads"))
    MAX_CONTENT_LENGTH = int(os.environ.get("LMS_MAX_UPLOAD_MB", "20")) * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("LMS_SECURE_COOKIES", "0") == "1"
    WTF_CSRF_TIME_LIMIT = None
    # RFC 9106 second recommended option: memory-hard, 64 MiB per hash.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 64 * 1024
    ARGON2_PARALLELISM = 1
    SIGN_IN_MAX_FAILURES = 5
    SIGN_IN_WINDOW_MINUTES = 15
    # Refused tries allowed per client address, in the syntax "N per minute; M per hour" (lms.throttling).
    SIGN_IN_RATE_LIMIT = os.environ.get("LMS_SIGN_IN_RATE_LIMIT", "10 per minute; 50 per hour")
    CODE_RATE_LIMIT = os.environ.get("LMS_CODE_RATE_LIMIT", "20 per minute; 100 per hour")
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "lms"
    # If Redis is unreachable, count in memory meanwhile rather than refuse every sign-in.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    TESTING = False
    LOG_FORMAT = os.environ.get("LMS_LOG_FORMAT", "json")  # or "text", for people reading a terminal
    LOG_LEVEL = os.environ.get("LMS_LOG_LEVEL", "INFO").upper()
    # The job queue and the guessing limits' counters (lms.throttling): Redis when set (several machines),
    # else a SQLite file beside the database and each process's memory.
    REDIS_URL = os.environ.get("LMS_REDIS_URL") or None
    JOBS_SQLITE = os.environ.get("LMS_JOBS_SQLITE") or None  # default: instance/jobs.sqlite3
    JOBS_WORKERS = int(os.environ.get("LMS_JOBS_WORKERS", "2"))


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
    return {"pool_pre_ping": True}
