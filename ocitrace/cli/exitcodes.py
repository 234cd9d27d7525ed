"""The one table of exit codes, by error class (documented in README.md)."""

from __future__ import annotations

OK = 0
ERROR = 1  # unexpected / other error
USAGE = 2  # bad flags or arguments (argparse also uses 2)
BAD_REFERENCE = 3  # unparsable image reference or bad input file
NOT_FOUND = 4  # tag, digest, repository or blob not found
AUTH = 5  # unauthorized / denied
NETWORK = 6  # connection, TLS, timeout, registry 5xx, rate limited
INTEGRITY = 7  # digest mismatch, body too large, malformed content
TEMPLATE = 8  # --format template parse or execution error
VERIFY_FAILED = 9  # verify: no signature/attestation verified under the policy
POLICY = 10  # audit: a policy check failed
PARTIAL = 11  # batch work: some items failed, the rest were printed
INTERRUPTED = 130  # Ctrl-C


def for_exception(exc: BaseException) -> int:
    """Map an exception to its exit code (most specific class first)."""
    import sys

    from .. import errors as e

    # a TemplateError exists only where the engine was loaded: a failed ``digest`` need not
    # load it just to map its error
    template = sys.modules.get("ocitrace.template")
    TemplateError = template.TemplateError if template is not None else ()
    table: list[tuple[type[BaseException] | tuple[type[BaseException], ...], int]] = [
        (KeyboardInterrupt, INTERRUPTED),
        (e.UsageError, USAGE),
        (e.ReferenceError, BAD_REFERENCE),
        (e.ConfigError, USAGE),
        (e.PolicyError, USAGE),
        (e.NotFound, NOT_FOUND),
        ((e.Unauthorized, e.Denied), AUTH),
        ((e.TooManyRequests, e.TransportError), NETWORK),
        ((e.IntegrityError, e.FormatError), INTEGRITY),
        (e.RegistryError, NETWORK),
        (TemplateError, TEMPLATE),
    ]
    for cls, code in table:
        if cls and isinstance(exc, cls):
            return code
    return ERROR
