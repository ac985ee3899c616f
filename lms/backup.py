"""Consistent copies of a live SQLite database through SQLite's online backup API."""
from __future__ import annotations

import os
import sqlite3

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def sqlite_path(uri: str) -> str:
    url = make_url(uri)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "backup only copies SQLite databases; back up PostgreSQL with pg_dump (see README)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return url.database


def backup_sqlite(uri: str, target: str) -> dict:
    """Copy the database as of one moment while writers go on; then verify the copy with integrity_check."""
    source_path = sqlite_path(uri)
    if os.path.abspath(source_path) == os.path.abspath(target):
        raise BackupError("the backup file must differ from the live database")
    partial = target + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    try:
        pages, tables = _copy(source_path, partial)
        os.replace(partial, target)
    except BaseException:
        # A copy that failed (a full disk, a bad check) leaves no partial file to fill the disk further.
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return {"pages": pages, "tables": tables}


def _copy(source_path: str, partial: str) -> tuple[int, int]:
    source = sqlite3.connect(source_path, timeout=30)
    dest = sqlite3.connect(partial)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        # One step, inside one read transaction: the copy is a single consistent snapshot. In WAL mode
        # that reader does not block writers, and nothing restarts the copy when they commit.
        source.backup(dest, pages=-1)
        dest.execute("PRAGMA journal_mode=DELETE")
        result = dest.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
        pages = dest.execute("PRAGMA page_count").fetchone()[0]
        tables = dest.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    finally:
        dest.close()
        source.close()
    return pages, tables
