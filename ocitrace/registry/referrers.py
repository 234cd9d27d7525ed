"""Referrers helpers: the fallback tag schema and client-side artifactType filtering.

See OCI distribution-spec 1.1, "Referrers Tag Schema": ``<alg>-<hex>`` with the algorithm
cut to 32 and the hex to 64 characters and anything outside ``[a-zA-Z0-9_.-]`` made ``-``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import FormatError
from ..oci.model import Descriptor, Index

#: answers meaning "no referrers API here" (go-containerregistry also falls back on 400/406).
REFERRERS_FALLBACK_STATUSES = frozenset({400, 404, 405, 406})
_NOT_TAG_CHARS = re.compile(r"[^a-zA-Z0-9_.-]")


def fallback_tag(digest: str) -> str:
    """The referrers fallback tag for ``digest``: ``sha256:ab…`` → ``sha256-ab…``."""
    algorithm, _, encoded = digest.partition(":")
    return _NOT_TAG_CHARS.sub("-", f"{algorithm[:32]}-{encoded[:64]}")


def parse_referrers(data: bytes, *, input: str) -> list[Descriptor]:
    """The ``manifests`` of a referrers answer or fallback index."""
    try:
        return list(Index.parse(data).manifests)
    except FormatError as exc:
        raise FormatError(f"{input}: referrers list: {exc}", input=input) from exc


def filter_referrers(found: Iterable[Descriptor], artifact_type: str | None) -> list[Descriptor]:
    """Descriptors with ``artifact_type`` (all when None), duplicates dropped, order kept."""
    out: list[Descriptor] = []
    seen: set[str] = set()
    for desc in found:
        if artifact_type and desc.artifact_type != artifact_type:
            continue
        if desc.digest in seen:
            continue
        seen.add(desc.digest)
        out.append(desc)
    return out
