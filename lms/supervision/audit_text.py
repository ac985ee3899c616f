"""The audit log in words: what each action code means, what each object is (with a link to its page when it
has one), and each entry's detail as "field: old → new" in the labels the rest of the application uses.

Presentation only: the stored entry (its code, object type, id and JSON detail) and its hash stay as written.
Every code a writer passes to `audit.record` or `audit.insert_entries` has a label in ACTIONS
(tests/supervision/test_audit_words.py reads the source and fails on one without). Objects are named for a
whole page of entries in one statement (`object_refs`), however many entries and kinds of object it shows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms import formats

ACTIONS = {
    # accounts
    "user.create": _l("Tạo tài khoản"),
    "user.update": _l("Sửa thông tin tài khoản"),
    "user.import": _l("Nhập người dùng từ tệp"),
    "user.import_update": _l("Cập nhật tài khoản khi nhập từ tệp"),
    "user.activate": _l("Mở lại tài khoản"),
    "user.deactivate": _l("Khóa tài khoản"),
    "user.activation_link": _l("Cấp liên kết kích hoạt (đặt lại mật khẩu)"),
    "user.activated": _l("Tự đặt mật khẩu bằng liên kết kích hoạt"),
    "password.change": _l("Đổi mật khẩu"),
    "title.assign": _l("Giao chức danh"),
    "title.end": _l("Kết thúc chức danh"),
    # organisation
    "unit.create": _l("Tạo đơn vị"),
    "unit.update": _l("Sửa đơn vị"),
    "title.save": _l("Lưu chức danh"),
    "title.import": _l("Nhập chức danh từ nội dung mẫu"),
    # curriculum
    "module.create": _l("Tạo học phần"),
    "module.update": _l("Sửa thông tin học phần"),
    "module.draft": _l("Mở bản nháp học phần"),
    "module.save_draft": _l("Lưu bản nháp học phần"),
    "module.publish": _l("Xuất bản học phần"),
    "module_rule.save": _l("Lưu điều kiện hoàn thành học phần"),
    "program.create": _l("Tạo chương trình"),
    "program.update": _l("Sửa chương trình"),
    "program.activate": _l("Mở lại chương trình"),
    "program.deactivate": _l("Ngừng chương trình"),
    "review_flag.raise": _l("Đánh dấu học phần cần rà soát"),
    "review_flag.resolve": _l("Hoàn tất rà soát học phần"),
    "review_flag.dismiss": _l("Bỏ qua yêu cầu rà soát"),
    "review_passage.confirm": _l("Xác nhận đoạn nội dung vẫn đúng"),
    # documents
    "document.register": _l("Đăng ký văn bản"),
    "document.update": _l("Cập nhật văn bản"),
    "document.relate": _l("Ghi quan hệ giữa văn bản"),
    "document.status": _l("Đổi hiệu lực văn bản"),
    # quizzes and certificates
    "quiz.settings": _l("Lưu cài đặt bài kiểm tra"),
    "quiz.add_question": _l("Thêm câu hỏi"),
    "quiz.edit_question": _l("Sửa câu hỏi"),
    "quiz.move_question": _l("Đổi thứ tự câu hỏi"),
    "quiz.delete_question": _l("Xóa câu hỏi"),
    "quiz.import_gift": _l("Nhập câu hỏi từ tệp"),
    "certificate.revoke": _l("Thu hồi giấy chứng nhận"),
    "certificate_issuer.create": _l("Khai báo cơ sở cấp giấy chứng nhận"),
    "certificate_issuer.update": _l("Sửa cơ sở cấp giấy chứng nhận"),
    # classes, plans and nominations
    "class.save": _l("Lưu lớp học"),
    "class.absence_limit": _l("Đổi tỷ lệ vắng tối đa của lớp"),
    "plan.save": _l("Lưu kế hoạch đào tạo"),
    "nomination.nominated": _l("Cử đi học"),
    "nomination.approved": _l("Duyệt cử đi học"),
    "nomination.enrolled": _l("Nhập học"),
    "nomination.completed": _l("Ghi hoàn thành lớp"),
    "nomination.withdrawn": _l("Rút khỏi lớp"),
    "nomination.bulk": _l("Cử đi học theo danh sách"),
    "nomination.over_quota": _l("Cử đi học vượt chỉ tiêu"),
    "nomination.flagged": _l("Đánh dấu người học không còn đúng đối tượng"),
    "nomination.unflagged": _l("Bỏ đánh dấu không đúng đối tượng"),
    "nomination.flag_kept": _l("Giữ người học dù không còn đúng đối tượng"),
    "attendance.exception": _l("Cho phép ngoại lệ số buổi vắng"),
    "session.save": _l("Lưu buổi học"),
    "session.delete": _l("Xóa buổi học"),
    "session.attendance": _l("Điểm danh buổi học"),
    "session.checkin_open": _l("Mở mã điểm danh buổi học"),
    "trip.save": _l("Lưu đợt đi thực tế"),
    "trip.attendance": _l("Điểm danh đi thực tế"),
    "trip.checkin_open": _l("Mở mã điểm danh đi thực tế"),
    "submission.graded": _l("Chấm bài thu hoạch"),
    "submission.returned": _l("Trả bài thu hoạch để sửa"),
    "submission.consent": _l("Đồng ý (hoặc thôi) cho giới thiệu bài thu hoạch"),
    "exemplary.published": _l("Giới thiệu bài thu hoạch tiêu biểu"),
    "exemplary.withdrawn": _l("Rút bài thu hoạch tiêu biểu"),
    # supervision, notifications, jobs
    "inspection.record": _l("Ghi biên bản kiểm tra lớp"),
    "inspection.answer": _l("Trả lời kết luận kiểm tra"),
    "notification_defaults.save": _l("Lưu cách gửi thông báo mặc định"),
    "notification.send_again": _l("Gửi lại thư thông báo"),
    "job.start": _l("Bắt đầu công việc nền"),
}

OBJECTS = {
    "users": _l("Người dùng"), "units": _l("Đơn vị"), "titles": _l("Chức danh"), "modules": _l("Học phần"),
    "programs": _l("Chương trình"), "review_flags": _l("Yêu cầu rà soát"), "review_passages": _l("Đoạn cần rà soát"),
    "documents": _l("Văn bản"), "quizzes": _l("Bài kiểm tra"), "certificates": _l("Giấy chứng nhận"),
    "certificate_issuers": _l("Cơ sở cấp giấy chứng nhận"), "classes": _l("Lớp"), "training_plans": _l("Kế hoạch"),
    "nominations": _l("Cử đi học"), "class_sessions": _l("Buổi học"), "field_trips": _l("Đi thực tế"),
    "submissions": _l("Bài thu hoạch"), "exemplary_reports": _l("Bài thu hoạch tiêu biểu"),
    "inspections": _l("Biên bản kiểm tra"), "notifications": _l("Thông báo"), "jobs": _l("Công việc nền"),
}

FIELDS = {
    "previous": _l("Trạng thái"), "note": _l("Ghi chú"), "reason": _l("Lý do"), "class_code": _l("Lớp"),
    "trainee": _l("Người học"), "username": _l("Tên đăng nhập"), "source": _l("Nguồn"), "fields": _l("Mục thay đổi"),
    "expires": _l("Hết hạn lúc"), "rows": _l("Số dòng"), "created": _l("Tạo mới"), "updated": _l("Cập nhật"),
    "unchanged": _l("Không đổi"), "title": _l("Chức danh"), "kind": _l("Loại"), "start": _l("Từ ngày"),
    "end": _l("Đến ngày"), "code": _l("Mã"), "name": _l("Tên gọi"), "module": _l("Học phần"),
    "revision_id": _l("Mã phiên bản"), "number": _l("Lần xuất bản"), "requires_restudy": _l("Cần học lại"),
    "change_summary": _l("Tóm tắt thay đổi"), "localities": _l("Địa bàn"), "modules": _l("Học phần"),
    "titles": _l("Chức danh"), "old": _l("Văn bản cũ"), "new": _l("Văn bản mới"), "passages": _l("Số đoạn cần xem"),
    "key": _l("Vị trí trong nội dung"), "changed": _l("Số người thay đổi"), "marks": _l("Điểm danh"),
    "minutes": _l("Số phút"),
    "missed": _l("Số buổi vắng"), "sessions": _l("Số buổi"), "limit": _l("Tỷ lệ vắng tối đa"),
    "count": _l("Số người"), "over_quota_reason": _l("Lý do vượt chỉ tiêu"), "bulk": _l("Theo danh sách"),
    "year": _l("Năm"), "quotas": _l("Chỉ tiêu"), "grid": _l("Nhập theo bảng"), "consent": _l("Đồng ý giới thiệu"),
    "score": _l("Điểm"), "passed": _l("Kết quả"), "mode": _l("Hình thức"), "capacity": _l("Sĩ số tối đa"),
    "flag": _l("Lý do đánh dấu"), "quota": _l("Chỉ tiêu"), "used": _l("Đã dùng"), "plans": _l("Kế hoạch vượt"),
    "on": _l("Ngày"), "starts": _l("Bắt đầu"), "ends": _l("Kết thúc"), "topic": _l("Chủ đề"),
    "lecturer": _l("Giảng viên"), "room": _l("Phòng học"), "percent": _l("Tỷ lệ vắng tối đa"),
    "added": _l("Số người được ghi"), "relation": _l("Quan hệ"), "target": _l("Văn bản liên quan"),
    "status": _l("Hiệu lực"), "by": _l("Theo văn bản"), "signer": _l("Người ký"), "question_id": _l("Mã câu hỏi"),
    "step": _l("Dịch chuyển"), "pass_percent": _l("Tỷ lệ đạt"), "max_attempts": _l("Số lượt làm tối đa"),
    "time_limit_minutes": _l("Thời gian làm bài (phút)"), "ends_lesson_key": _l("Kết thúc bài học"),
    "opens_at": _l("Mở lúc"), "closes_at": _l("Đóng lúc"), "questions": _l("Số câu hỏi"),
    "require_lessons": _l("Phải học hết bài"), "require_quiz": _l("Phải đạt bài kiểm tra"),
    "require_assignment": _l("Phải đạt bài thu hoạch"), "assignment_pass_mark": _l("Điểm đạt bài thu hoạch"),
    "defaults": _l("Cách gửi"), "due": _l("Hạn khắc phục"), "findings": _l("Kết luận"),
    "recommendations": _l("Kiến nghị"), "answer": _l("Trả lời"),
}
# Said better by the object's own label, or internal bookkeeping.
HIDDEN = frozenset({"unit", "unit_id", "target_id", "submission", "lock_version"})
DATES = frozenset({"on", "due", "start", "end"})
MOMENTS = frozenset({"expires", "opens_at", "closes_at"})
PERCENTS = frozenset({"percent", "limit", "pass_percent"})
# Words used in a list of changed fields (document.update, user.import_update).
FIELD_NAMES = {"code": _l("số, ký hiệu"), "title": _l("trích yếu"), "term": _l("nhiệm kỳ"),
               "summary": _l("tóm tắt"), "source": _l("nguồn"), "full_name": _l("họ và tên"), "unit": _l("đơn vị"),
               "email": _l("e-mail"), "theory_level": _l("trình độ lý luận chính trị")}


def action_label(code: str) -> str:
    label = ACTIONS.get(code)
    return str(label) if label is not None else _("Thao tác khác (%(code)s)", code=code)


def object_type_label(object_type: str) -> str:
    label = OBJECTS.get(object_type)
    return str(label) if label is not None else object_type


# --- the detail -------------------------------------------------------------------------------


def _value_labels(action: str, key: str) -> dict | None:
    """The labels the application shows for a coded value, by the action's domain and the field."""
    domain = action.split(".", 1)[0]
    if key == "previous" and domain == "nomination":
        from lms.delivery.services import STATE_LABELS

        return {str(k): v for k, v in STATE_LABELS.items()}
    if key == "mode":
        from lms.delivery.forms import MODE_LABELS

        return {str(k): v for k, v in MODE_LABELS.items()}
    if key == "kind" and domain in ("module", "program"):
        from lms.curriculum.forms import kind_labels

        return {str(k): v for k, v in kind_labels().items()}
    if key == "kind" and domain == "title":
        return {"held": _("Đang giữ"), "planned": _("Quy hoạch")}
    if key == "kind" and domain == "quiz":
        from lms.learning.views import KIND_LABELS

        return KIND_LABELS
    if key == "kind" and domain == "job":
        from lms.jobs.kinds import KINDS

        return {k: v.title for k, v in KINDS.items()}
    if key == "relation":
        from lms.documents.forms import relation_labels

        return {str(k): v for k, v in relation_labels().items()}
    if key == "status" and domain == "document":
        from lms.documents.forms import status_labels

        return {str(k): v for k, v in status_labels().items()}
    if key == "source" and domain == "user":
        return {"import": _("nhập từ tệp")}
    if key == "source" and domain == "review_passage":
        return {"lesson": _("bài học"), "summary": _("giới thiệu học phần"), "program": _("mô tả chương trình"),
                "question": _("câu hỏi"), "rubric": _("tiêu chí chấm")}
    if key == "passed":
        return {"True": _("Đạt"), "False": _("Chưa đạt")}
    return None


