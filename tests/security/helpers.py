"""Small builders shared by the security tests."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ocitrace.registry import Limits, RegistryClient
from ocitrace.transport import Transport, TransportOptions

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def transport(**kw: Any) -> Transport:
    """A transport with no retries or backoff and no environment (fast, deterministic)."""
    opts = TransportOptions(**{"retries": 0, "timeout": 5.0, **kw})
    return Transport(opts, environ={}, sleep=lambda _s: None)


def client(limits: Limits | None = None, **kw: Any) -> RegistryClient:
    return RegistryClient(transport(**kw), limits=limits)


def manifest_bytes(config: bytes = b"{}") -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(config),
                "size": len(config),
            },
            "layers": [],
        }
    ).encode()


def nested(depth: int = 100_000) -> bytes:
    """JSON nested far deeper than Python's recursion limit."""
    return b'{"a":' * depth + b"1" + b"}" * depth
