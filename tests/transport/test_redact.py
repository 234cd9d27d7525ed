"""Secrets never reach logs: URL userinfo, signed-URL queries, auth headers."""

from __future__ import annotations

from ocitrace.transport.redact import redact_headers, redact_url


def test_s3_presigned_url() -> None:
    url = (
        "https://bucket.s3.amazonaws.com/docker/blobs/sha256/ab/data?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=1200&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=deadbeef"
    )
    out = redact_url(url)
    assert "AKIDEXAMPLE" not in out and "deadbeef" not in out
    assert "X-Amz-Signature=REDACTED" in out and "X-Amz-Credential=REDACTED" in out
    assert "X-Amz-Expires=1200" in out
    assert out.startswith("https://bucket.s3.amazonaws.com/docker/blobs/sha256/ab/data?")


def test_userinfo_and_token_params() -> None:
    assert redact_url("https://alice:s3cret@r.example/token?service=x&scope=repository:a:pull") == (
        "https://REDACTED@r.example/token?service=x&scope=repository:a:pull"
    )
    assert redact_url("https://cdn.example/x?sig=abc&se=2024&access_token=t") == (
        "https://cdn.example/x?sig=REDACTED&se=REDACTED&access_token=REDACTED"
    )
    assert redact_url("https://r.example/v2/") == "https://r.example/v2/"


def test_headers_keep_scheme_word() -> None:
    out = redact_headers({"Authorization": "Bearer abc.def", "Accept": "x", "cookie": "k=v"})
    assert out == {"Authorization": "Bearer REDACTED", "Accept": "x", "cookie": "REDACTED"}


def test_urls_without_secrets_are_unchanged() -> None:
    """Nothing to redact: the text stays as written (an ``oci-layout:///abs/path`` in an
    error message kept its empty host, a query its own encoding)."""
    for url in (
        "oci-layout:///tmp/x/layout:v1",
        "oci-layout://./layout@sha256:" + "a" * 64,
        "https://r.example/v2/a/tags/list?n=100&last=a%2Fb",
        "https://r.example/token?scope=repository:a/b:pull&service=r.example",
    ):
        assert redact_url(url) == url
