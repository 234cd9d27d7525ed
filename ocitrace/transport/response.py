"""The response :meth:`Transport.request` returns: status, headers, URL, a streamed body.

Two sources: a direct connection of :mod:`ocitrace.transport.pool` (:mod:`.wire`), or,
for proxied requests, urllib3's ``HTTPResponse``.  Either way the same few names the
registry layer and the tests use — ``status_code``, ``headers`` (case-insensitive),
``url``, ``request``, ``iter_content``, ``content``, ``json()``, ``close()`` — and
:attr:`Response.raw` / :attr:`Response.sock` for the watchdog.

A failure while reading the body raises one of :data:`READ_ERRORS` (:mod:`.wire`'s
errors, the ``OSError`` of a socket the watchdog shut down, or :class:`BodyError`);
callers turn it into :class:`~ocitrace.errors.TransportError`.  A body shorter than its
``Content-Length`` is an error (as urllib3's ``enforce_content_length``), and a
``Content-Encoding: gzip``/``deflate`` body is decoded (as urllib3's ``decode_content``).
"""

from __future__ import annotations

import json
import socket
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .messages import HttpRequest
from .wire import IncompleteRead, ProtocolError, Reply

__all__ = ["READ_ERRORS", "BodyError", "Response"]


class BodyError(OSError):
    """The body could not be read or decoded (a truncated body, bad gzip, a proxy's
    urllib3 read error)."""


#: what reading a body may raise
READ_ERRORS: tuple[type[Exception], ...] = (OSError, ProtocolError)


def _decoder(encoding: str | None) -> Any:
    if not encoding:
        return None
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


class Response:
    """One HTTP response with its body not yet read (or read into :attr:`content`)."""

    __slots__ = (
        "_chunks",
        "_consumed",
        "_content",
        "_release",
        "headers",
        "raw",
        "request",
        "sock",
        "status_code",
        "url",
    )

    def __init__(
        self,
        raw: Any,
        request: HttpRequest,
        *,
        status: int,
        headers: Mapping[str, str],
        chunks: Callable[[int], Iterator[bytes]],
        release: Callable[[bool], None],
        sock: socket.socket | None = None,
    ) -> None:
        self.raw = raw
        self.request = request
        self.status_code = status
        self.headers = headers
        self.url = request.url
        self.sock = sock
        self._chunks = chunks
        self._release: Callable[[bool], None] | None = release
        self._content: bytes | None = None
        self._consumed = False

    @classmethod
    def direct(
        cls,
        raw: Reply,
        request: HttpRequest,
        sock: socket.socket,
        release: Callable[[bool], None],
    ) -> Response:
        """A response read from a pool connection (:mod:`ocitrace.transport.pool`)."""
        headers: Mapping[str, str] = raw.headers
        decoder = _decoder(headers.get("Content-Encoding"))

        def chunks(size: int) -> Iterator[bytes]:
            read = raw.read
            while data := read(size):
                if decoder is None:
                    yield data
                    continue
                try:
                    while data:
                        out = decoder.decompress(data, size)
                        data = decoder.unconsumed_tail
                        if out:
                            yield out
                except zlib.error as exc:
                    raise BodyError(f"cannot decode the body: {exc}") from exc
            left = raw.length
            if left:  # the connection ended before the Content-Length did
                raise IncompleteRead(0, left)
            if decoder is not None and (rest := decoder.flush()):
                yield rest

        return cls(
            raw,
            request,
            status=raw.status,
            headers=headers,
            chunks=chunks,
            release=release,
            sock=sock,
        )

    @classmethod
    def proxied(cls, raw: Any, request: HttpRequest) -> Response:
        """A urllib3 ``HTTPResponse`` (a proxied request); its read errors become
        :class:`BodyError`."""
        from http.client import HTTPException  # (loaded by urllib3 already)

        from urllib3.exceptions import HTTPError

        def chunks(size: int) -> Iterator[bytes]:
            try:
                yield from raw.stream(size, decode_content=True)
            except (HTTPError, HTTPException) as exc:
                raise BodyError(f"{type(exc).__name__}: {exc}") from exc

        def release(consumed: bool) -> None:
            if not consumed:
                raw.close()
            raw.release_conn()

        return cls(
            raw, request, status=raw.status, headers=raw.headers, chunks=chunks, release=release
        )

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def iter_content(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """The body in chunks of at most ``chunk_size`` bytes (once)."""
        if self._content is not None:
            if self._content:
                yield self._content
            return
        yield from self._chunks(chunk_size)
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
        """Give the connection back to the pool (closed instead when the body is unread);
        idempotent."""
        release, self._release = self._release, None
        if release is not None:
            release(self._consumed)
