from flask_babel import lazy_gettext as _l
from wtforms import DateField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.dates import CLASS_DATES
from lms.forms import InRange, PageForm


class InspectionForm(PageForm):
    inspected_on = DateField(_l("Ngày kiểm tra"), validators=[DataRequired(), InRange(CLASS_DATES)])
    findings = TextAreaField(_l("Kết quả kiểm tra (những điều phát hiện)"),
                             validators=[DataRequired(), Length(max=10000)], render_kw={"rows": 5})
    recommendations = TextAreaField(_l("Kiến nghị"), validators=[Optional(), Length(max=10000)],
                                    render_kw={"rows": 3})
    follow_up_due = DateField(_l("Hạn trả lời"), validators=[DataRequired(), InRange(CLASS_DATES)])
    submit = SubmitField(_l("Ghi kết quả kiểm tra"))


class PackForm(PageForm):
    submit = SubmitField(_l("Lập hồ sơ minh chứng"))


class AnswerForm(PageForm):
    answer = TextAreaField(_l("Trả lời, kết quả khắc phục"), validators=[DataRequired(), Length(max=10000)],
                           render_kw={"rows": 4})
    submit = SubmitField(_l("Gửi trả lời"))
