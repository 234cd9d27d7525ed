"""HTTP/1.1 on one socket: the request head written in one ``sendall``, the status line and
header lines read under ``http.client``'s limits, the body by ``Content-Length``, chunked,
or to the end of the connection.

What :mod:`.pool` used from ``http.client``, without it: importing ``http.client`` loads
``email.parser`` and ``ssl`` (~12 ms of every registry command's start-up, and a TLS stack
on a plain-HTTP path; issue 14 item 1), and its ``putheader``/``_send_request`` machinery
was a fifth of a request's own CPU.  The bytes on the wire are the ones ``http.client``
writes (request line, ``Host``, ``Accept-Encoding: identity``, ``Content-Length``, then
the caller's fields, in that order), and malformed replies fail the same way: a status
line, header or chunk-size line over 64 KiB, more than 100 header fields, a status line
that is not ``HTTP/x.y NNN``, a body shorter than announced (:class:`IncompleteRead`).
``ssl`` is imported only by whoever builds the TLS context for an ``https`` connection.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

__all__ = [
    "MAX_HEADERS",
    "MAX_LINE",
    "BadStatusLine",
    "Connection",
    "Headers",
    "IncompleteRead",
    "InvalidRequest",
    "LineTooLong",
    "ProtocolError",
    "RemoteDisconnected",
    "Reply",
    "TLSHandshakeFailed",
]

MAX_LINE = 65536  # http.client's _MAXLINE: one status, header or chunk-size line
MAX_HEADERS = 100  # http.client's _MAXHEADERS

_BODY_METHODS = frozenset({"PATCH", "POST", "PUT"})
# http.client's checks: a field name is an RFC 7230 token; a value holds no CR/LF/NUL
# other than a folded line's leading whitespace; the target has no control characters
_TOKEN = re.compile(r"[^:\s][^:\r\n]*").fullmatch
_BAD_VALUE = re.compile(r"\n(?![ \t])|\r(?![ \t\n])").search
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]").search


class Headers(Mapping[str, str]):
    """Response headers: case-insensitive lookup, repeated fields joined with ``", "``
    (as urllib3's ``HTTPHeaderDict.get`` gives them), original spelling kept for iteration."""

    __slots__ = ("_fields",)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        fields: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            seen = fields.get(key)
            fields[key] = (name, value) if seen is None else (seen[0], f"{seen[1]}, {value}")
        self._fields = fields

    @classmethod
    def parse(cls, lines: list[bytes]) -> Headers:
        """Header lines as :func:`read_header_lines` returns them (CRLF kept); folded
        continuation lines join their field, lines without a colon are ignored (the
        ``email`` parser's compat32 rules, which ``http.client`` applies)."""
        pairs: list[tuple[str, str]] = []
        for raw in lines:
            line = raw.decode("iso-8859-1")
            if line[:1] in (" ", "\t") and pairs:
                name, value = pairs[-1]
                pairs[-1] = (name, value + line.rstrip("\r\n"))
                continue
            name, sep, value = line.partition(":")
            if sep and name:
                pairs.append((name, value.lstrip(" \t").rstrip("\r\n")))
        return cls(pairs)

    def get(self, key: str, default: Any = None) -> Any:
        item = self._fields.get(key.lower())
        return default if item is None else item[1]

    def __getitem__(self, key: str) -> str:
        return self._fields[key.lower()][1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._fields

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class ProtocolError(Exception):
    """The peer's reply is not the HTTP/1.1 this client reads."""


class BadStatusLine(ProtocolError):
    """The status line is not ``HTTP/x.y NNN reason``."""


class RemoteDisconnected(BadStatusLine):
    """The connection closed before a status line arrived."""


class LineTooLong(ProtocolError):
    """A status, header or chunk-size line longer than :data:`MAX_LINE`."""


class IncompleteRead(ProtocolError):
    """The body ended before its announced length (or its last chunk)."""

    def __init__(self, got: int, expected: int | None) -> None:
        more = f", {expected} more expected" if expected is not None else ""
        super().__init__(f"IncompleteRead({got} bytes read{more})")
        self.got, self.expected = got, expected


class InvalidRequest(ValueError):
    """A request that cannot be written: a control character in the target, a header
    field that would split the head."""


class TLSHandshakeFailed(OSError):
    """The TLS handshake failed (``ssl.SSLError`` chained)."""


def _readline(fp: IO[bytes], what: str) -> bytes:
    line = fp.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise LineTooLong(f"{what} longer than {MAX_LINE} bytes")
    return line


def read_header_lines(fp: IO[bytes]) -> list[bytes]:
    """Header lines up to the blank line (CRLF kept), as ``http.client._read_headers``."""
    lines: list[bytes] = []
    while True:
        line = _readline(fp, "header line")
        if line in (b"\r\n", b"\n", b""):
            return lines
        lines.append(line)
        if len(lines) > MAX_HEADERS:
            raise ProtocolError(f"got more than {MAX_HEADERS} headers")


class Connection:
    """One client connection (plain, or TLS with ``tls_context``); :attr:`sock` is None
    until :meth:`connect` and after :meth:`close`."""

    __slots__ = ("_host_field", "_tls", "host", "port", "sock", "timeout")

    def __init__(
        self,
        host: str,
        port: int,
        timeout: float,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._tls = tls_context
        self.sock: socket.socket | None = None
        default = 443 if tls_context is not None else 80
        try:
            name = host.encode("ascii").decode("ascii")
        except UnicodeEncodeError:
            name = host.encode("idna").decode("ascii")
        if ":" in name:
            name = f"[{name}]"  # an IPv6 literal
        self._host_field = name if port == default else f"{name}:{port}"

    def connect(self) -> None:
        # an ASCII name goes to getaddrinfo as bytes: a str is encoded with the "idna"
        # codec, whose import (encodings.idna, stringprep, unicodedata) is ~1.4 ms
        host: str | bytes = self.host.encode("ascii") if self.host.isascii() else self.host
        sock = socket.create_connection((host, self.port), self.timeout)  # type: ignore[arg-type]
        try:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # not a TCP socket (as http.client, ignore ENOPROTOOPT)
                pass
            if self._tls is not None:
                sock = self._wrap(sock)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def _wrap(self, sock: socket.socket) -> socket.socket:
        import ssl

        assert self._tls is not None
        try:
            return self._tls.wrap_socket(sock, server_hostname=self.host)
        except ssl.SSLError as exc:
            raise TLSHandshakeFailed(str(exc)) from exc

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()

    def request(
        self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]
    ) -> None:
        """Write the request: head and body in one ``sendall``."""
        if _BAD_TARGET(target) or _BAD_TARGET(method):
            raise InvalidRequest(f"control character in the request target {target!r:.80}")
        names = {name.lower() for name in headers}
        lines = [f"{method} {target} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {self._host_field}")
        if "accept-encoding" not in names:
            lines.append("Accept-Encoding: identity")
        if "content-length" not in names and "transfer-encoding" not in names:
            if body is not None:
                lines.append(f"Content-Length: {len(body)}")
            elif method.upper() in _BODY_METHODS:
                lines.append("Content-Length: 0")
        for name, value in headers.items():
            if not _TOKEN(name):
                raise InvalidRequest(f"invalid header name {name!r:.80}")
            if _BAD_VALUE(value) or "\0" in value:
                raise InvalidRequest(f"invalid header value for {name}")
            lines.append(f"{name}: {value}")
        lines.append("\r\n")
        try:
            head = "\r\n".join(lines).encode("latin-1")
        except UnicodeEncodeError as exc:
            raise InvalidRequest(f"a header is not Latin-1 text: {exc}") from exc
        sock = self.sock
        if sock is None:
            raise OSError("not connected")
        sock.sendall(head + body if body else head)

    def getresponse(self, method: str) -> Reply:
        """The reply's status line and headers (its body not read)."""
        sock = self.sock
        if sock is None:
            raise OSError("not connected")
        reply = Reply(sock.makefile("rb"), method)
        try:
            reply.begin()
        except BaseException:
            reply.close()
            raise
        if reply.will_close:  # the reply's file keeps the socket open until it is closed
            self.sock = None
            sock.close()
        return reply


class Reply:
    """A response: status, reason, headers (``Headers``), and its body through :meth:`read`.

    The body's framing is decided as ``http.client`` decides it: chunked when
    ``Transfer-Encoding: chunked``; else ``Content-Length``; none for ``HEAD``, 1xx, 204
    and 304; else to the end of the connection (which then closes).  :meth:`isclosed`:
    the body was read to its end (or the reply closed)."""

    __slots__ = (
        "_chunk_left",
        "_fp",
        "_method",
        "chunked",
        "headers",
        "length",
        "reason",
        "status",
        "version",
        "will_close",
    )

    def __init__(self, fp: IO[bytes], method: str) -> None:
        self._fp: IO[bytes] | None = fp
        self._method = method
        self._chunk_left: int | None = None
        self.status = 0
        self.reason = ""
        self.version = 11
        self.headers = Headers()
        self.chunked = False
        self.length: int | None = None
        self.will_close = True

    def _status_line(self) -> tuple[str, int, str]:
        assert self._fp is not None
        raw = _readline(self._fp, "status line")
        if not raw:
            raise RemoteDisconnected("Remote end closed connection without response")
        line = raw.decode("iso-8859-1")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise BadStatusLine(f"bad status line {line.strip()!r:.80}")
        version, status = parts[0], parts[1]
        if len(status) != 3 or not status.isdigit() or not 100 <= int(status) <= 999:
            raise BadStatusLine(f"bad status line {line.strip()!r:.80}")
        return version, int(status), parts[2] if len(parts) > 2 else ""

    def begin(self) -> None:
        assert self._fp is not None
        while True:
            version, status, reason = self._status_line()
            if status != 100:
                break
            read_header_lines(self._fp)  # a 100 Continue's headers: skipped
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise BadStatusLine(f"unsupported protocol version {version!r:.40}")
        self.status, self.reason = status, reason.strip()
        headers = self.headers = Headers.parse(read_header_lines(self._fp))
        encoding = headers.get("transfer-encoding")
        self.chunked = bool(encoding and encoding.lower() == "chunked")
        connection = (headers.get("connection") or "").lower()
        if self.version == 11:
            self.will_close = "close" in connection
        else:
            self.will_close = not (
                "keep-alive" in connection
                or headers.get("keep-alive")
                or "keep-alive" in (headers.get("proxy-connection") or "").lower()
            )
        self.length = None
        length = headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True
        if self.length == 0 and not self.chunked:
            self.close()  # nothing to read: the connection is free again

    def isclosed(self) -> bool:
        return self._fp is None

    def close(self) -> None:
        fp, self._fp = self._fp, None
        if fp is not None:
            fp.close()  # the socket stays open: the connection owns it

    def read(self, amt: int) -> bytes:
        """At most ``amt`` bytes of the body; ``b""`` at its end."""
        fp = self._fp
        if fp is None or amt <= 0:
            return b""
        if self.chunked:
            return self._read_chunk(fp, amt)
        if self.length is not None:
            amt = min(amt, self.length)
        data = fp.read(amt)
        if not data:
            self.close()  # the end of the connection: a short body is the caller's to judge
            return b""
        if self.length is not None:
            self.length -= len(data)
            if self.length == 0:
                self.close()
        return data

    def _read_chunk(self, fp: IO[bytes], amt: int) -> bytes:
        left = self._chunk_left
        if left is None:
            line = _readline(fp, "chunk size line")
            size = line.split(b";", 1)[0].strip()
            try:
                left = int(size, 16)
            except ValueError:
                self.close()
                raise IncompleteRead(0, None) from None
            if left < 0 or not size:
                self.close()
                raise IncompleteRead(0, None)
            if left == 0:
                for _ in range(MAX_HEADERS + 1):  # the trailer, discarded
                    if _readline(fp, "trailer line") in (b"\r\n", b"\n", b""):
                        break
                else:
                    raise ProtocolError(f"got more than {MAX_HEADERS} trailer lines")
                self.close()
                return b""
        take = min(amt, left)
        data = fp.read(take)
        if len(data) < take:
            self.close()
            raise IncompleteRead(len(data), take - len(data))
        left -= len(data)
        if left == 0:
            if len(fp.read(2)) < 2:  # the chunk's CRLF
                self.close()
                raise IncompleteRead(len(data), None)
            self._chunk_left = None
        else:
            self._chunk_left = left
        return data
