from flask_babel import lazy_gettext as _l

from lms.forms import PageForm
from lms.pickers import PickerField


class PickedFilters(PageForm):
    """The dashboard's commune and program, typed or chosen (GET filters beside the page's own)."""

    class Meta:
        csrf = False

    commune = PickerField(_l("Xã, phường, đặc khu"), kind="communes")
    program = PickerField(_l("Chương trình"), kind="programs")
