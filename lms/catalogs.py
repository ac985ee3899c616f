"""Translation catalogues, one per domain (lms/<domain>/translations) plus a shared one (lms/translations).

Messages are written in Vietnamese in the code; the catalogues give the English. A message belongs to the
catalogue of the domain whose code or templates (templates/<domain>/) use it first; Flask-Babel merges
them all at run time.
"""
from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from lms.config import ROOT

KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None,
            "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
METHOD_MAP = [("lms/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS_MAP = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
LOCALES = ("en",)
# A fixed header date: rewriting a catalogue changes only its messages, so parallel edits merge cleanly.
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def catalogue_dirs() -> list[Path]:
    """Every translations folder Flask-Babel should read."""
    dirs = [ROOT / "lms" / "translations"]
    dirs += sorted(p / "translations" for p in (ROOT / "lms").iterdir() if (p / "__init__.py").exists())
    return dirs


def _owner(filename: str) -> Path:
    parts = Path(filename).parts
    if len(parts) > 2 and parts[0] in ("lms", "templates") and (ROOT / "lms" / parts[1] / "__init__.py").exists():
        return ROOT / "lms" / parts[1] / "translations"
    return ROOT / "lms" / "translations"


def _searched(dirpath: str) -> bool:
    """Babel's default leaves out folders starting with "_" too, and so missed templates/_macros/."""
    return not Path(dirpath).name.startswith(".")


def extract() -> dict[tuple, Path]:
    """Every message in the code and templates, with the catalogue that owns it."""
    found: dict[tuple, Path] = {}
    for filename, _lineno, message, _comments, context in sorted(
        extract_from_dir(str(ROOT), METHOD_MAP, OPTIONS_MAP, KEYWORDS, directory_filter=_searched),
        key=lambda m: m[0]
    ):
        key = (message, context)
        if key not in found:
            found[key] = _owner(filename)
    return found


def _po_path(folder: Path, locale: str) -> Path:
    return folder / locale / "LC_MESSAGES" / "messages.po"


def known_translations(locale: str) -> dict:
    known = {}
    for folder in catalogue_dirs():
        path = _po_path(folder, locale)
        if path.exists():
            with path.open("rb") as f:
                for message in read_po(f, locale=locale):
                    if message.id and message.string:
                        known[(message.id, message.context)] = message.string
    return known


def update() -> dict[str, int]:
    """Rewrite every catalogue with the messages it owns, keeping all known translations."""
    missing = {}
    messages = extract()
    for locale in LOCALES:
        known = known_translations(locale)
        by_folder: dict[Path, Catalog] = {}
        for (msgid, context), folder in messages.items():
            catalog = by_folder.setdefault(folder, Catalog(locale=locale, project="lms", fuzzy=False,
                                                           creation_date=FIXED_DATE, revision_date=FIXED_DATE))
            catalog.add(msgid, known.get((msgid, context), "" if not isinstance(msgid, tuple) else ("", "")),
                        context=context)
        for folder in catalogue_dirs():
            path = _po_path(folder, locale)
            catalog = by_folder.get(folder)
            if catalog is None:
                if path.exists():
                    path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                write_po(f, catalog, width=0, omit_header=False, sort_output=True, no_location=True)
        missing[locale] = sum(1 for key in messages if not known.get(key))
    return missing


# WTForms' own messages in Vietnamese (lms.forms reads the .po directly).
WTFORMS_VI = ROOT / "lms" / "translations" / "vi" / "LC_MESSAGES" / "wtforms.po"


def compile_all() -> int:
    count = 0
    for folder in catalogue_dirs():
        for locale in LOCALES:
            po = _po_path(folder, locale)
            if po.exists():
                with po.open("rb") as f:
                    catalog = read_po(f, locale=locale)
                _write_atomically(po.with_suffix(".mo"), catalog)
                count += 1
    return count


def _write_atomically(mo: Path, catalog) -> None:
    """Replace `mo` in one step: a server or a test run reading the catalogues never sees half a file."""
    fd, temporary = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog)
        os.chmod(temporary, 0o644)
        os.replace(temporary, mo)
    except BaseException:
        os.unlink(temporary)
        raise


def untranslated(locale: str = "en") -> list[str]:
    known = known_translations(locale)
    return sorted(str(key[0]) for key in extract() if not known.get(key))
