"""Redaction of secrets in URLs and headers before anything is logged or put in a message.

Signed blob-storage URLs (S3 ``X-Amz-Signature``, Azure ``sig``, GCS ``X-Goog-Signature``,
CloudFront ``Signature``/``Key-Pair-Id``, Docker Hub's Cloudflare ``verify``) and token
endpoints carry secrets in the query;
``user:password@`` may sit in the authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

_SECRET_PARAMS = frozenset(
    {
        "access_token",
        "refresh_token",
        "token",
        "password",
        "client_secret",
        "code",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
        "key-pair-id",
        "policy",
        "se",
        "st",
        "sp",
        "skoid",
        "sktid",
        "sv",
        # Docker Hub's Cloudflare blob URLs (``?verify=<expiry>-<hmac>``), API keys, JWTs
        "verify",
        "key",
        "apikey",
        "api_key",
        "jwt",
        "id_token",
        "secret",
        "x-amz-session-token",
        "googleaccessid",
    }
)

_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-registry-auth"}
)


def redact_url(url: str) -> str:
    """``url`` with userinfo and secret query values replaced by ``REDACTED``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SECRET_PARAMS for k, _ in pairs):
            query = urlencode(
                [(k, REDACTED if k.lower() in _SECRET_PARAMS else v) for k, v in pairs],
                safe=":/,",
            )
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing secret: unchanged (urlunsplit would drop oci-layout://'s empty host)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with credential-bearing values replaced (scheme word kept)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            out[name] = f"{scheme} {REDACTED}".strip()
        else:
            out[name] = value
    return out
