"""The LMS app with two yardstick pages added, to show where the cost of a page begins.

    /bench/floor/plain       the bare page's template, served by the LMS app: no database, nobody signed in
    /bench/floor/signed-in   the same template for a signed-in user: the session cookie, Flask-Login and the
                             one statement that checks the session against the database (SignedInUser.load)

Served by gunicorn from bench/throughput.py (`--floor`) beside the real lesson page and the bare Flask page.
"""
from __future__ import annotations

from flask_login import current_user

from bench.bare_app import _context, _template
from lms import create_app
from lms.access import public, signed_in

app = create_app()


@app.route("/bench/floor/plain")
@public
def plain():
    return _template.render(**_context)


@app.route("/bench/floor/signed-in")
@signed_in
def signed_in_page():
    return _template.render(**{**_context, "title": current_user.full_name})
