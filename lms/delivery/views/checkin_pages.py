"""The two check-in pages shared by field trips and class sessions: the lecturer's live code with its QR,
and the trainee's form for entering it (the failed try is kept, see lms.delivery.checkin)."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup

from lms.delivery import checkin, forms
from lms.errors import InvalidInput
from lms.transaction import on_refusal


def code_page(point, *, open_code: Callable[[], object], endpoint: str, args: dict, heading: str, back: str,
              back_label: str):
    """GET shows the live code and its QR (a link to `endpoint`'s check-in page); POST opens a new code."""
    form = forms.OpenCheckinForm()
    if form.validate_on_submit():
        open_code()
        return redirect(request.path)
    live = checkin.is_live(point)
    link = url_for(endpoint, **args, code=point.checkin_code, _external=True) if live else None
    return render_template("delivery/checkin_code.html", point=point, heading=heading, live=live, link=link,
                           form=form, qr=Markup(checkin.qr_svg(link)) if live else None, back=back,
                           back_label=back_label)


def check_in_page(*, heading: str, hint: str, check: Callable[[str], object], done: str, back: str):
    """The trainee's form; a code in the link (from the QR) is filled in."""
    form = forms.CheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:12]

    def page(_refused=None):
        return render_template("delivery/check_in.html", heading=heading, form=form, hint=hint)

    if form.validate_on_submit():
        # The failed attempt counts: the refusal keeps what the check wrote.
        on_refusal(page, field=form.code, keep_writes=True, catch=(InvalidInput,))
        check(form.code.data)
        flash(done, "success")
        return redirect(back)
    return page()
