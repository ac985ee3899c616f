"""A lecturer finds their work: the module list filtered by "mine", search and status; their home page desk."""
from lms.curriculum import services as curriculum
from lms.curriculum.models import Module
from lms.extensions import db


def _draft_by(app, module, user):
    with app.app_context():
        from lms.accounts.models import User

        actor = db.session.get(User, user.id)
        draft = curriculum.get_or_create_draft(actor, db.session.get(Module, module.id))
        curriculum.save_draft(actor, draft, lock_version=draft.lock_version, title="Xây dựng Đảng về đạo đức",
                              summary_md="", lessons=[], document_ids=[])
        db.session.commit()


def test_module_list_filters_mine_search_and_status(client, auth, make, app):
    gv = make.lecturer("gv")
    make.lecturer("other")
    old = make.document("4-NQ/TW", number="4")
    mine = make.module("HP-MINE", title="Học phần A")
    make.module("HP-OTHER", title="Đạo đức cách mạng")
    make.module("HP-FLAG", title="Chỉnh đốn Đảng", documents=[old])
    make.document("12-NQ/TW", number="12", relations=[("supersedes", old)])
    _draft_by(app, mine, gv)
    auth.login("gv")
    page = client.get("/author/modules?mine=1").text
    assert "HP-MINE" in page
    assert "HP-OTHER" not in page
    assert "Thay đổi lần cuối" in page
    found = client.get("/author/modules?q=dao+duc").text  # no diacritics typed
    assert "HP-OTHER" in found
    assert "HP-MINE" in found  # its draft's title
    assert "HP-FLAG" not in found
    only_flagged = client.get("/author/modules?status=flagged").text
    assert "HP-FLAG" in only_flagged
    assert "HP-MINE" not in only_flagged
    drafts = client.get("/author/modules?status=draft").text
    assert "HP-MINE" in drafts
    assert "HP-FLAG" not in drafts
    assert "Không có học phần nào phù hợp" in client.get("/author/modules?q=khongcogi").text


def test_the_lecturer_home_lists_open_flags_on_their_modules_and_drafts(client, auth, make, app):
    gv = make.lecturer("gv")
    old = make.document("4-NQ/TW", number="4")
    module = make.module("HP-DESK", documents=[old])
    make.module("HP-NOTMINE", documents=[old])
    _draft_by(app, module, gv)
    make.document("12-NQ/TW", number="12", relations=[("supersedes", old)])
    auth.login("gv")
    home = client.get("/").text
    assert "Việc của tôi" in home
    assert "HP-DESK</a>: theo 12-NQ/TW" in home
    assert "HP-NOTMINE" not in home
    assert "HP-DESK — Xây dựng Đảng về đạo đức" in home


def test_mine_also_lists_the_modules_a_lecturer_teaches(client, auth, make):
    """Modules imported from files have no author: the lecturer of a class finds its modules under "mine"."""
    gv = make.lecturer("gv")
    other = make.lecturer("other")
    in_program = make.module("HP-CHUONGTRINH")
    alone = make.module("HP-LOPRIENG")
    make.module("HP-KHAC")
    taught_elsewhere = make.module("HP-LOPKHAC")
    program = make.program(code="BD-XA", modules=[(in_program, True, None)])
    make.training_class(program=program, lecturers=[gv], code="LOP-1")
    make.training_class(module=alone, lecturers=[gv], code="LOP-2")
    make.training_class(module=taught_elsewhere, lecturers=[other], code="LOP-3")
    auth.login("gv")
    page = client.get("/author/modules?mine=1").text
    assert "HP-CHUONGTRINH" in page
    assert "HP-LOPRIENG" in page
    assert "HP-KHAC" not in page
    assert "HP-LOPKHAC" not in page
