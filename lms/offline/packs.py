"""What a phone downloads to study a module or a program without a connection: the pages (the module pages,
their published lessons, "my curriculum" and the offline shelf), the local images the lessons show, and the
static files those pages load; with the size, so that the trainee sees it before downloading.

Static files are listed under their fingerprinted names (they never change, so a saved copy stays right);
pages are estimated (the lesson text plus the page around it), which is close enough to decide on a download.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for

from lms.curriculum.models import Lesson, Module, ModuleRevision
from lms.extensions import db

# What a page weighs around its content: header, menu, footer and the forms of the lesson page.
PAGE_BYTES = 6 * 1024
IMAGE = re.compile(r"""<img\b[^>]*\bsrc="(/(?:static|media)/[^"?#]+)\"""")
ASSET_SUFFIXES = (".css", ".js", ".png", ".svg", ".json")


@dataclass
class Pack:
    title: str
    modules: list[Module]
    lessons: list[dict] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    bytes: int = 0

    def as_dict(self, key: str) -> dict:
        return {"key": key, "title": self.title, "bytes": self.bytes, "urls": self.urls, "lessons": self.lessons,
                "revisions": {str(m.id): m.published_revision_id for m in self.modules}}


def build_pack(title: str, modules: list[Module]) -> Pack:
    """The pages, images and static files needed to read the published lessons of `modules`."""
    pack = Pack(title=title, modules=[m for m in modules if m.published_revision_id is not None])
    revision_ids = [m.published_revision_id for m in pack.modules]
    rows = db.session.execute(
        sa.select(Lesson.id, Lesson.title, Lesson.body_html, Lesson.position, Lesson.revision_id,
                  ModuleRevision.module_id, ModuleRevision.title.label("module_title"))
        .join(ModuleRevision, ModuleRevision.id == Lesson.revision_id)
        .where(Lesson.revision_id.in_(revision_ids))
    ).all() if revision_ids else []
    order = {revision_id: i for i, revision_id in enumerate(revision_ids)}
    seen: set[str] = set()

    def add(url: str, size: int) -> None:
        if url not in seen:
            seen.add(url)
            pack.urls.append(url)
            pack.bytes += size

    add(url_for("curriculum.my_curriculum"), PAGE_BYTES)
    add(url_for("offline.shelf"), PAGE_BYTES)
    for module in pack.modules:
        add(url_for("curriculum.module_page", module_id=module.id), 2 * PAGE_BYTES)
    for row in sorted(rows, key=lambda r: (order[r.revision_id], r.position, r.id)):
        url = url_for("curriculum.lesson_page", lesson_id=row.id)
        add(url, PAGE_BYTES + len(row.body_html.encode()))
        pack.lessons.append({"id": row.id, "title": row.title, "url": url, "revision_id": row.revision_id,
                             "module_id": row.module_id, "module_title": row.module_title})
        for src in IMAGE.findall(row.body_html):
            add(src, _static_size(src))
    for url, size in static_files():
        add(url, size)
    return pack


def static_files() -> list[tuple[str, int]]:
    """Every stylesheet, script and icon of the static build, under its fingerprinted name, with its size."""
    folder: Path = current_app.extensions["lms.assets"]
    manifest = _manifest(folder)
    found = []
    for endpoint, names in sorted(manifest.items()):
        for name, hashed in sorted(names.items()):
            if name.endswith(ASSET_SUFFIXES):
                size = (folder / endpoint / hashed).stat().st_size
                found.append((url_for(endpoint, filename=name), size))
    return found


def _manifest(folder: Path) -> dict:
    from lms.assets import read_manifest

    return read_manifest(folder)


def _static_size(src: str) -> int:
    prefix = f"{current_app.static_url_path}/"
    if src.startswith(prefix):
        path = Path(current_app.static_folder) / src[len(prefix):]
        if path.is_file():
            return path.stat().st_size
    return 0
