"""Signed blob URLs of the big registries lose their secrets before being logged."""

from __future__ import annotations

import pytest

from ocitrace.transport.redact import redact_url


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        # Docker Hub blob redirect (Cloudflare): verify=<expiry>-<hmac>
        (
            "https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/"
            "sha256/ab/abcd/data?verify=1700000000-Zm9vYmFyc2VjcmV0",
            "Zm9vYmFyc2VjcmV0",
        ),
        # GHCR / Azure blob SAS
        (
            "https://pkg-containers.githubusercontent.com/ghcr1/blobs/sha256:ab?se=2024-01-01"
            "&sig=U0lHTkFUVVJF&sp=r&spr=https&sr=b&sv=2019-12-12",
            "U0lHTkFUVVJF",
        ),
        # GCS signed URL
        (
            "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256"
            "&X-Goog-Credential=svc%40p.iam.gserviceaccount.com&X-Goog-Signature=c2lnbmF0dXJl",
            "c2lnbmF0dXJl",
        ),
        # CloudFront (Quay)
        (
            "https://cdn.quay.io/x?Expires=1&Signature=Q0xPVURGUk9OVA&Key-Pair-Id=APKA",
            "Q0xPVURGUk9OVA",
        ),
        ("https://r.example/x?api_key=QVBJS0VZ", "QVBJS0VZ"),
        ("https://user:UEFTU1dPUkQ@r.example/v2/", "UEFTU1dPUkQ"),
    ],
)
def test_signed_urls(url: str, secret: str) -> None:
    out = redact_url(url)
    assert secret not in out
    assert "REDACTED" in out
    assert out.split("?")[0].rsplit("@", 1)[-1] == url.split("?")[0].rsplit("@", 1)[-1]


def test_unparseable_url_is_fully_redacted() -> None:
    assert redact_url("http://[::1") == "REDACTED"
