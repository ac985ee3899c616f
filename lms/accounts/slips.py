"""Activation slips on paper: the print page and the same page as an A4 PDF, SLIPS_PER_PAGE to a sheet.

Both are answers to one POST that issues new links (`activation.issue_links`, audited, earlier links
retired), so a token is shown exactly once; neither is ever a GET a browser or proxy could replay.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from lms import printing
from lms.accounts import activation
from lms.accounts.models import User
from lms.qr import qr_svg
from lms.text import slug

SLIPS_PER_PAGE = 8  # two columns of four on an A4 sheet, each slip cut along its dashed border


@dataclass(frozen=True)
class Slip:
    user: User
    link: str
    qr: Markup


def issue(actor: User, users: list[User]) -> list[Slip]:
    """A new one-time link for each person (in the actor's scope), with its QR code, ready to print."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    slips = []
    for user, token in activation.issue_links(actor, users):
        link = base + url_for("accounts.activate", token=token)
        slips.append(Slip(user, link, Markup(qr_svg(link, title=_("Mã QR kích hoạt tài khoản"), css_class="slip-qr",
                                                     scale=3))))
    return slips


def render(slips: list[Slip]) -> str:
    sheets = [slips[i:i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
    return render_template("accounts/activation_slips.html", slips=slips, sheets=sheets,
                           days=current_app.config["ACTIVATION_LINK_DAYS"])


def pdf(slips: list[Slip]) -> bytes:
    return printing.render_pdf(render(slips))


def file_name(slips: list[Slip], day: date) -> str:
    """ASCII, named after the people's unit when they share one: "phieu-kich-hoat-tinh-uy-ha-tinh-2026-12-01.pdf"."""
    units = {s.user.unit.name if s.user.unit else "" for s in slips}
    unit = slug(units.pop(), fallback="", limit=60) if len(units) == 1 else ""
    return f"phieu-kich-hoat{'-' + unit if unit else ''}-{day:%Y-%m-%d}.pdf"
