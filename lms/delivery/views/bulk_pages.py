"""Nominating many at once from a class: the people picker, the dry run, the confirmation; bulk state changes."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from lms.access import roles_required
from lms.accounts import services as accounts
from lms.accounts.models import Role, TheoryLevel
from lms.delivery import bulk, services
from lms.delivery.models import NominationState
from lms.delivery.views import _class_or_404, _flash_problems, _me, bp
from lms.errors import DomainError
from lms.extensions import db
from lms.inputs import int_or_none
from lms.organisation import queries as organisation_queries
from lms.organisation.models import Title, Unit
from lms.transaction import on_refusal

FILTER_KEYS = ("unit", "unit_q", "title", "kind", "level", "eligible", "q")
MAX_PAGE = 100_000


def _filters(args: MultiDict) -> bulk.PickerFilters:
    unit_id = int_or_none(args.get("unit"))
    level = int_or_none(args.get("level"))
    return bulk.PickerFilters(
        unit=db.session.get(Unit, unit_id) if unit_id else None,
        title_id=int_or_none(args.get("title")),
        title_kind=args.get("kind", "any") if args.get("kind") in ("held", "planned") else "any",
        theory_level=level if level in {int(v) for v in TheoryLevel} else None,
        eligible_only=args.get("eligible") == "1",
        search=(args.get("q") or "")[:100],
    )


def _kept(args: MultiDict) -> dict:
    return {k: args.get(k) for k in FILTER_KEYS if args.get(k)}


@bp.route("/admin/classes/<int:class_id>/pick")
@roles_required(Role.ADMIN)
def pick(class_id: int):
    klass = _class_or_404(class_id)
    f = _filters(request.args)
    scope = accounts.admin_scope(_me())
    units = []
    if request.args.get("unit_q") and f.unit is None:
        units = organisation_queries.units_matching(scope, request.args["unit_q"])
    select = bulk.picker(_me(), klass, f)
    # No count of the whole match (a scan of the scope): one row past the page says whether another follows.
    page = min(max(int_or_none(request.args.get("page")) or 1, 1), MAX_PAGE)
    rows = db.session.execute(select.limit(bulk.PAGE_SIZE + 1).offset((page - 1) * bulk.PAGE_SIZE)).all()
    pages = page + 1 if len(rows) > bulk.PAGE_SIZE else page
    rows = rows[:bulk.PAGE_SIZE]
    return render_template("delivery/pick.html", klass=klass, f=f, rows=rows, page=page, pages=pages,
                           units=units, scope=scope, kept=_kept(request.args),
                           titles=db.session.execute(organisation_queries.titles_in_order()
                                                     .with_only_columns(Title.id, Title.name)).all(),
                           levels=[(int(v), services.theory_level_name(v)) for v in TheoryLevel],
                           maximum=bulk.MAX_SELECTION)


def _selected_ids(klass) -> list[int]:
    """The people ticked on the page, or every person the filters select (up to the maximum)."""
    if request.form.get("all") == "1":
        select = bulk.picker(_me(), klass, _filters(request.form))
        return list(db.session.scalars(select.with_only_columns(bulk.User.id).limit(bulk.MAX_SELECTION + 1)))
    return [i for i in (int_or_none(v) for v in request.form.getlist("ids")) if i]


@bp.route("/admin/classes/<int:class_id>/pick/check", methods=["POST"])
@roles_required(Role.ADMIN)
def check_nominations(class_id: int):
    klass = _class_or_404(class_id)
    back = url_for("delivery.pick", class_id=klass.id, **_kept(request.form))
    on_refusal(back)
    plan = bulk.plan_nominations(_me(), klass, _selected_ids(klass))
    return render_template("delivery/pick_check.html", klass=klass, plan=plan, kept=_kept(request.form))


@bp.route("/admin/classes/<int:class_id>/pick/confirm", methods=["POST"])
@roles_required(Role.ADMIN)
def confirm_nominations(class_id: int):
    klass = _class_or_404(class_id)
    ids = [i for i in (int_or_none(v) for v in request.form.getlist("ids")) if i]

    def again(refused: DomainError):
        # The same selection, checked again as it stands now; nothing of it was nominated.
        _flash_problems(refused)
        plan = bulk.plan_nominations(_me(), klass, ids)
        return render_template("delivery/pick_check.html", klass=klass, plan=plan, kept=_kept(request.form),
                               reason=request.form.get("over_quota_reason", "")), 409

    on_refusal(again)
    done = bulk.nominate_many(_me(), klass, ids, over_quota_reason=request.form.get("over_quota_reason"))
    flash(_("Đã cử %(n)d người vào lớp %(code)s.", n=len(done), code=klass.code), "success")
    return redirect(url_for("delivery.class_page", class_id=klass.id, _anchor="nominations"))


@bp.route("/admin/classes/<int:class_id>/nominations/bulk", methods=["POST"])
@roles_required(Role.ADMIN)
def change_nominations(class_id: int):
    klass = _class_or_404(class_id)
    back = url_for("delivery.class_page", class_id=klass.id, _anchor="nominations")
    on_refusal(lambda refused: (_flash_problems(refused), redirect(back))[1])
    state = request.form.get("state", "")
    if state not in {s.value for s in NominationState}:
        state = NominationState.NOMINATED  # refused by the service as a transition nobody chose
    ids = [i for i in (int_or_none(v) for v in request.form.getlist("ids")) if i]
    count = bulk.change_many(_me(), klass, ids, NominationState(state), note=request.form.get("note", ""))
    flash(_("Đã cập nhật %(n)d đề cử: %(state)s.", n=count, state=services.state_label(state)), "success")
    return redirect(back)
