from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.dates import CLASS_DATES
from lms.delivery.models import DeliveryMode, NominationState
from lms.forms import InRange, PageForm, SubForm, choices
from lms.inputs import bounded_int
from lms.pickers import PickerField

MODE_LABELS = {
    DeliveryMode.CONCENTRATED: _l("Tập trung"),
    DeliveryMode.IN_SERVICE: _l("Tại chức"),
    DeliveryMode.ONLINE: _l("Trực tuyến"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ClassForm(PageForm):
    code = StringField(_l("Mã lớp"), validators=[DataRequired(), Length(max=50)])
    name = StringField(_l("Tên lớp"), validators=[DataRequired(), Length(max=255)])
    subject = PickerField(_l("Chương trình hoặc học phần"), kind="subjects",
                          validators=[DataRequired(_l("Hãy chọn chương trình hoặc học phần."))])
    mode = SelectField(_l("Hình thức"), choices=choices([(m.value, label) for m, label in MODE_LABELS.items()]))
    starts_on = DateField(_l("Ngày bắt đầu"), validators=[DataRequired(), InRange(CLASS_DATES)])
    ends_on = DateField(_l("Ngày kết thúc"), validators=[DataRequired(), InRange(CLASS_DATES)])
    place = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=255)])
    capacity = IntegerField(_l("Sĩ số tối đa"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    unit_id = PickerField(_l("Đơn vị quản lý lớp"), kind="units", validators=[DataRequired(_l("Hãy chọn đơn vị."))])
    lecturer_ids = MultiCheckboxField(_l("Giảng viên của lớp (bỏ chọn để thôi phân công)"), coerce=bounded_int,
                                      choices=[])
    add_lecturer = PickerField(_l("Thêm giảng viên"), kind="lecturers",
                               description=_l("Mỗi lần lưu thêm được một giảng viên; để trống nếu không thêm."))
    submit = SubmitField(_l("Lưu lớp"))


class NominationForm(PageForm):
    trainee_id = PickerField(_l("Cử một người"), kind="people", validators=[DataRequired(_l("Hãy chọn học viên."))])
    over_quota_reason = TextAreaField(_l("Lý do cử vượt chỉ tiêu (nếu vượt)"),
                                      validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Cử đi học"))


class StateForm(PageForm):
    state = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Lý do"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField()

    def validate_state(self, field):
        if field.data not in {s.value for s in NominationState}:
            raise ValueError(_l("Trạng thái không hợp lệ."))


class KeepFlaggedForm(PageForm):
    reason = StringField(_l("Lý do giữ lại"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Giữ lại đề cử"))


class PlanForm(PageForm):
    unit_id = PickerField(_l("Đơn vị"), kind="units", validators=[DataRequired(_l("Hãy chọn đơn vị."))])
    year = IntegerField(_l("Năm"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Lưu kế hoạch"))


class PlanOpenForm(PageForm):
    """Which unit's plan to open (a GET form: the unit typed or chosen, the year)."""

    class Meta:
        csrf = False

    unit_id = PickerField(_l("Đơn vị"), kind="units")


class CriterionForm(SubForm):
    """One row of the rubric editor."""

    name = StringField(_l("Tiêu chí"), validators=[Length(max=255)])
    weight = IntegerField(_l("Trọng số (%)"), validators=[Optional(), NumberRange(0, 100)],
                          render_kw={"inputmode": "numeric", "min": 0, "max": 100})
    levels = TextAreaField(_l("Các mức, từ thấp đến cao, mỗi dòng một mức"), render_kw={"rows": 3})
    position = IntegerField(_l("Thứ tự"), validators=[Optional()], render_kw={"inputmode": "numeric"})
    remove = BooleanField(_l("Xóa tiêu chí này"))


class TripForm(PageForm):
    module_id = SelectField(_l("Học phần"), coerce=bounded_int, validators=[DataRequired()])
    topic = StringField(_l("Chuyên đề"), validators=[DataRequired(), Length(max=255)])
    site = StringField(_l("Nơi đến (cơ quan, mô hình)"), validators=[DataRequired(), Length(max=255)])
    locality_id = SelectField(_l("Địa bàn"), coerce=bounded_int, validators=[Optional()])
    starts_on = DateField(_l("Từ ngày"), validators=[DataRequired(), InRange(CLASS_DATES)])
    ends_on = DateField(_l("Đến ngày"), validators=[DataRequired(), InRange(CLASS_DATES)])
    deadline = DateTimeLocalField(_l("Hạn nộp bài thu hoạch"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(), InRange(CLASS_DATES)])
    instructions_md = TextAreaField(_l("Hướng dẫn cho học viên"), validators=[Optional()], render_kw={"rows": 6})
    criteria = FieldList(FormField(CriterionForm), min_entries=0)
    add_criterion = SubmitField(_l("Thêm tiêu chí"))
    pass_mark = IntegerField(_l("Điểm đạt (trên 100)"), default=50, validators=[InputRequired(), NumberRange(0, 100)])
    submit = SubmitField(_l("Lưu bài tập"))

    def criterion_rows(self) -> list[dict]:
        """The rubric rows to keep, in the order given (positions, then as listed); blank rows left out."""
        rows = [(e.form.position.data if e.form.position.data is not None else i + 1, i, e.form)
                for i, e in enumerate(self.criteria) if not e.form.remove.data]
        return [{"name": f.name.data or "", "weight": f.weight.data, "levels": (f.levels.data or "").splitlines()}
                for _p, _i, f in sorted(rows, key=lambda r: (r[0], r[1]))
                if (f.name.data or "").strip() or (f.levels.data or "").strip() or f.weight.data]


class AttendanceForm(PageForm):
    present = MultiCheckboxField(_l("Học viên có mặt"), coerce=bounded_int, choices=[])
    submit = SubmitField(_l("Lưu điểm danh"))


class OpenCheckinForm(PageForm):
    submit = SubmitField(_l("Tạo mã điểm danh mới"))


class CheckInForm(PageForm):
    code = StringField(_l("Mã điểm danh"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})
    submit = SubmitField(_l("Điểm danh"))


class SubmissionForm(PageForm):
    body_md = TextAreaField(_l("Nội dung bài thu hoạch"), validators=[Optional()],
                            render_kw={"rows": 12})
    attachments = MultipleFileField(_l("Đính kèm tệp (PDF, DOCX, ODT, JPEG, PNG)"))
    remove_file_ids = MultiCheckboxField(_l("Bỏ tệp đã đính kèm"), coerce=bounded_int, choices=[])
    consent = BooleanField(_l("Tôi đồng ý để giảng viên công bố bài này là bài thu hoạch tiêu biểu"))
    save_draft = SubmitField(_l("Lưu nháp"))
    submit_report = SubmitField(_l("Nộp bài"))


class ConsentForm(PageForm):
    consent = HiddenField()
    submit = SubmitField()


class PublishForm(PageForm):
    title = StringField(_l("Tiêu đề bài thu hoạch tiêu biểu"), validators=[DataRequired(), Length(max=255)])
    submit = SubmitField(_l("Công bố là bài thu hoạch tiêu biểu"))


class GradeForm(PageForm):
    feedback_md = TextAreaField(_l("Nhận xét"), validators=[Optional()], render_kw={"rows": 5})
    grade = SubmitField(_l("Chấm điểm"))
    return_for_revision = SubmitField(_l("Trả lại để sửa"))


class SessionForm(PageForm):
    held_on = DateField(_l("Ngày học"), validators=[DataRequired(), InRange(CLASS_DATES)])
    starts_at = TimeField(_l("Từ giờ"), validators=[DataRequired()])
    ends_at = TimeField(_l("Đến giờ"), validators=[DataRequired()])
    topic = StringField(_l("Chủ đề"), validators=[Optional(), Length(max=255)])
    module_id = SelectField(_l("Học phần"), coerce=bounded_int, validators=[Optional()])
    lecturer_id = SelectField(_l("Giảng viên"), coerce=bounded_int, validators=[Optional()])
    room = StringField(_l("Phòng học"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Lưu buổi học"))


class AbsenceLimitForm(PageForm):
    percent = IntegerField(_l("Tỷ lệ buổi được vắng tối đa (%)"), validators=[InputRequired(), NumberRange(0, 100)])
    submit = SubmitField(_l("Lưu quy định"))


class RollForm(PageForm):
    """The lecturer's list: one presence-<id> and reason-<id> pair per trainee, read by the view."""

    submit = SubmitField(_l("Lưu điểm danh"))


class ExceptionForm(PageForm):
    reason = StringField(_l("Lý do cho phép hoàn thành"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Ghi ngoại lệ"))
