"""A Django secret generated once and kept in a file (a Docker volume), for set-ups where nobody
passes DJANGO_SECRET_KEY: the secret is real, private to the deployment, and survives restarts.

Imported by the settings, so it uses the standard library only.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_or_create_secret_key(path: Path) -> str:
    """The secret stored at `path`, generated there first if the file does not exist.

    Every process of a deployment may start at once: each writes its candidate to a private
    temporary file and hard-links it into place, which succeeds for exactly one of them, so all
    read the same secret and nobody reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(64))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process won; use its secret
        finally:
            candidate.unlink()
    secret = path.read_text().strip()
    if not secret:
        raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FILE {path} is empty.")
    return secret
