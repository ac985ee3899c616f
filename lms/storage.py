"""Where uploaded files are kept: a folder on this machine (the embedded default) or S3-compatible object
storage, which several app machines share as they share the database.

`LMS_STORAGE_URL` unset: files live under `LMS_UPLOAD_FOLDER`. `s3://bucket/prefix`: objects of that bucket
under that prefix, through boto3; `LMS_S3_ENDPOINT_URL` names the server (MinIO, Ceph, a provider's
endpoint; unset: AWS), and the credentials and region come from the standard AWS variables
(`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`) or files, as for any AWS tool.

Callers choose the names (random ones, see lms.delivery.files) and an area that keeps kinds of files apart.
Either storage writes a file completely or not at all.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app

STAGING_SUFFIX = ".part"


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    modified: float  # seconds since the epoch
    partial: bool  # a write that never finished (a local staging file)


class Storage(Protocol):
    def put(self, area: str, name: str, data: bytes) -> None: ...
    def put_file(self, area: str, name: str, source: BinaryIO) -> None: ...
    def open(self, area: str, name: str) -> BinaryIO: ...
    def delete(self, area: str, name: str) -> None: ...
    def listing(self, area: str) -> Iterator[StoredFile]: ...
    def problem(self) -> str | None: ...


class LocalFolder:
    """Files under a folder: written under a staging name, made durable, then renamed into place."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFolder({str(self.root)!r})"

    def folder(self, area: str) -> Path:
        path = self.root / area
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, area: str, name: str) -> Path:
        return self.folder(area) / name

    def put(self, area: str, name: str, data: bytes) -> None:
        self._write(area, name, lambda f: f.write(data))

    def put_file(self, area: str, name: str, source: BinaryIO) -> None:
        """Copy a file (read from where it stands) into the storage: a large one, never whole in memory."""
        self._write(area, name, lambda f: shutil.copyfileobj(source, f, 1024 * 1024))

    def _write(self, area: str, name: str, write) -> None:
        target = self.path(area, name)
        staging = target.with_name(name + STAGING_SUFFIX)
        try:
            with open(staging, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(staging, target)
        except BaseException:  # a full disk, a killed request: nothing of this file stays behind
            _unlink(staging)
            _unlink(target)
            raise

    def open(self, area: str, name: str) -> BinaryIO:
        return open(self.path(area, name), "rb")

    def delete(self, area: str, name: str) -> None:
        _unlink(self.path(area, name))

    def listing(self, area: str) -> Iterator[StoredFile]:
        with os.scandir(self.folder(area)) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    yield StoredFile(entry.name, stat.st_size, stat.st_mtime, entry.name.endswith(STAGING_SUFFIX))

    def problem(self) -> str | None:
        return None if os.access(self.root, os.W_OK) else "upload folder (LMS_UPLOAD_FOLDER) is not writable"


class S3Bucket:
    """Objects in a bucket under a prefix. A PUT makes an object whole or not at all: no staging names."""

    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None = None):
        self.bucket, self.prefix, self.endpoint_url = bucket, prefix.strip("/"), endpoint_url
        self._clients: dict[int, object] = {}

    def __repr__(self) -> str:
        return f"S3Bucket({self.bucket!r}, {self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    @property
    def client(self):
        # One client per process: a client made before gunicorn forks would share its connections.
        pid = os.getpid()
        if pid not in self._clients:
            import boto3

            self._clients = {pid: boto3.client("s3", endpoint_url=self.endpoint_url)}
        return self._clients[pid]

    def key(self, area: str, name: str = "") -> str:
        return "/".join(part for part in (self.prefix, area) if part) + "/" + name

    def put(self, area: str, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(area, name), Body=data)

    def put_file(self, area: str, name: str, source: BinaryIO) -> None:
        """Upload a file in parts when it is large; the object appears once every part is there."""
        self.client.upload_fileobj(source, self.bucket, self.key(area, name))

    def open(self, area: str, name: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(area, name))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(self.key(area, name)) from None

    def delete(self, area: str, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(area, name))

    def listing(self, area: str) -> Iterator[StoredFile]:
        start = self.key(area)
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", ()):
                name = item["Key"][len(start):]
                if name and "/" not in name:
                    yield StoredFile(name, item["Size"], item["LastModified"].timestamp(), False)

    def problem(self) -> str | None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as failed:  # noqa: BLE001 (any answer but success means uploads cannot be kept)
            return f"object storage (LMS_STORAGE_URL) does not answer: {failed}"
        return None


def from_settings(storage_url: str | None, upload_folder: str, endpoint_url: str | None = None) -> Storage:
    """The storage `LMS_STORAGE_URL` names (unset: the upload folder)."""
    if not storage_url:
        return LocalFolder(upload_folder)
    parts = urlsplit(storage_url)  # checked when the settings were read (lms.config)
    return S3Bucket(parts.netloc, parts.path, endpoint_url)


def for_app(app: Flask) -> Storage:
    """The storage `app`'s settings name, made once per settings (tests change them)."""
    config = app.config
    chosen = (config.get("STORAGE_URL"), config["UPLOAD_FOLDER"], config.get("S3_ENDPOINT_URL"))
    made = app.extensions.setdefault("lms_storage", {})
    if chosen not in made:
        made[chosen] = from_settings(*chosen)
    return made[chosen]


def current() -> Storage:
    """The storage of the current application."""
    return for_app(current_app)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
