from flask_babel import lazy_gettext as _l

from lms.forms import PageForm
from lms.pickers import PickerField


class CommuneFilterForm(PageForm):
    """The dashboard's commune, typed or chosen (a GET filter beside the page's own)."""

    class Meta:
        csrf = False

    commune = PickerField(_l("Xã, phường, đặc khu"), kind="communes")
