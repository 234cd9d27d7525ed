"""What an audit TARGET names: a whole registry, a namespace prefix, a repository or an image.

* ``127.0.0.1:5000`` or ``ghcr.io/`` — every repository of the registry's catalog;
* ``ghcr.io/acme/`` (trailing slash) — catalog entries under ``acme/``;
* ``ghcr.io/acme/app`` — every tag of that repository;
* ``ghcr.io/acme/app:v1`` or ``…@sha256:…`` — that one image.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..errors import UsageError
from ..reference import DOCKER_HUB, parse_reference

__all__ = ["AuditTarget", "TargetKind", "parse_target"]


class TargetKind(enum.Enum):
    REGISTRY = "registry"
    NAMESPACE = "namespace"
    REPOSITORY = "repository"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class AuditTarget:
    """A parsed target. ``path`` is the namespace prefix (ending in ``/``) or repository."""

    text: str
    kind: TargetKind
    registry: str
    path: str = ""
    identifier: str | None = None  # tag or digest, images only


def _looks_like_host(text: str) -> bool:
    """``ghcr.io``, ``127.0.0.1:5000``, ``localhost:5000``; not ``nginx`` or ``nginx:1``."""
    host, _, port = text.partition(":")
    return ("." in host or host == "localhost") and (not port or port.isdigit())


def parse_target(text: str) -> AuditTarget:
    """Classify ``text``; raise UsageError / ReferenceError for what is none of the four."""
    raw = text.strip()
    if not raw:
        raise UsageError(
            "empty audit target", input=text, hint="give a registry, namespace/ or repository"
        )
    if raw.endswith("/"):
        head = raw.rstrip("/")
        if "/" not in head and _looks_like_host(head):
            return AuditTarget(text, TargetKind.REGISTRY, head)
        first, _, rest = head.partition("/")
        if rest and _looks_like_host(first):
            registry, prefix = first, rest
        else:
            registry, prefix = DOCKER_HUB, head
        ref = parse_reference(f"{registry}/{prefix}")  # validates the name grammar
        return AuditTarget(text, TargetKind.NAMESPACE, ref.registry, prefix + "/")
    if "/" not in raw and _looks_like_host(raw):
        return AuditTarget(text, TargetKind.REGISTRY, raw)
    ref = parse_reference(raw)
    if ref.tag is None and ref.digest is None:
        return AuditTarget(text, TargetKind.REPOSITORY, ref.registry, ref.repository)
    return AuditTarget(text, TargetKind.IMAGE, ref.registry, ref.repository, ref.digest or ref.tag)
