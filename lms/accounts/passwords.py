"""Password hashing with Argon2id (memory-hard), tuned from the app config."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_DUMMY_HASHES: dict[str, str] = {}


def burn_time_like_a_verify(password: str) -> None:
    """Spend as long as a real verify so unknown accounts cannot be told apart by timing."""
    cfg = current_app.config
    key = f"{cfg['ARGON2_TIME_COST']}:{cfg['ARGON2_MEMORY_COST_KIB']}:{cfg['ARGON2_PARALLELISM']}"
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hash_password("not-a-real-password")
    verify_password(_DUMMY_HASHES[key], password)
