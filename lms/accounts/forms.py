from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.forms import choices


class SignInForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Đăng nhập"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(min=8, max=200)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[DataRequired(), EqualTo("new_password", _l("Hai mật khẩu không khớp."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Đổi mật khẩu"))


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Ngôn ngữ"), choices=choices([("vi", "Tiếng Việt"), ("en", "English")]))
    submit = SubmitField(_l("Chọn"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=80)])
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Thư điện tử"), validators=[Optional(), Length(max=255)])
    unit_id = SelectField(_l("Đơn vị"), coerce=int, validators=[DataRequired()])
    roles = MultiCheckboxField(_l("Vai trò"), choices=[])
    admin_scope_id = SelectField(_l("Phạm vi quản trị (khi là cán bộ quản lý đào tạo)"), coerce=int,
                                 validators=[Optional()])
    theory_level = SelectField(_l("Trình độ lý luận chính trị"), coerce=int)
    password = PasswordField(_l("Mật khẩu (để trống nếu không đổi)"), validators=[Optional(), Length(min=8)],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Lưu"))


class TitleAssignmentForm(FlaskForm):
    title_id = SelectField(_l("Chức danh"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Loại"), choices=[])
    start_date = DateField(_l("Từ ngày"), validators=[DataRequired()])
    end_date = DateField(_l("Đến ngày"), validators=[Optional()])
    submit = SubmitField(_l("Thêm chức danh"))


class EndTitleForm(FlaskForm):
    end_date = DateField(_l("Ngày kết thúc"), validators=[DataRequired()])
    submit = SubmitField(_l("Kết thúc"))


class ActivationForm(FlaskForm):
    active = BooleanField()
    submit = SubmitField()


class ImportForm(FlaskForm):
    file = FileField(_l("Tệp CSV"), validators=[DataRequired()])
    submit = SubmitField(_l("Nhập"))
