from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.models import AssignmentKind, Role, TheoryLevel
from lms.dates import TITLE_DATES
from lms.forms import InRange, PageForm, choices
from lms.inputs import bounded_int
from lms.pickers import PickerField


def _password_length() -> Length:
    return Length(min=8, max=200, message=_l("Mật khẩu phải có từ 8 đến 200 ký tự."))


class SignInForm(PageForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Đăng nhập"))


class ChangePasswordForm(PageForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), _password_length()],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[DataRequired(), EqualTo("new_password", _l("Hai mật khẩu không khớp."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Đổi mật khẩu"))


class ActivatePasswordForm(PageForm):
    """Setting one's own password by an activation link."""

    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), _password_length()],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[DataRequired(), EqualTo("new_password", _l("Hai mật khẩu không khớp."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Đặt mật khẩu và đăng nhập"))


class LanguageForm(PageForm):
    locale = SelectField(_l("Ngôn ngữ"), choices=choices([("vi", "Tiếng Việt"), ("en", "English")]))
    submit = SubmitField(_l("Chọn"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices():
    return choices([
        (Role.TRAINEE.value, _l("Học viên")),
        (Role.LECTURER.value, _l("Giảng viên")),
        (Role.ADMIN.value, _l("Cán bộ quản lý đào tạo")),
        (Role.INSPECTOR.value, _l("Cán bộ kiểm tra, giám sát đào tạo")),
    ])


def theory_level_choices():
    return choices([
        (int(TheoryLevel.NONE), _l("Chưa có")),
        (int(TheoryLevel.ELEMENTARY), _l("Sơ cấp")),
        (int(TheoryLevel.INTERMEDIATE), _l("Trung cấp")),
        (int(TheoryLevel.ADVANCED), _l("Cao cấp")),
    ])


def assignment_kind_choices():
    return choices([(AssignmentKind.HELD.value, _l("Đang giữ")), (AssignmentKind.PLANNED.value, _l("Quy hoạch"))])


class UserForm(PageForm):
    username = StringField(_l("Tên đăng nhập"),
                           validators=[DataRequired(_l("Hãy nhập tên đăng nhập.")), Length(max=80)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none"})
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Hãy nhập họ và tên.")), Length(max=200)])
    email = EmailField(_l("Thư điện tử"), validators=[Optional(), Length(max=255)])
    unit_id = PickerField(_l("Đơn vị"), kind="units", validators=[DataRequired(_l("Hãy chọn đơn vị."))])
    roles = MultiCheckboxField(_l("Vai trò"), choices=role_choices(),
                               validators=[DataRequired(_l("Hãy chọn ít nhất một vai trò."))])
    admin_scope_id = PickerField(_l("Phạm vi quản trị hoặc giám sát (khi là cán bộ quản lý hoặc kiểm tra)"),
                                 kind="units", description=_l("Để trống: đơn vị của người dùng."))
    theory_level = SelectField(_l("Trình độ lý luận chính trị"), coerce=bounded_int, choices=theory_level_choices())
    password = PasswordField(_l("Mật khẩu ban đầu"),
                             validators=[DataRequired(_l("Hãy đặt mật khẩu ban đầu.")), _password_length()],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Lưu"))


class UserEditForm(UserForm):
    username = None
    password = PasswordField(_l("Đặt lại mật khẩu (để trống nếu không đổi)"),
                             validators=[Optional(), _password_length()],
                             render_kw={"autocomplete": "new-password"})


class UserFilterForm(PageForm):
    class Meta:
        csrf = False

    q = StringField(_l("Tìm theo tên hoặc tên đăng nhập"), validators=[Optional(), Length(max=100)])
    unit = PickerField(_l("Đơn vị"), kind="units", description=_l("Để trống: mọi đơn vị."))
    submit = SubmitField(_l("Lọc"))


class TitleAssignmentForm(PageForm):
    title_id = SelectField(_l("Chức danh"), coerce=bounded_int, validators=[DataRequired(_l("Hãy chọn chức danh."))])
    kind = SelectField(_l("Loại"), choices=assignment_kind_choices())
    start_date = DateField(_l("Từ ngày"), validators=[DataRequired(_l("Hãy nhập ngày bắt đầu hợp lệ.")),
                                                     InRange(TITLE_DATES)])
    end_date = DateField(_l("Đến ngày"), validators=[Optional(), InRange(TITLE_DATES)])
    submit = SubmitField(_l("Thêm chức danh"))


class EndTitleForm(PageForm):
    end_date = DateField(_l("Ngày kết thúc"), validators=[DataRequired(_l("Hãy nhập ngày kết thúc hợp lệ.")),
                                                          InRange(TITLE_DATES)])
    submit = SubmitField(_l("Kết thúc"))


class ActivationForm(PageForm):
    active = HiddenField(validators=[AnyOf(("0", "1"))])
    submit = SubmitField()


class ImportForm(PageForm):
    file = FileField(_l("Tệp CSV"), validators=[FileRequired(_l("Hãy chọn tệp CSV."))])
    dry_run = BooleanField(_l("Chỉ kiểm tra, chưa nhập"))
    submit = SubmitField(_l("Nhập"))
