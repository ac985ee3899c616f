"""Every message the code and templates show has its English translation."""
from lms.catalogs import untranslated


def test_every_message_has_an_english_translation():
    assert untranslated("en") == []
