"""Signing in and out, one's own password and language; the admin's user pages."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.access import public, roles_required, signed_in
from lms.accounts import services
from lms.accounts.auth import safe_next, start_session
from lms.accounts.forms import ChangePasswordForm, LanguageForm, SignInForm
from lms.accounts.models import Role
from lms.errors import InvalidInput
from lms.extensions import db

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except (services.SignInRefused, services.SignInLocked) as refused:
            db.session.commit()  # the failure must count even though sign-in fails
            flash(refused.message, "danger")
            return render_template("accounts/sign_in.html", form=form), 200
        db.session.commit()
        start_session(user)
        return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    services.end_other_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except InvalidInput as bad:
            form.current_password.errors.append(bad.message)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session continues, the others end
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
            db.session.commit()
        session["locale"] = form.locale.data
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@admin_bp.route("/")
@roles_required(Role.ADMIN)
def index():
    query = services.users_in_scope(current_user)
    page = db.paginate(query, per_page=50)
    return render_template("accounts/users/index.html", page=page)
