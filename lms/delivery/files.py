"""Attachments: the type is recognised from the content (magic bytes), never from the name; files are
written to the storage (lms.storage: the upload folder, or object storage) with random names, completely,
before any row points at them.

In the upload folder a file is written under a staging name (`<name>.part`), made durable, then renamed; an
object is stored whole or not at all. A failed write (a full disk) removes what it wrote, and
lms.delivery.reports removes the files of a transaction that does not commit. What a killed process leaves
behind (a staging file, or a finished file whose row never committed) is found by `sweep_orphan_files`, run
periodically and by `flask lms files sweep`.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from lms import storage
from lms.delivery.models import SubmissionFile
from lms.extensions import db

ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_MAIN = DOCX + ".main+xml"
# Inner entries we read to tell a document from any other zip; small by nature, so bounded.
MAX_INNER_ENTRY = 512 * 1024


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extension: str


PDF_KIND = Kind("PDF", "application/pdf", ".pdf")
PNG_KIND = Kind("PNG", "image/png", ".png")
JPEG_KIND = Kind("JPEG", "image/jpeg", ".jpg")
DOCX_KIND = Kind("DOCX", DOCX, ".docx")
ODT_KIND = Kind("ODT", ODT, ".odt")
ALLOWED_LABELS = "PDF, DOCX, ODT, JPEG, PNG"


def _zip_kind(data: bytes) -> Kind | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names and archive.getinfo("mimetype").file_size <= MAX_INNER_ENTRY:
            if archive.read("mimetype").strip() == ODT.encode():
                return ODT_KIND
            return None
        if ("[Content_Types].xml" in names and "word/document.xml" in names
                and archive.getinfo("[Content_Types].xml").file_size <= MAX_INNER_ENTRY
                and DOCX_MAIN.encode() in archive.read("[Content_Types].xml")):
            return DOCX_KIND
    except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError, NotImplementedError):
        return None
    return None


def sniff(data: bytes) -> Kind | None:
    """The allowed kind this content is, or None."""
    if data.startswith(b"%PDF-"):
        return PDF_KIND
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG_KIND
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG_KIND
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def clean_name(name: str | None, kind: Kind) -> str:
    """A display name for the download: the uploader's, without path parts or control characters."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/"))).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')[:200]
    stem = os.path.splitext(name)[0] or "tep"
    return stem + kind.extension


AREA = "submissions"
STAGING_SUFFIX = storage.STAGING_SUFFIX
# The names this module gives files: 40 hex digits, with the staging suffix while being written.
STORED_NAME = re.compile(r"^[0-9a-f]{40}(?:\.part)?$")


def folder() -> Path:
    """The folder of the files, when they are kept on this machine (LMS_STORAGE_URL unset)."""
    return storage.current().folder(AREA)


def path_of(stored_name: str) -> Path:
    return folder() / stored_name


def store(data: bytes) -> str:
    """Write the bytes under a new random name, completely or not at all (a full disk, a killed request:
    nothing of this file stays behind)."""
    name = secrets.token_hex(20)
    storage.current().put(AREA, name, data)
    return name


def open_stored(stored_name: str) -> BinaryIO:
    """The file's bytes, to be read (and closed) by the caller: a download streams them."""
    return storage.current().open(AREA, stored_name)


def remove(stored_name: str) -> None:
    storage.current().delete(AREA, stored_name)


@dataclass(frozen=True)
class Sweep:
    """What a sweep removed (or, in a dry run, would remove): files, of which staging files, and bytes."""

    files: int
    partial: int
    bytes: int
    dry_run: bool


SWEEP_BATCH = 500


def sweep_orphan_files(older_than: timedelta = timedelta(hours=1), dry_run: bool = False) -> Sweep:
    """Remove stored files that no row names and that are older than `older_than`: staging files of writes
    that never finished and finished files whose transaction never committed (a killed process).

    Younger files are left alone: their request may still be about to commit. Only names this module gives
    are considered; anything else in the folder is not ours to delete.
    """
    cutoff = time.time() - older_than.total_seconds()
    kept = storage.current()
    candidates = {found.name: found for found in kept.listing(AREA)
                  if STORED_NAME.match(found.name) and found.modified < cutoff}
    finished = [name for name in candidates if not name.endswith(STAGING_SUFFIX)]
    named = set()
    for start in range(0, len(finished), SWEEP_BATCH):
        named.update(db.session.scalars(sa.select(SubmissionFile.stored_name)
                                        .where(SubmissionFile.stored_name.in_(finished[start:start + SWEEP_BATCH]))))
    orphans = [found for name, found in candidates.items() if name not in named]
    if not dry_run:
        for found in orphans:
            kept.delete(AREA, found.name)
    return Sweep(files=len(orphans), partial=sum(found.partial for found in orphans),
                 bytes=sum(found.size for found in orphans), dry_run=dry_run)
