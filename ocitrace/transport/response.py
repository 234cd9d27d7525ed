"""The response :meth:`Transport.request` returns: status, headers, URL, a streamed body.

A thin shell over urllib3's ``HTTPResponse`` (kept as :attr:`Response.raw`, so the
watchdog can find the socket) with the few names the registry layer and the tests use —
``status_code``, ``headers`` (case-insensitive), ``url``, ``request``, ``iter_content``,
``content``, ``json()``, ``close()``.  It replaces ``requests.Response``: building one
costs nothing beyond urllib3's own object (requests' per-request machinery — preparing,
merging settings, hooks, cookie extraction — was most of the transport's CPU).

A failure while reading the body raises one of :data:`READ_ERRORS` (urllib3's errors or
the ``OSError`` of a socket the watchdog shut down); callers turn it into
:class:`~ocitrace.errors.TransportError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from urllib3 import BaseHTTPResponse
from urllib3.exceptions import HTTPError

from .messages import HttpRequest

__all__ = ["READ_ERRORS", "Response"]

#: what reading a body may raise (urllib3's errors, or the socket's)
READ_ERRORS: tuple[type[Exception], ...] = (HTTPError, OSError)


class Response:
    """One HTTP response with its body not yet read (or read into :attr:`content`)."""

    __slots__ = ("_consumed", "_content", "headers", "raw", "request", "status_code", "url")

    def __init__(self, raw: BaseHTTPResponse, request: HttpRequest) -> None:
        self.raw = raw
        self.request = request
        self.status_code: int = raw.status
        self.headers: Mapping[str, str] = raw.headers
        self.url = request.url
        self._content: bytes | None = None
        self._consumed = False

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def iter_content(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """The body in chunks of at most ``chunk_size`` bytes (once)."""
        if self._content is not None:
            if self._content:
                yield self._content
            return
        yield from self.raw.stream(chunk_size, decode_content=True)
        self._consumed = True  # only when read to the end: else close() drops the connection

    @property
    def content(self) -> bytes:
        """The whole body (unbounded: :meth:`Transport.request` with ``stream=False``
        sets a capped copy first)."""
        if self._content is None:
            self._content = b"".join(self.iter_content(65536))
        return self._content

    def set_content(self, data: bytes) -> None:
        self._content = data
        self._consumed = True

    def json(self) -> Any:
        return json.loads(self.content)

    def close(self) -> None:
        """Give the connection back to the pool (closed first when the body is unread)."""
        if not self._consumed:
            self.raw.close()
        self.raw.release_conn()
