"""The ocitrace exception tree.

Every error raised by the library derives from :class:`OcitraceError`, split by what the
caller can do about it.  Each carries the offending ``input`` (a reference, a path, a URL
without secrets) and a ``hint`` saying what to do; ``str(err)`` is one line.

::

    OcitraceError
    ├── UsageError                  bad flags / arguments (CLI level)
    ├── ReferenceError              unparsable image reference          (reference.py)
    ├── ConfigError                 unreadable docker config, credential helper failure
    ├── TransportError              connection refused, DNS, TLS, timeout
    ├── RegistryError               the registry answered with an error (code, message, status)
    │   ├── NotFound                MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, 404
    │   ├── Unauthorized            401: no or wrong credentials
    │   ├── Denied                  403 / DENIED: credentials fine, access refused
    │   └── TooManyRequests         429 after retries (retry_after seconds when known)
    ├── IntegrityError              content that cannot be trusted
    │   ├── DigestMismatch          body hash differs from the digest asked for / announced
    │   └── TooLarge                body exceeds its cap
    ├── FormatError                 bytes that are not the manifest/config/statement expected
    └── PolicyError                 a policy expression that cannot be evaluated

Template errors live in :mod:`ocitrace.template` (a standalone port of Go's text/template
that imports nothing from the rest of ocitrace); the CLI maps them to their own exit code.
"""

from __future__ import annotations


class OcitraceError(Exception):
    """Base of every ocitrace error: a one-line message, the input it is about and a hint."""

    default_hint = ""

    def __init__(self, message: str, *, input: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.input = input
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message


class UsageError(OcitraceError):
    """Wrong command-line usage."""

    default_hint = "see --help"


class ReferenceError(OcitraceError):  # shadows the builtin on purpose: the name the issue asks for
    """An image reference that does not follow the distribution/reference grammar."""

    default_hint = "a reference looks like [registry/]repository[:tag][@sha256:digest]"


class ConfigError(OcitraceError):
    """Local configuration (docker config, auth file, credential helper, CA file) is unusable."""


class TransportError(OcitraceError):
    """The registry could not be reached or spoken to (DNS, refused, TLS, timeout)."""

    default_hint = (
        "check the registry address, network, and TLS settings (--ca-cert, --insecure-registry)"
    )


class RegistryError(OcitraceError):
    """The registry answered with an error; carries its status, error code and message."""

    def __init__(
        self,
        message: str,
        *,
        input: str | None = None,
        hint: str | None = None,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, input=input, hint=hint)
        self.status = status
        self.code = code
        self.detail = detail


class NotFound(RegistryError):
    """The manifest, blob, tag or repository does not exist."""

    default_hint = "check the repository name and tag (ocitrace tags REPO lists tags)"


class Unauthorized(RegistryError):
    """Authentication failed or is required."""

    default_hint = "log in (docker login) or pass --username with --password-stdin"


class Denied(RegistryError):
    """Authenticated, but access was refused."""

    default_hint = "the account lacks pull access to this repository"


class TooManyRequests(RegistryError):
    """Rate limited even after retrying."""

    default_hint = "wait and retry, log in for a higher limit, or lower --concurrency"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class IntegrityError(OcitraceError):
    """Content that cannot be trusted."""


class DigestMismatch(IntegrityError):
    """The bytes received do not hash to the expected digest."""

    default_hint = "the registry or a proxy served corrupted or substituted content"

    def __init__(
        self, message: str, *, expected: str, actual: str, input: str | None = None
    ) -> None:
        super().__init__(message, input=input)
        self.expected = expected
        self.actual = actual


class TooLarge(IntegrityError):
    """A body exceeded its size cap."""

    default_hint = "raise the cap with --max-blob-size if the content is legitimate"

    def __init__(self, message: str, *, limit: int, input: str | None = None) -> None:
        super().__init__(message, input=input)
        self.limit = limit


class FormatError(OcitraceError):
    """Bytes that are not the document expected (bad JSON, wrong media type, bad statement)."""


class PolicyError(OcitraceError):
    """A policy option that cannot be evaluated (bad regex, bad duration)."""
