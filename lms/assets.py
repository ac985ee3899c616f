"""Static files for a phone on a slow link: fingerprinted names, precompressed, cached for a year.

`build_assets` copies `static/` and the Bootstrap files that Bootstrap-Flask's `load_css`/`load_js` link to
into `instance/assets/<signature>/`, adds a copy of each file named after a hash of its content
(`css/app.3f2a9c01d4e5.css`), compresses every copy with WhiteNoise's compressor (gzip and brotli) and
writes a manifest. The signature covers the names, sizes and times of the sources, so an edited file
gives a new folder at the next start and a build is never half-seen (it is written aside, then renamed).

`init_app` serves that folder with WhiteNoise in front of Flask (no session, no database, no cookie) and
makes `url_for("static", filename=...)` and `url_for("bootstrap.static", ...)` return the hashed names.
A hashed name never changes content, so it is sent with `Cache-Control: public, max-age=31536000,
immutable`; an unhashed name gets one minute.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

BUILD_FORMAT = "1"  # bump when the layout of a build changes
MANIFEST = "manifest.json"
ONE_YEAR = 365 * 24 * 60 * 60
# Only what load_css() and load_js() link to; Bootstrap-Flask also ships themes and icon fonts we never use.
BOOTSTRAP_FILES = ("css/bootstrap.min.css", "js/bootstrap.min.js", "umd/popper.min.js")
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


def asset_sources(app: Flask) -> dict[str, tuple[Path, list[str]]]:
    """The files to publish, per URL endpoint: (folder, relative names)."""
    static_root = Path(app.static_folder)
    static_files = sorted(
        path.relative_to(static_root).as_posix()
        for path in static_root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    bootstrap_root = Path(app.blueprints["bootstrap"].static_folder)
    return {
        "static": (static_root, static_files),
        "bootstrap.static": (bootstrap_root, list(BOOTSTRAP_FILES)),
    }


def signature(sources: dict[str, tuple[Path, list[str]]]) -> str:
    digest = hashlib.sha256(BUILD_FORMAT.encode())
    for endpoint, (root, names) in sorted(sources.items()):
        for name in names:
            stat = (root / name).stat()
            digest.update(f"{endpoint}\0{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def hashed_name(name: str, data: bytes) -> str:
    """ "css/bootstrap.min.css" -> "css/bootstrap.min.<12 hex digits>.css" """
    stem, dot, extension = name.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"{stem}.{digest}.{extension}" if dot else f"{name}.{digest}"


def build_assets(sources: dict[str, tuple[Path, list[str]]], target: Path) -> dict[str, dict[str, str]]:
    """Write the fingerprinted, compressed copies and the manifest into `target` (once; atomically)."""
    if (target / MANIFEST).exists():
        return read_manifest(target)
    work = target.with_name(f"{target.name}.tmp{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    compressor = Compressor(quiet=True)
    manifest: dict[str, dict[str, str]] = {}
    for endpoint, (root, names) in sources.items():
        names_out = manifest.setdefault(endpoint, {})
        for name in names:
            data = (root / name).read_bytes()
            hashed = hashed_name(name, data)
            names_out[name] = hashed
            for out_name in (name, hashed):
                out = work / endpoint / out_name
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                if compressor.should_compress(out.name):
                    compressor.compress(str(out))
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    try:
        work.rename(target)
    except OSError:  # another process finished the same build first
        shutil.rmtree(work, ignore_errors=True)
    return read_manifest(target)


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def prune_builds(assets_root: Path, keep: Path) -> list[Path]:
    """Remove earlier builds (run from the command line, when no older worker still serves them)."""
    removed = []
    for folder in assets_root.iterdir():
        if folder.is_dir() and not folder.is_symlink() and folder != keep:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def point_current_at(folder: Path) -> Path:
    """Make `<assets>/current` name this build (atomically), so that nginx can serve it without the app."""
    link = folder.parent / "current"
    staging = folder.parent / f"current.tmp{os.getpid()}"
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    staging.symlink_to(folder.name)
    staging.replace(link)
    return link


class StaticFiles(WhiteNoise):
    def add_cache_headers(self, headers, path, url):
        if HASHED_NAME.search(url):
            headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        else:
            headers["Cache-Control"] = "public, max-age=60"


def init_app(app: Flask) -> None:
    sources = asset_sources(app)
    folder = Path(app.instance_path) / "assets" / signature(sources)
    manifest = build_assets(sources, folder)
    app.extensions["lms.assets"] = folder

    server = StaticFiles(app.wsgi_app, allow_all_origins=False)
    server.add_files(folder / "static", prefix=f"{app.static_url_path}/")
    server.add_files(folder / "bootstrap.static", prefix=f"/bootstrap{app.static_url_path}/")
    app.wsgi_app = server

    @app.url_defaults
    def _fingerprinted(endpoint, values):
        names = manifest.get(endpoint)
        if names is not None:
            hashed = names.get(values.get("filename"))
            if hashed is not None:
                values["filename"] = hashed
