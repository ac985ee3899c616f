"""WSGI entry point: `gunicorn wsgi:app` (see deploy/gunicorn.conf.py)."""
import sys

from lms import create_app
from lms.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as refused:
    sys.exit(f"LMS cannot start: {refused}")
