"""Passphrases and PINs: from an environment variable or a file named in the profile.

Read once, when the profile is opened at start-up; a secret is never logged and never part
of an error message or an answer (messages name the variable or the file, not the value).
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SigningConfigError


def read_secret(env: str | None, path: str | None, what: str, profile: str) -> bytes:
    """The secret in the variable ``env`` or the file ``path`` (its final line break
    dropped), for the ``what`` ("passphrase", "PIN") of ``profile``."""
    if env:
        if env not in os.environ:
            raise SigningConfigError(f"profile {profile}: the {what} variable {env} is not set")
        return os.environ[env].encode()
    if path:
        try:
            return Path(path).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise SigningConfigError(
                f"profile {profile}: cannot read the {what} file: {exc.strerror}"
            ) from None
    raise SigningConfigError(f"profile {profile}: no {what} configured")