def _dict_text(key: str, value: dict) -> str:
    if key == "marks":  # trainee id -> presence: counted by presence
        from lms.delivery.attendance import presence_label

        counts: dict[str, int] = {}
        for presence in value.values():
            counts[presence] = counts.get(presence, 0) + 1
        return ", ".join(f"{presence_label(p)}: {n}" for p, n in sorted(counts.items()))
    if key == "defaults":
        from lms.notifications.kinds import KINDS
        from lms.notifications.views import _choice_labels

        choices = _choice_labels()
        return ", ".join(f"{KINDS[k].label if k in KINDS else k}: {choices.get(v, v)}" for k, v in value.items())
    return ", ".join(f"{k}: {v}" for k, v in value.items())


def _text(action: str, key: str, value) -> str:
    labels = _value_labels(action, key)
    if labels is not None and str(value) in labels:
        return str(labels[str(value)])
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if key in DATES and isinstance(value, str):
        return formats.local_date(date.fromisoformat(value))
    if key in MOMENTS and isinstance(value, str):
        return formats.local_datetime(datetime.fromisoformat(value))
    if key in PERCENTS and isinstance(value, int | float):
        return formats.percent(value, digits=0)
    if key == "fields" and isinstance(value, list):
        return ", ".join(str(FIELD_NAMES.get(v, v)) for v in value)
    if key == "plans" and isinstance(value, list):
        return "; ".join(_("chỉ tiêu %(quota)s, đã dùng %(used)s", quota=p.get("quota"), used=p.get("used"))
                         for p in value if isinstance(p, dict))
    if isinstance(value, dict):
        return _dict_text(key, value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return formats.decimal(value)
    return str(value)


def _change(action: str, detail: dict) -> tuple[str, str, str] | None:
    """(field, old, new) when the entry records a change of one value."""
    domain, _sep, verb = action.partition(".")
    if domain == "nomination" and "previous" in detail:
        from lms.delivery.services import STATE_LABELS

        new = {str(k): v for k, v in STATE_LABELS.items()}.get(verb, verb)
        return "previous", _text(action, "previous", detail["previous"]), str(new)
    if action == "class.absence_limit" and "previous" in detail:
        return "percent", _text(action, "percent", detail["previous"]), _text(action, "percent", detail.get("percent"))
    return None


def detail_parts(action: str, detail: dict | None) -> list[tuple[str, str]]:
    """The detail as (field label, readable value) pairs; a changed value reads "old → new"."""
    detail = {k: v for k, v in (detail or {}).items() if v is not None and k not in HIDDEN}
    parts = []
    change = _change(action, detail)
    if change:
        field, old, new = change
        parts.append((str(FIELDS[field]), f"{old} → {new}"))
        detail.pop("previous", None)
        detail.pop(field, None)
    for key, value in detail.items():
        parts.append((str(FIELDS.get(key, key)), _text(action, key, value)))
    return parts


def detail_text(action: str, detail: dict | None) -> str:
    return "; ".join(f"{field}: {value}" for field, value in detail_parts(action, detail))


# --- the objects --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectRef:
    label: str
    url: str | None = None


def _sources(wanted: dict[str, set[int]]) -> list[sa.Select]:
    """One SELECT per kind of object wanted: (type, id, a, b, ref) where `a` and `b` name the object and `ref` is
    the id its page is found by."""
    from lms.accounts.models import User
    from lms.curriculum.models import Module, ModuleRevision, Program, ReviewFlag, ReviewPassage
    from lms.delivery.models import ExemplaryReport, FieldTrip, Nomination, Submission, TrainingClass, TrainingPlan
    from lms.delivery.timetable_models import ClassSession
    from lms.documents.models import Document
    from lms.jobs.models import Job
    from lms.learning.models import Certificate, CertificateIssuer, Quiz
    from lms.notifications.models import Notification
    from lms.organisation.models import Title, Unit
    from lms.supervision.models import Inspection

    def row(kind, model, a, b=None, ref=None):
        text = sa.String()
        return sa.select(sa.literal(kind, text).label("kind"), model.id.label("id"), sa.cast(a, text).label("a"),
                         sa.cast(b if b is not None else sa.null(), text).label("b"),
                         (ref if ref is not None else model.id).label("ref")
                         ).where(model.id.in_(sorted(wanted[kind])))

    person, klass, trip = aliased(User), aliased(TrainingClass), aliased(FieldTrip)
    module, revision, flag, unit = aliased(Module), aliased(ModuleRevision), aliased(ReviewFlag), aliased(Unit)
    makers = {
        "users": lambda: row("users", User, User.full_name, User.username),
        "nominations": lambda: row("nominations", Nomination, person.full_name, klass.code, Nomination.trainee_id)
        .join(person, person.id == Nomination.trainee_id).join(klass, klass.id == Nomination.class_id),
        "classes": lambda: row("classes", TrainingClass, TrainingClass.code, TrainingClass.name),
        "class_sessions": lambda: row("class_sessions", ClassSession, klass.code, ClassSession.held_on)
        .join(klass, klass.id == ClassSession.class_id),
        "field_trips": lambda: row("field_trips", FieldTrip, FieldTrip.topic, klass.code)
        .join(klass, klass.id == FieldTrip.class_id),
        "submissions": lambda: row("submissions", Submission, person.full_name, trip.topic)
        .join(person, person.id == Submission.trainee_id).join(trip, trip.id == Submission.trip_id),
        "exemplary_reports": lambda: row("exemplary_reports", ExemplaryReport, ExemplaryReport.title),
        "inspections": lambda: row("inspections", Inspection, klass.code, Inspection.inspected_on, Inspection.class_id)
        .join(klass, klass.id == Inspection.class_id),
        "modules": lambda: row("modules", Module, Module.code, revision.title)
        .outerjoin(revision, revision.id == Module.published_revision_id),
        "quizzes": lambda: row("quizzes", Quiz, module.code, Quiz.title, Quiz.module_id)
        .join(module, module.id == Quiz.module_id),
        "review_flags": lambda: row("review_flags", ReviewFlag, module.code, None, ReviewFlag.module_id)
        .join(module, module.id == ReviewFlag.module_id),
        "review_passages": lambda: row("review_passages", ReviewPassage, ReviewPassage.label, module.code,
                                       flag.module_id)
        .outerjoin(flag, flag.id == ReviewPassage.flag_id).outerjoin(module, module.id == flag.module_id),
        "programs": lambda: row("programs", Program, Program.code, Program.name),
        "documents": lambda: row("documents", Document, Document.code, Document.title),
        "certificates": lambda: row("certificates", Certificate, Certificate.number, Certificate.full_name),
        "certificate_issuers": lambda: row("certificate_issuers", CertificateIssuer, CertificateIssuer.name,
                                           unit.name).join(unit, unit.id == CertificateIssuer.unit_id),
        "units": lambda: row("units", Unit, Unit.name),
        "titles": lambda: row("titles", Title, Title.code, Title.name),
        "training_plans": lambda: row("training_plans", TrainingPlan, TrainingPlan.year, unit.name)
        .join(unit, unit.id == TrainingPlan.unit_id),
        "jobs": lambda: row("jobs", Job, Job.kind),
        "notifications": lambda: row("notifications", Notification, person.full_name, Notification.kind)
        .join(person, person.id == Notification.user_id),
    }
    return [makers[kind]() for kind in sorted(wanted) if kind in makers]


def _describe(kind: str, a: str | None, b: str | None, ref: int | None, people: bool = True) -> ObjectRef:
    """The object in words; `people`: whether to link a person's record (only admins may open it)."""
    def day(value):
        return formats.local_date(date.fromisoformat(value[:10])) if value else ""

    match kind:
        case "users":
            return ObjectRef(f"{a} ({b})", url_for("records.person", user_id=ref) if people else None)
        case "nominations":
            return ObjectRef(_("%(person)s, lớp %(klass)s", person=a, klass=b),
                             url_for("records.person", user_id=ref) if people else None)
        case "classes":
            return ObjectRef(_("Lớp %(code)s: %(name)s", code=a, name=b), url_for("delivery.class_page", class_id=ref))
        case "class_sessions":
            return ObjectRef(_("Buổi học ngày %(day)s, lớp %(klass)s", day=day(b), klass=a),
                             url_for("delivery.session_page", session_id=ref))
        case "field_trips":
            return ObjectRef(_("Đi thực tế: %(topic)s, lớp %(klass)s", topic=a, klass=b),
                             url_for("delivery.trip_page", trip_id=ref))
        case "submissions":
            return ObjectRef(_("Bài thu hoạch của %(person)s: %(topic)s", person=a, topic=b),
                             url_for("delivery.submission_page", submission_id=ref))
        case "exemplary_reports":
            return ObjectRef(_("Bài thu hoạch tiêu biểu: %(title)s", title=a),
                             url_for("delivery.exemplary_page", report_id=ref))
        case "inspections":
            return ObjectRef(_("Kiểm tra lớp %(klass)s ngày %(day)s", klass=a, day=day(b)),
                             url_for("supervision.class_inspection", class_id=ref))
        case "modules":
            label = _("Học phần %(code)s: %(title)s", code=a, title=b) if b else _("Học phần %(code)s", code=a)
            return ObjectRef(label, url_for("curriculum.module_page", module_id=ref))
        case "quizzes":
            return ObjectRef(_("Bài kiểm tra của học phần %(module)s", module=a),
                             url_for("curriculum.module_page", module_id=ref))
        case "review_flags":
            return ObjectRef(_("Yêu cầu rà soát học phần %(module)s", module=a),
                             url_for("curriculum.module_page", module_id=ref))
        case "review_passages":
            return ObjectRef(_("Đoạn cần rà soát: %(place)s", place=a) + (f" ({b})" if b else ""),
                             url_for("curriculum.module_page", module_id=ref) if ref else None)
        case "programs":
            return ObjectRef(_("Chương trình %(code)s: %(name)s", code=a, name=b))
        case "titles":
            return ObjectRef(_("Chức danh %(code)s: %(name)s", code=a, name=b))
        case "documents":
            return ObjectRef(_("Văn bản %(code)s: %(title)s", code=a, title=b),
                             url_for("documents.show", document_id=ref))
        case "certificates":
            number = a or f"#{ref}"
            return ObjectRef(_("Giấy chứng nhận %(number)s của %(person)s", number=number, person=b),
                             url_for("certificates.show", certificate_id=ref))
        case "certificate_issuers":
            return ObjectRef(_("Cơ sở cấp giấy chứng nhận %(name)s (%(unit)s)", name=a, unit=b))
        case "units":
            return ObjectRef(_("Đơn vị %(name)s", name=a))
        case "training_plans":
            return ObjectRef(_("Kế hoạch năm %(year)s của %(unit)s", year=a, unit=b))
        case "jobs":
            from lms.jobs.kinds import describe

            return ObjectRef(str(describe(a).title))
        case "notifications":
            return ObjectRef(_("Thông báo gửi %(person)s", person=a))
    return ObjectRef(object_type_label(kind))


def object_refs(entries: Iterable, people: bool = True) -> dict[tuple[str, int], ObjectRef]:
    """(object type, id) -> its label and page, for every entry given, in one statement."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        if e.object_id is not None:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
    sources = _sources(wanted)
    if not sources:
        return {}
    from lms.extensions import db

    union = sa.union_all(*sources) if len(sources) > 1 else sources[0]
    return {(r.kind, r.id): _describe(r.kind, r.a, r.b, r.ref, people) for r in db.session.execute(union)}


def object_ref(entry, refs: dict[tuple[str, int], ObjectRef]) -> ObjectRef:
    """The entry's object as refs names it; one no longer there (or of an unnamed kind) by its kind and id."""
    if entry.object_id is None:
        return ObjectRef(object_type_label(entry.object_type) if entry.object_type != "-" else "")
    found = refs.get((entry.object_type, entry.object_id))
    if found is not None:
        return found
    if entry.object_type in OBJECTS:
        return ObjectRef(_("%(kind)s #%(id)d (không còn)", kind=object_type_label(entry.object_type),
                           id=entry.object_id))
    return ObjectRef(f"{entry.object_type} #{entry.object_id}")


@dataclass(frozen=True)
class Described:
    """An entry as people read it."""

    actor: str
    action: str
    object: ObjectRef
    detail: list[tuple[str, str]]

    @property
    def detail_text(self) -> str:
        return "; ".join(f"{field}: {value}" for field, value in self.detail)


def describer(entries: list, reader=None):
    """A function giving each of these entries (rows of the audit queries) in words; their objects are named in
    one statement, now. People's records are linked for a reader who may open them (an admin; not an inspector)."""
    from lms.accounts.models import Role

    refs = object_refs(entries, people=reader is None or reader.has_role(Role.ADMIN))

    def describe(e) -> Described:
        return Described(e.actor_name or _("Hệ thống"), action_label(e.action), object_ref(e, refs),
                         detail_parts(e.action, e.detail))

    return describe


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every action, by label: the audit page's filter."""
    return sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1])


def object_choices() -> list[tuple[str, str]]:
    return sorted(((kind, str(label)) for kind, label in OBJECTS.items()), key=lambda c: c[1])
