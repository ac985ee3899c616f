from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from lms.dates import TITLE_DATES
from lms.forms import InRange, PageForm, choices
from lms.organisation.models import TitleLevel
from lms.pickers import PickerField


def title_level_choices():
    return choices([
        (TitleLevel.CENTRAL.value, _l("Trung ương")),
        (TitleLevel.PROVINCE.value, _l("Cấp tỉnh")),
        (TitleLevel.COMMUNE.value, _l("Cấp xã")),
        (TitleLevel.DISTRICT.value, _l("Cấp huyện (trước 1/7/2025)")),
    ])


def unit_choices(units, base_depth: int = 0, blank: str | None = None):
    """Options for a unit select in tree order, indented by depth below the admin's scope."""
    pairs = [(0, blank)] if blank else []
    pairs += [(u.id, "\u2003" * (u.depth - base_depth) + u.name + (f" ({u.code})" if u.code else "")) for u in units]
    return choices(pairs)


class UnitForm(PageForm):
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(_l("Hãy nhập tên đơn vị.")), Length(max=255)])
    code = StringField(_l("Mã đơn vị"), validators=[Optional(), Length(max=50)],
                       description=_l("Mã dùng khi nhập người dùng từ tệp CSV."))
    parent_id = PickerField(_l("Thuộc đơn vị"), kind="units",
                            validators=[DataRequired(_l("Hãy chọn đơn vị cấp trên."))])
    locality_id = PickerField(_l("Địa bàn"), kind="localities")
    submit = SubmitField(_l("Lưu"))


class TitleForm(PageForm):
    code = StringField(_l("Mã chức danh"), validators=[DataRequired(_l("Hãy nhập mã chức danh.")), Length(max=50)])
    name = StringField(_l("Tên chức danh"), validators=[DataRequired(_l("Hãy nhập tên chức danh.")), Length(max=255)])
    level = SelectField(_l("Cấp"), choices=title_level_choices())
    group = StringField(_l("Nhóm"), validators=[Optional(), Length(max=100)])
    is_key = BooleanField(_l("Chức danh lãnh đạo chủ chốt"))
    valid_from = DateField(_l("Có hiệu lực từ ngày"), validators=[Optional(), InRange(TITLE_DATES)])
    valid_to = DateField(_l("Hết hiệu lực từ ngày"), validators=[Optional(), InRange(TITLE_DATES)])
    submit = SubmitField(_l("Lưu"))
