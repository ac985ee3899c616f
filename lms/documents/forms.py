"""Registering a document and its relations to earlier ones."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.dates import DOCUMENT_DATES
from lms.documents.models import DocumentKind, DocumentStatus, RelationKind
from lms.forms import InRange, PageForm, SubForm, choices
from lms.inputs import bounded_int


def kind_labels() -> dict:
    return {
        DocumentKind.RESOLUTION: _l("Nghị quyết"), DocumentKind.DIRECTIVE: _l("Chỉ thị"),
        DocumentKind.CONCLUSION: _l("Kết luận"), DocumentKind.REGULATION: _l("Quy định"),
        DocumentKind.DECISION: _l("Quyết định"), DocumentKind.GUIDANCE: _l("Hướng dẫn"),
        DocumentKind.RULES: _l("Quy chế"), DocumentKind.NOTICE: _l("Thông báo"), DocumentKind.PLAN: _l("Kế hoạch"),
        DocumentKind.PROGRAMME: _l("Chương trình"), DocumentKind.SCHEME: _l("Đề án"), DocumentKind.LAW: _l("Luật"),
        DocumentKind.DECREE: _l("Nghị định"), DocumentKind.CIRCULAR: _l("Thông tư"), DocumentKind.OTHER: _l("Khác"),
    }


def status_labels() -> dict:
    return {
        DocumentStatus.IN_FORCE: _l("Còn hiệu lực"), DocumentStatus.AMENDED: _l("Đã được sửa đổi, bổ sung"),
        DocumentStatus.SUPERSEDED: _l("Đã bị thay thế"), DocumentStatus.STOPPED: _l("Đã dừng thực hiện"),
    }


def relation_labels() -> dict:
    return {
        RelationKind.SUPERSEDES: _l("Thay thế"), RelationKind.AMENDS: _l("Sửa đổi, bổ sung"),
        RelationKind.STOPS: _l("Dừng thực hiện"), RelationKind.IMPLEMENTS: _l("Thực hiện"),
        RelationKind.GUIDES: _l("Hướng dẫn thực hiện"),
    }


def incoming_relation_labels() -> dict:
    """What a later document did to this one, said from this one's side."""
    return {
        RelationKind.SUPERSEDES: _l("Bị thay thế bởi"), RelationKind.AMENDS: _l("Được sửa đổi, bổ sung bởi"),
        RelationKind.STOPS: _l("Bị dừng thực hiện bởi"), RelationKind.IMPLEMENTS: _l("Được thực hiện bởi"),
        RelationKind.GUIDES: _l("Được hướng dẫn thực hiện bởi"),
    }


class RelationForm(SubForm):
    kind = SelectField(_l("Quan hệ"), choices=[], validate_choice=False)
    target_id = SelectField(_l("Văn bản"), coerce=bounded_int, choices=[], validate_choice=False)


class DocumentForm(PageForm):
    code = StringField(_l("Ký hiệu"), validators=[DataRequired(_l("Hãy nhập ký hiệu văn bản.")), Length(max=80)],
                       description=_l("Ví dụ: 32-NQ/TW, 19/2025/QĐ-TTg"))
    kind = SelectField(_l("Loại văn bản"), choices=[])
    number = StringField(_l("Số"), validators=[DataRequired(_l("Hãy nhập số văn bản.")), Length(max=40)])
    issuer = StringField(_l("Cơ quan ban hành"), validators=[DataRequired(_l("Hãy nhập cơ quan ban hành.")),
                                                             Length(max=200)])
    issued_on = DateField(_l("Ngày ban hành"), validators=[DataRequired(_l("Hãy nhập ngày ban hành hợp lệ.")),
                                                           InRange(DOCUMENT_DATES)])
    term = StringField(_l("Khóa"), validators=[Optional(), Length(max=20)])
    title = StringField(_l("Trích yếu"), validators=[DataRequired(_l("Hãy nhập trích yếu văn bản.")),
                                                     Length(max=500)])
    summary = TextAreaField(_l("Tóm tắt nội dung"), render_kw={"rows": 3})
    source = StringField(_l("Nguồn văn bản"), validators=[Optional(), Length(max=500)],
                         description=_l("Nơi công bố toàn văn, ví dụ địa chỉ trang của cơ quan ban hành"))
    relations = FieldList(FormField(RelationForm), min_entries=3, max_entries=3)
    submit = SubmitField(_l("Đăng ký văn bản"))

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((str(k), str(v)) for k, v in kind_labels().items())
        relation_choices = choices([("", _l("— không —"))] + [(str(k), str(v)) for k, v in relation_labels().items()])
        targets = choices([(0, _l("— chọn văn bản —"))] + [(d.id, f"{d.code} — {d.title}") for d in documents])
        for entry in self.relations:
            entry.form.kind.choices = relation_choices
            entry.form.target_id.choices = targets

    def relation_rows(self) -> list[tuple[str, int]]:
        known = {str(k) for k in RelationKind}
        return [(e.form.kind.data, e.form.target_id.data) for e in self.relations
                if e.form.kind.data in known and e.form.target_id.data]


class AddRelationForm(PageForm):
    kind = SelectField(_l("Văn bản này"), choices=[])
    target_id = SelectField(_l("Văn bản đã có"), coerce=bounded_int, choices=[], validate_choice=False)
    submit = SubmitField(_l("Thêm quan hệ"))

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((str(k), str(v)) for k, v in relation_labels().items())
        self.target_id.choices = choices((d.id, f"{d.code} — {d.title}") for d in documents)
