"""Forms for quiz authoring, completion rules, certificate revocation and the certificate issuer."""
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.dates import CLASS_DATES
from lms.formats import local_naive
from lms.forms import InRange, PageForm, SubForm, choices
from lms.pickers import PickerField


class QuizSettingsForm(PageForm):
    title = StringField(_l("Tên bài kiểm tra"), validators=[DataRequired(), Length(max=255)])
    pass_percent = IntegerField(_l("Điểm đạt (%)"), validators=[DataRequired(), NumberRange(1, 100)])
    max_attempts = IntegerField(_l("Số lượt làm tối đa (để trống: không giới hạn)"),
                                validators=[Optional(), NumberRange(1, 100)])
    time_limit_minutes = IntegerField(_l("Thời gian làm bài, phút (để trống: không giới hạn)"),
                                      validators=[Optional(), NumberRange(1, 600)])
    # Choices are the published lessons, set by the view.
    ends_lesson_key = SelectField(_l("Bài kiểm tra kết thúc bài học (đạt thì bài học được tính là hoàn thành)"),
                                  validators=[Optional()])
    # Entered and shown in the site's time zone, stored in UTC (`show_window`, `window_utc`); named unlike the
    # model's columns so that the form never takes the stored UTC values as local ones.
    opens_local = DateTimeLocalField(_l("Mở từ (để trống: mở ngay)"), format="%Y-%m-%dT%H:%M",
                                  validators=[Optional(), InRange(CLASS_DATES)])
    closes_local = DateTimeLocalField(_l("Đóng lúc (để trống: không đóng)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional(), InRange(CLASS_DATES)])
    submit = SubmitField(_l("Lưu cài đặt"))

    def show_window(self, quiz) -> None:
        """The quiz's stored window (UTC) in local time, for the form shown before any post."""
        self.opens_local.data, self.closes_local.data = local_naive(quiz.opens_at), local_naive(quiz.closes_at)

    def validate_closes_local(self, field):
        if field.data is not None and self.opens_local.data is not None and field.data <= self.opens_local.data:
            raise ValidationError(_l("Thời điểm đóng bài kiểm tra phải sau thời điểm mở."))

    def window_utc(self) -> dict:
        """opens_at and closes_at for the service, in UTC (None when left empty)."""
        return {"opens_at": to_utc(self.opens_local.data) if self.opens_local.data else None,
                "closes_at": to_utc(self.closes_local.data) if self.closes_local.data else None}


class ModuleRuleForm(PageForm):
    require_lessons = BooleanField(_l("Hoàn thành mọi bài học"))
    require_quiz = BooleanField(_l("Đạt bài kiểm tra"))
    require_assignment = BooleanField(_l("Bài thu hoạch được chấm đạt"))
    assignment_pass_mark = DecimalField(_l("Điểm đạt bài thu hoạch (thang 100; để trống: theo kết luận chấm)"),
                                        places=1, validators=[Optional(), NumberRange(0, 100)])
    submit = SubmitField(_l("Lưu điều kiện hoàn thành"))


class GiftImportForm(PageForm):
    gift_file = FileField(_l("Tệp GIFT (.gift, .txt)"))
    gift_text = TextAreaField(_l("Hoặc dán nội dung GIFT"), render_kw={"rows": 8})
    submit = SubmitField(_l("Nhập câu hỏi"))


class RevokeForm(PageForm):
    reason = TextAreaField(_l("Lý do thu hồi"), validators=[DataRequired(), Length(max=1000)],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("Thu hồi chứng nhận"))


class IssuerUnitForm(PageForm):
    """Which unit's certificate issuer to set up (a GET form)."""

    class Meta:
        csrf = False

    unit = PickerField(_l("Thiết lập cho đơn vị"), kind="units", validators=[DataRequired(_l("Hãy chọn đơn vị."))])


class CertificateIssuerForm(PageForm):
    heading = SelectField(_l("Tiêu đề góc phải"), choices=choices([
        ("party", _l("ĐẢNG CỘNG SẢN VIỆT NAM (cơ quan Đảng)")),
        ("state", _l("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM (cơ quan Nhà nước)")),
    ]))
    superior_body = StringField(_l("Cơ quan chủ quản (dòng trên, ví dụ TỈNH ỦY QUẢNG TRỊ)"),
                                validators=[Optional(), Length(max=255)])
    name = StringField(_l("Tên cơ sở đào tạo (ví dụ TRƯỜNG CHÍNH TRỊ TỈNH QUẢNG TRỊ)"),
                       validators=[DataRequired(_l("Hãy nhập tên cơ sở đào tạo.")), Length(max=255)])
    place = StringField(_l("Địa danh ghi trước ngày tháng (ví dụ Quảng Trị)"),
                        validators=[DataRequired(_l("Hãy nhập địa danh.")), Length(max=100)])
    number_suffix = StringField(_l("Ký hiệu sau số và năm (ví dụ GCN: số 123/2026/GCN)"),
                                validators=[DataRequired(_l("Hãy nhập ký hiệu.")), Length(max=30)])
    signer_title = StringField(_l("Chức vụ người ký (ví dụ HIỆU TRƯỞNG, KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG)"),
                               validators=[DataRequired(_l("Hãy nhập chức vụ người ký.")), Length(max=255)])
    signer_name = StringField(_l("Họ và tên người ký"),
                              validators=[DataRequired(_l("Hãy nhập họ tên người ký.")), Length(max=200)])
    submit = SubmitField(_l("Lưu"))


class ChoiceForm(SubForm):
    text = TextAreaField(_l("Đáp án"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 1})
    weight = IntegerField(_l("Điểm (%)"), validators=[Optional(), NumberRange(-100, 100)],
                          render_kw={"inputmode": "numeric"})
    feedback = StringField(_l("Phản hồi khi chọn đáp án này"), validators=[Optional(), Length(max=2000)])


TRUE_FALSE = choices([("true", _l("Đúng")), ("false", _l("Sai"))])


class QuestionForm(PageForm):
    title = StringField(_l("Tiêu đề ngắn (không bắt buộc)"), validators=[Optional(), Length(max=255)])
    text = TextAreaField(_l("Nội dung câu hỏi"), validators=[DataRequired(_l("Câu hỏi cần có nội dung.")),
                                                              Length(max=20000)], render_kw={"rows": 3})
    choices = FieldList(FormField(ChoiceForm), min_entries=0)
    answer = RadioField(_l("Đáp án đúng"), choices=TRUE_FALSE,
                        validators=[Optional()])
    true_feedback = StringField(_l("Phản hồi khi học viên chọn Đúng"), validators=[Optional(), Length(max=2000)])
    false_feedback = StringField(_l("Phản hồi khi học viên chọn Sai"), validators=[Optional(), Length(max=2000)])
    feedback = TextAreaField(_l("Phản hồi chung, hiện cùng kết quả"), validators=[Optional(), Length(max=20000)],
                             render_kw={"rows": 2})
    add_choice = SubmitField(_l("Thêm đáp án"))
    submit = SubmitField(_l("Lưu câu hỏi"))

    def choice_rows(self) -> list[dict]:
        return [{"text": e.form.text.data, "weight": e.form.weight.data, "feedback": e.form.feedback.data}
                for e in self.choices]
