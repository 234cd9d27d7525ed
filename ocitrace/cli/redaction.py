"""Last line of defence against printing secrets: every CLI log line and error goes through
a :class:`Redactor` before it reaches stderr.

The library already redacts what it logs (``ocitrace.transport.redact``); this catches what
slips through: the ``--password-stdin`` password itself wherever it appears, ``Bearer`` /
``Basic`` credentials, and secret query parameters or userinfo in any URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..lazyre import lazy

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging

_AUTH_VALUE = lazy(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}", re.IGNORECASE)
_URL = lazy(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>()]+")
_LAYOUT = "oci-layout://"
MIN_SECRET = 3  # shorter "secrets" would redact ordinary words


class Redactor:
    """Redacts known secrets and credential-shaped text; ``add`` a secret once it is read."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        """Remember ``secret`` (a password or token read at run time) for redaction."""
        if secret and len(secret) >= MIN_SECRET:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        # imported here: ocitrace.transport pulls in requests, which `--version` should not pay
        from ..transport.redact import REDACTED, redact_url

        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        text = _AUTH_VALUE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        return _URL.sub(lambda m: _redact_url(m.group(0), redact_url), text)


def _redact_url(url: str, redact: Callable[[str], str]) -> str:
    """Network URLs get their secrets redacted; ``oci-layout://`` references are paths
    (``oci-layout://DIR@sha256:…`` has no userinfo, ``oci-layout://PATH[:TAG]`` in a hint is
    not a broken URL) and are never rewritten."""
    if url[: len(_LAYOUT)].lower() == _LAYOUT:
        return url
    return redact(url)


class RedactingFilter:
    """A handler filter that renders each record and redacts it (any object with a
    ``filter(record)`` method is a logging filter: this module does not import logging)."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor(record.getMessage())
        record.args = None
        return True
