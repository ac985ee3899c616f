"""Read the content/ tree (Markdown with YAML front matter) into plain dataclasses, and check it.

Nothing here touches the database: `load_content(root)` returns a `Content` or raises `ContentErrors` with
every problem found, each with its file, line and reason. The importer (lms.content.importer) passes in
what the database already knows (titles, documents, localities) so references to them are accepted too.
See content/README.md for the format.

    specs    the dataclasses a tree is read into, the problems, the file layout
    fields   typed access to one YAML mapping, recording a problem per bad field
    reader   reading each kind of file, then checking references across the tree
"""
from lms.content.loader.reader import load_content
from lms.content.loader.specs import (
    DOCUMENTS_DIR,
    MODULE_FILE,
    MODULES_DIR,
    PROGRAMS_DIR,
    QUIZ_FILE,
    THEORY_LEVEL_NAMES,
    TITLES_FILE,
    Content,
    ContentErrors,
    DocumentSpec,
    ModuleSpec,
    Problem,
    ProgramSpec,
    normalise_body,
)

__all__ = [
    "DOCUMENTS_DIR", "MODULES_DIR", "MODULE_FILE", "PROGRAMS_DIR", "QUIZ_FILE", "THEORY_LEVEL_NAMES", "TITLES_FILE",
    "Content", "ContentErrors", "DocumentSpec", "ModuleSpec", "Problem", "ProgramSpec", "load_content",
    "normalise_body",
]
