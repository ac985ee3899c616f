"""Attachments: the type is recognised from the content (magic bytes), never from the name; files are
written under UPLOAD_FOLDER with random names, completely, before any row points at them.
"""
from __future__ import annotations

import contextlib
import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

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


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "submissions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    return folder() / stored_name


def store(data: bytes) -> str:
    """Write the bytes under a new random name (via a temporary file, then an atomic rename)."""
    name = secrets.token_hex(20)
    target = path_of(name)
    temporary = target.with_name(name + ".part")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, target)
    return name


def remove(stored_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        path_of(stored_name).unlink()
