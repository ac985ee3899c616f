"""Every message the code and templates show has its English translation."""
from lms.catalogs import untranslated


def test_every_message_has_an_english_translation():
    assert untranslated("en") == []


def test_every_wtforms_message_has_a_vietnamese_translation():
    """WTForms writes its own messages ("This field is required.") in English and ships no Vietnamese."""
    from pathlib import Path

    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    from lms.catalogs import WTFORMS_VI

    with (Path(messages_path()) / "wtforms.pot").open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with WTFORMS_VI.open("rb") as f:
        have = {(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(f, locale="vi")
                if m.id and (m.string if isinstance(m.string, str) else m.string[0])}
    assert wanted - have == set()


def test_messages_of_the_shared_macros_are_extracted():
    """Babel's directory walk leaves out folders starting with "_"; templates/_macros/ must still be read."""
    from lms.catalogs import extract

    assert ("Trang sau", None) in extract()


def test_a_catalogue_compiled_again_is_replaced_whole_under_a_reader_that_has_it_open(tmp_path):
    """`make test` and `make run` compile the catalogues while another process may be reading them."""
    from babel.messages.catalog import Catalog

    from lms.catalogs import _write_atomically

    mo = tmp_path / "messages.mo"
    old, new = Catalog(locale="en"), Catalog(locale="en")
    old.add("Bài học", "Lesson")
    new.add("Bài học", "Lesson")
    new.add("Học phần", "Module")
    _write_atomically(mo, old)
    with mo.open("rb") as reader:
        _write_atomically(mo, new)
        first = reader.read()  # what the reader opened stays whole: the new file took the name, not its bytes
    assert b"Lesson" in first
    assert b"Module" not in first
    assert b"Module" in mo.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["messages.mo"]
