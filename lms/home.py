"""The landing page: each user's starting point by role."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from lms.access import public

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    return render_template("home.html")
