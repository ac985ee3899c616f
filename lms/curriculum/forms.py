"""Forms for authoring modules and programs, and for review flags."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.models import TheoryLevel
from lms.curriculum.models import FlagStatus, ModuleKind
from lms.forms import PageForm, SubForm, choices
from lms.grading import GradeScale
from lms.inputs import bounded_int
from lms.pickers import PickerField


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def kind_labels() -> dict:
    return {
        ModuleKind.SELF_STUDY: _l("Tự học"),
        ModuleKind.LOCAL_TOPIC: _l("Chuyên đề thực tiễn địa phương"),
        ModuleKind.EXEMPLARY_REPORT: _l("Báo cáo điển hình"),
        ModuleKind.FIELD_TRIP: _l("Đi thực tế"),
        ModuleKind.LECTURE: _l("Bài giảng"),
    }


def flag_state_labels() -> dict:
    return {FlagStatus.OPEN: _l("Đang chờ rà soát"), FlagStatus.RESOLVED: _l("Đã cập nhật"),
            FlagStatus.DISMISSED: _l("Đã bỏ qua")}


def theory_labels() -> dict:
    return {
        TheoryLevel.NONE: _l("Không yêu cầu"),
        TheoryLevel.ELEMENTARY: _l("Sơ cấp"),
        TheoryLevel.INTERMEDIATE: _l("Trung cấp"),
        TheoryLevel.ADVANCED: _l("Cao cấp"),
    }


class NewModuleForm(PageForm):
    code = StringField(_l("Mã học phần"), validators=[DataRequired(_l("Hãy nhập mã học phần.")), Length(max=80)])
    kind = SelectField(_l("Loại học phần"), choices=[])
    title = StringField(_l("Tên học phần"), validators=[DataRequired(_l("Hãy nhập tên học phần.")),
                                                         Length(max=255)])
    summary_md = TextAreaField(_l("Giới thiệu"), render_kw={"rows": 4})
    locality_ids = SelectMultipleField(_l("Địa phương (cho chuyên đề thực tiễn địa phương)"), coerce=bounded_int,
                                       choices=[], validate_choice=False, render_kw={"size": 8})
    submit = SubmitField(_l("Tạo học phần"))

    def __init__(self, *args, localities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((str(k), str(label)) for k, label in kind_labels().items())
        self.locality_ids.choices = choices((loc.id, loc.name) for loc in localities)


class ModuleSettingsForm(PageForm):
    kind = SelectField(_l("Loại học phần"), choices=[])
    locality_ids = SelectMultipleField(_l("Địa phương (cho chuyên đề thực tiễn địa phương)"), coerce=bounded_int,
                                       choices=[], validate_choice=False, render_kw={"size": 8})
    submit = SubmitField(_l("Lưu thiết lập"))

    def __init__(self, *args, localities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((str(k), str(label)) for k, label in kind_labels().items())
        self.locality_ids.choices = choices((loc.id, loc.name) for loc in localities)


class LessonForm(SubForm):
    key = HiddenField()
    title = StringField(_l("Tên bài"), validators=[Length(max=255)])
    body_md = TextAreaField(_l("Nội dung"), render_kw={"rows": 12})
    minutes = IntegerField(_l("Thời lượng (phút)"), validators=[Optional(), NumberRange(0, 10000)])
    position = IntegerField(_l("Thứ tự"), validators=[Optional()])
    remove = BooleanField(_l("Xóa bài này"))


class DraftForm(PageForm):
    lock_version = HiddenField()
    title = StringField(_l("Tên học phần"), validators=[DataRequired(_l("Hãy nhập tên học phần.")),
                                                         Length(max=255)])
    summary_md = TextAreaField(_l("Giới thiệu"), render_kw={"rows": 4})
    lessons = FieldList(FormField(LessonForm), min_entries=0)
    document_ids = SelectMultipleField(_l("Văn bản được trích dẫn"), coerce=bounded_int, choices=[],
                                       validate_choice=False, render_kw={"size": 8})
    save = SubmitField(_l("Lưu bản nháp"))
    preview = SubmitField(_l("Xem trước"))
    add_lesson = SubmitField(_l("Thêm bài học"))

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.document_ids.choices = choices((d.id, f"{d.code} — {d.title}") for d in documents)
        self.document_codes = {d.id: d.code for d in documents}  # for the picker's "insert a citation"

    def lesson_rows(self) -> list[dict]:
        """The lessons to keep, in the order the author gave (positions, then as listed)."""
        rows = [(entry.form.position.data if entry.form.position.data is not None else i + 1, i, entry.form)
                for i, entry in enumerate(self.lessons) if not entry.form.remove.data]
        return [{"key": f.key.data or None, "title": f.title.data or "", "body_md": f.body_md.data or "",
                 "minutes": f.minutes.data} for _p, _i, f in sorted(rows, key=lambda r: (r[0], r[1]))]


class PublishForm(PageForm):
    change_summary = TextAreaField(_l("Tóm tắt thay đổi"), validators=[
        DataRequired(_l("Hãy tóm tắt những gì đã thay đổi.")), Length(max=2000)], render_kw={"rows": 3})
    requires_restudy = BooleanField(_l("Học viên đã hoàn thành phải học lại phần thay đổi"))
    submit = SubmitField(_l("Xuất bản"))


class DismissFlagForm(PageForm):
    reason = TextAreaField(_l("Lý do không cần sửa"), validators=[
        DataRequired(_l("Hãy ghi lý do không cần sửa học phần.")), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Bỏ qua yêu cầu"))


class ConfirmPassageForm(PageForm):
    note = TextAreaField(_l("Vì sao đoạn này vẫn đúng"), validators=[
        DataRequired(_l("Hãy ghi vì sao đoạn này vẫn đúng.")), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Xác nhận vẫn đúng"))


class ResolveFlagForm(PageForm):
    submit = SubmitField(_l("Đóng yêu cầu rà soát"))


class ProgramItemForm(SubForm):
    module_id = PickerField(_l("Học phần"), kind="modules")
    required = BooleanField(_l("Bắt buộc"), default=True)
    due_days = IntegerField(_l("Hạn (số ngày)"), validators=[Optional(), NumberRange(0, 3650)])
    position = IntegerField(_l("Thứ tự"), validators=[Optional()])
    remove = BooleanField(_l("Bỏ khỏi chương trình"))


class ProgramForm(PageForm):
    code = StringField(_l("Mã chương trình"), validators=[DataRequired(_l("Hãy nhập mã chương trình.")),
                                                          Length(max=50)])
    name = StringField(_l("Tên chương trình"), validators=[DataRequired(_l("Hãy nhập tên chương trình.")),
                                                            Length(max=255)])
    description = TextAreaField(_l("Mô tả"), render_kw={"rows": 3})
    title_ids = MultiCheckboxField(_l("Chức danh áp dụng"), coerce=bounded_int, choices=[], validate_choice=False)
    required_theory_level = SelectField(_l("Trình độ lý luận chính trị tối thiểu"), coerce=bounded_int, choices=[])
    hours = IntegerField(_l("Số giờ"), validators=[Optional(), NumberRange(0, 10000)])
    validity_months = IntegerField(_l("Thời hạn hiệu lực (tháng)"), validators=[Optional(), NumberRange(0, 600)])
    grade_scale = SelectField(_l("Thang điểm"), default=str(GradeScale.TEN), choices=choices([
        (str(GradeScale.TEN), _l("Thang điểm 10 (một chữ số thập phân)")),
        (str(GradeScale.HUNDRED), _l("Thang điểm 100"))]))
    active = BooleanField(_l("Đang áp dụng"), default=True)
    items = FieldList(FormField(ProgramItemForm), min_entries=0)
    save = SubmitField(_l("Lưu chương trình"))
    add_item = SubmitField(_l("Thêm học phần"))

    def __init__(self, *args, titles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.title_ids.choices = choices((t.id, t.name) for t in titles)
        self.required_theory_level.choices = choices((int(k), str(v)) for k, v in theory_labels().items())

    def new_item(self):
        entry = self.items.append_entry()
        entry.form.required.data = True
        return entry

    def item_rows(self) -> list[tuple[int, bool, int | None]]:
        rows = [(entry.form.position.data if entry.form.position.data is not None else i + 1, i, entry.form)
                for i, entry in enumerate(self.items) if not entry.form.remove.data and entry.form.module_id.data]
        return [(f.module_id.data, bool(f.required.data), f.due_days.data)
                for _p, _i, f in sorted(rows, key=lambda r: (r[0], r[1]))]
