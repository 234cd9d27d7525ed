"""The request/reply values the auth flow exchanges with the transport driver.

Keeping them plain frozen values (not ``requests`` objects) makes the auth dance a pure
generator that unit tests can drive by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urlsplit

from .redact import redact_headers, redact_url


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, effective port) — the unit credentials are bound to.

    Called several times per request (auth flow, redirects): an ``http(s)://`` URL of
    printable characters is cut at its authority (where ``urlsplit`` ends the netloc:
    the first ``/``, ``?`` or ``#``) and the authority's origin is cached."""
    if url.startswith(("https://", "http://")) and url.isprintable():
        scheme, _, rest = url.partition("://")
        end = len(rest)
        for stop in "/?#":
            at = rest.find(stop, 0, end)
            if at >= 0:
                end = at
        return _origin(f"{scheme}://{rest[:end]}")
    return _origin.__wrapped__(url)


@lru_cache(maxsize=512)
def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request to send.  ``read_body``: the driver reads the (capped) body into the Reply."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    data: bytes | None = field(default=None, repr=False)
    read_body: bool = False

    def __repr__(self) -> str:
        """Safe to log: signed query values and credential headers are redacted."""
        return (
            f"HttpRequest({self.method!r}, {redact_url(self.url)!r}, "
            f"{redact_headers(self.headers)!r}, read_body={self.read_body!r})"
        )

    def with_header(self, name: str, value: str) -> HttpRequest:
        lower = name.lower()  # one new value, not two ``replace`` calls (once per request)
        headers = {k: v for k, v in self.headers.items() if k.lower() != lower}
        headers[name] = value
        return HttpRequest(self.method, self.url, headers, self.data, self.read_body)

    def without_header(self, name: str) -> HttpRequest:
        lower = name.lower()
        return replace(self, headers={k: v for k, v in self.headers.items() if k.lower() != lower})

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), None)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the flow sees of a response: status, headers (case-insensitive mapping), final URL."""

    status: int
    headers: Mapping[str, str]
    url: str
    body: bytes = field(default=b"", repr=False)
