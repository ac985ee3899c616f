"""`python -m lms.instance`: prepare this installation's instance folder before anything starts the app.

It creates `<instance>/secret_key` (a random key, mode 0600) unless SECRET_KEY is set or the file exists, so
`make run` needs no configuration and sessions survive a restart. It does not import the application.
"""
from __future__ import annotations

import os

from lms.config import SECRET_KEY_FILE, ensure_secret_key_file, instance_folder


def main() -> int:
    instance = instance_folder()
    if os.environ.get("SECRET_KEY"):
        print("secret key: SECRET_KEY is set in the environment")
    elif ensure_secret_key_file(instance):
        print(f"secret key: created {instance / SECRET_KEY_FILE} (mode 0600)")
    else:
        print(f"secret key: kept {instance / SECRET_KEY_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
