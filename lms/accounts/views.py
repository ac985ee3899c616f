"""Signing in and out, one's own password and language; the admin's user pages."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms import printing
from lms.access import own_account, public, roles_required
from lms.accounts import activation, importing, queries, services, slips
from lms.accounts.auth import safe_next, start_session
from lms.accounts.forms import (
    ActivatePasswordForm,
    ActivationForm,
    ChangePasswordForm,
    EndTitleForm,
    ImportForm,
    LanguageForm,
    SignInForm,
    TitleAssignmentForm,
    UserEditForm,
    UserFilterForm,
    UserForm,
)
from lms.accounts.models import AssignmentKind, Role, TitleAssignment, User
from lms.accounts.tasks import IMPORT_KIND, import_users_task
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.formats import local_today
from lms.jobs.services import start_job
from lms.organisation.models import Title
from lms.organisation.queries import title_choices
from lms.throttling import guessing_limit
from lms.transaction import on_refusal

bp = Blueprint("accounts", __name__)
FORM_REFUSALS = (InvalidInput, Conflict)
admin_bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@guessing_limit("SIGN_IN_RATE_LIMIT")
def sign_in():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    form = SignInForm()
    if form.validate_on_submit():
        # The failure must count even though sign-in fails: the refusal keeps what authenticate wrote.
        on_refusal(lambda _refused: render_template("accounts/sign_in.html", form=form), keep_writes=True,
                   catch=(services.SignInRefused, services.SignInLocked))
        user = services.authenticate(form.username.data, form.password.data)
        start_session(user)
        return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@own_account
def sign_out():
    services.end_other_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@own_account
@guessing_limit("SIGN_IN_RATE_LIMIT")
def change_password():
    form = ChangePasswordForm()

    def page(_refused=None):
        return render_template("accounts/change_password.html", form=form)

    if form.validate_on_submit():
        on_refusal(page, field=form.current_password, catch=(InvalidInput,))
        services.change_password(current_user, form.current_password.data, form.new_password.data)
        login_user(current_user._get_current_object())  # this session continues, the others end
        flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc."), "success")
        return redirect(url_for("home.index"))
    return page()


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
        session["locale"] = form.locale.data
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


def _managed_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    services.ensure_can_manage(current_user, user)
    return user


@admin_bp.route("/")
@roles_required(Role.ADMIN)
def index():
    form = UserFilterForm(request.args)
    unit = form.unit.row if form.validate() and form.unit.data else None
    query = queries.user_list(current_user, q=form.q.data or "", unit=unit)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    return render_template("accounts/users/index.html", page=page, form=form)


@admin_bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = UserForm()

    def page(refused=None):
        if refused is not None:
            form.form_errors.append(refused.message)
        return render_template("accounts/users/new.html", form=form), 400 if form.errors else 200

    if form.validate_on_submit():
        on_refusal(page, catch=FORM_REFUSALS)
        user = services.create_user(
            current_user, username=form.username.data, full_name=form.full_name.data,
            unit=form.unit_id.row, password=form.password.data,
            roles=set(form.roles.data), email=form.email.data,
            admin_scope_unit=form.admin_scope_id.row,
            theory_level=form.theory_level.data,
        )
        flash(_("Đã tạo tài khoản %(u)s.", u=user.username), "success")
        return redirect(url_for("users_admin.edit", user_id=user.id))
    return page()


def _render_edit(user: User, form=None, title_form=None, status: int = 200):
    if form is None:
        form = UserEditForm(formdata=None, data={
            "full_name": user.full_name, "email": user.email, "unit_id": user.unit_id,
            "roles": [str(r) for r in user.roles], "theory_level": user.theory_level,
            "admin_scope_id": (user.admin_scope or user.inspector_scope).id
            if (user.admin_scope or user.inspector_scope) else 0,
        })
    if title_form is None:
        title_form = TitleAssignmentForm(formdata=None)
    title_form.title_id.choices = title_choices()
    return render_template(
        "accounts/users/edit.html", user=user, form=form, title_form=title_form, today=local_today(),
    ), status


@admin_bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(user_id: int):
    user = _managed_user(user_id)
    if request.method == "GET":
        return _render_edit(user)
    form = UserEditForm()
    if form.validate_on_submit():
        on_refusal(lambda _refused: _render_edit(db.get_or_404(User, user_id), form, status=400),
                   catch=FORM_REFUSALS)
        services.update_user(
            current_user, user, full_name=form.full_name.data, unit=form.unit_id.row,
            email=form.email.data, roles=set(form.roles.data),
            admin_scope_unit=form.admin_scope_id.row,
            theory_level=form.theory_level.data, new_password=form.password.data or None,
        )
        flash(_("Đã lưu thông tin của %(name)s.", name=user.full_name), "success")
        return redirect(url_for("users_admin.edit", user_id=user.id))
    return _render_edit(user, form, status=400)


@admin_bp.route("/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def set_active(user_id: int):
    user = _managed_user(user_id)
    form = ActivationForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    back = url_for("users_admin.edit", user_id=user_id)
    on_refusal(back, catch=(InvalidInput,))
    services.set_active(current_user, user, active)
    flash(_("Đã mở lại tài khoản %(u)s.", u=user.username) if active
          else _("Đã khóa tài khoản %(u)s; mọi phiên đăng nhập của người này đã kết thúc.", u=user.username),
          "success")
    return redirect(back)


@admin_bp.route("/<int:user_id>/titles", methods=["POST"])
@roles_required(Role.ADMIN)
def add_title(user_id: int):
    user = _managed_user(user_id)
    form = TitleAssignmentForm()
    form.title_id.choices = title_choices()
    def page(_refused=None):
        return _render_edit(db.get_or_404(User, user_id), title_form=form, status=400)

    if form.validate_on_submit():
        on_refusal(page, field=form.start_date, catch=FORM_REFUSALS)
        services.assign_title(current_user, user, db.get_or_404(Title, form.title_id.data),
                              AssignmentKind(form.kind.data), form.start_date.data, form.end_date.data)
        flash(_("Đã thêm chức danh."), "success")
        return redirect(url_for("users_admin.edit", user_id=user_id))
    return page()


@admin_bp.route("/<int:user_id>/titles/<int:assignment_id>/end", methods=["POST"])
@roles_required(Role.ADMIN)
def end_title(user_id: int, assignment_id: int):
    user = _managed_user(user_id)
    assignment = db.get_or_404(TitleAssignment, assignment_id)
    if assignment.user_id != user.id:
        abort(404)
    form = EndTitleForm()
    back = url_for("users_admin.edit", user_id=user_id)
    if form.validate_on_submit():
        on_refusal(back, catch=(InvalidInput,))
        services.end_title(current_user, assignment, form.end_date.data)
        flash(_("Đã ghi ngày kết thúc chức danh %(code)s.", code=assignment.title.code), "success")
    else:
        flash(_("Hãy nhập ngày kết thúc hợp lệ."), "danger")
    return redirect(back)


@admin_bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_users():
    form = ImportForm()
    if form.validate_on_submit():
        job = start_job(current_user, IMPORT_KIND, import_users_task, payload=form.file.data.read(),
                        params={"dry_run": form.dry_run.data})
        return redirect(url_for("jobs.show", job_id=job.id))
    status = 400 if form.errors else 200
    return render_template("accounts/users/import.html", form=form, columns=importing.COLUMNS), status


# --- activation links --------------------------------------------------------------------------------------


@bp.route("/activate/<token>", methods=["GET", "POST"])
@public
@guessing_limit("SIGN_IN_RATE_LIMIT")
def activate(token: str):
    """A person sets their own password by the one-time link on their slip, then is signed in."""
    form = ActivatePasswordForm()

    def page(refused=None):
        return render_template("accounts/activate.html", form=form, refused=refused), 400 if refused else 200

    on_refusal(page, quiet=True, catch=(InvalidInput,))
    link = activation.link_for(token)
    if form.validate_on_submit():
        user = activation.redeem(token, form.new_password.data)
        start_session(user)
        flash(_("Đã đặt mật khẩu. Chào mừng %(name)s!", name=user.full_name), "success")
        return redirect(url_for("home.index"))
    return render_template("accounts/activate.html", form=form, person=link.user)


@admin_bp.route("/activation-slips", methods=["POST"])
@roles_required(Role.ADMIN)
def activation_slips():
    """Print one-time activation (or password-reset) slips for the people ticked in the user list."""
    on_refusal(url_for("users_admin.index"))
    return slips.render(slips.issue(current_user, _ticked_users()))


@admin_bp.route("/activation-slips.pdf", methods=["POST"])
@roles_required(Role.ADMIN)
def activation_slips_pdf():
    """The same slips as an A4 PDF; a POST that issues new links, never kept by a cache."""
    on_refusal(url_for("users_admin.index"))
    issued = slips.issue(current_user, _ticked_users())
    response = printing.pdf_response(slips.pdf(issued), slips.file_name(issued, local_today()))
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_bp.route("/activation-mail", methods=["POST"])
@roles_required(Role.ADMIN)
def activation_mail():
    """Mail a one-time activation link to the people ticked in the user list; those without an address are
    named so that a slip can be printed for them."""
    on_refusal(url_for("users_admin.index"))
    mailed, without = activation.mail_links(current_user, _ticked_users())
    if mailed:
        flash(_("Đã gửi thư kích hoạt cho %(n)d người.", n=len(mailed)), "success")
    if without:
        flash(_("Không có địa chỉ e-mail, hãy in phiếu kích hoạt cho: %(people)s",
                people="; ".join(f"{u.full_name} ({u.username})" for u in without)), "warning")
    return redirect(url_for("users_admin.index"))


def _ticked_users() -> list[User]:
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.sort_key, User.id)))
