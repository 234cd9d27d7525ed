"""Turn a registry's error answer (status + capped body) into the typed error tree.

Bodies are read defensively: distribution's JSON ``{"errors":[{"code","message"}]}``,
or plain text (``404 page not found``, HAProxy 429 pages), capped at 64 KiB.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from ..digest import read_capped
from ..errors import Denied, NotFound, RegistryError, TooManyRequests, TransportError, Unauthorized
from ..transport.deadline import Watchdog, socket_of
from ..transport.response import READ_ERRORS, Response
from ..transport.retry import parse_retry_after

ERROR_BODY_DEADLINE = 30.0  # seconds: an error body is at most 64 KiB of diagnostics
_HTTPS_HINT = (
    "the registry speaks HTTPS: pass --ca-cert FILE for its CA (or --insecure-skip-tls-verify)"
)
_NOT_FOUND_CODES = frozenset({"MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "NAME_UNKNOWN"})


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The first error of a distribution error body (empty strings when absent)."""

    code: str
    message: str
    text: str  # the body's first line when it is not JSON


def parse_error_body(body: bytes) -> ErrorBody:
    """``errors[0].code/message`` from a JSON body, else the first line of plain text."""
    text = body.decode("utf-8", "replace").strip()
    try:
        obj = json.loads(text) if text else None
    except (ValueError, RecursionError):  # a hostile body may nest absurdly deep
        obj = None
    if isinstance(obj, Mapping):
        errors = obj.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            return ErrorBody(str(first.get("code") or ""), str(first.get("message") or ""), "")
        if isinstance(obj.get("details"), str):
            return ErrorBody("", str(obj["details"]), "")
    line = text.splitlines()[0][:200] if text else ""
    return ErrorBody("", "", line)


def read_error_body(resp: Response, watchdog: Watchdog | None = None) -> bytes:
    """The (capped) body of an error answer; empty for HEAD or on read failure (a body
    still arriving after :data:`ERROR_BODY_DEADLINE` seconds counts as one)."""
    if resp.request is not None and resp.request.method == "HEAD":
        return b""
    dog = watchdog or Watchdog()
    alarm = dog.guard_socket(ERROR_BODY_DEADLINE, lambda: socket_of(resp))
    try:
        return read_capped(resp.iter_content(8192))
    except (*READ_ERRORS, TransportError):  # type: ignore[misc]
        return b""
    finally:
        alarm.cancel()
        resp.close()
        if watchdog is None:
            dog.close()


def error_for(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    input: str,
    plain_http: bool = False,
) -> RegistryError:
    """The typed error for an answer with ``status`` about ``input`` (one-line message)."""
    parsed = parse_error_body(body)
    code = printable(parsed.code, 100)
    said = printable(": ".join(p for p in (code, parsed.message or parsed.text) if p), 1000)
    detail = said or None
    kw: dict[str, object] = {
        "input": input,
        "status": status,
        "code": code or None,
        "detail": detail,
    }
    if code in _NOT_FOUND_CODES or (status == 404 and code not in ("UNAUTHORIZED", "DENIED")):
        return NotFound(f"{input}: not found", **kw)  # type: ignore[arg-type]
    if status == 429 or code == "TOOMANYREQUESTS":
        retry_after = parse_retry_after(headers.get("Retry-After"))
        wait = f" (retry after {retry_after:g}s)" if retry_after is not None else ""
        return TooManyRequests(f"{input}: too many requests{wait}", retry_after=retry_after, **kw)
    if status == 401 or code == "UNAUTHORIZED":
        return Unauthorized(f"{input}: unauthorized{_suffix(said)}", **kw)  # type: ignore[arg-type]
    if status == 403 or code == "DENIED":
        return Denied(f"{input}: access denied{_suffix(said)}", **kw)  # type: ignore[arg-type]
    hint = "the registry failed; retry later" if status >= 500 else None
    if status == 400 and "HTTPS server" in parsed.text:
        hint = _HTTPS_HINT
    elif status == 400 and plain_http and not body:  # HEAD: Go's answer has no body
        hint = "if the registry speaks HTTPS, " + _HTTPS_HINT.split(": ", 1)[1]
    return RegistryError(f"{input}: registry answered {status}{_suffix(said)}", hint=hint, **kw)  # type: ignore[arg-type]


def _suffix(said: str) -> str:
    return f" ({said[:200]})" if said else ""


def printable(text: str, limit: int = 200) -> str:
    """A server-chosen string made safe for a one-line message: control characters
    (terminal escapes, newlines) escaped, at most ``limit`` characters."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return out + ("…" if len(text) > limit else "")


def raise_for_status(resp: Response, *, input: str, watchdog: Watchdog | None = None) -> None:
    """Raise the typed error for a non-2xx answer (reading and closing its capped body;
    ``watchdog``: the transport's, bounding that read)."""
    if 200 <= resp.status_code < 300:
        return
    body = read_error_body(resp, watchdog)
    plain = (resp.url or "").startswith("http://")
    raise error_for(resp.status_code, resp.headers, body, input=input, plain_http=plain)
