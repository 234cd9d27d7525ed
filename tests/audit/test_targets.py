"""audit.targets: the four kinds of target."""

from __future__ import annotations

import pytest

from ocitrace.audit.targets import TargetKind, parse_target
from ocitrace.errors import ReferenceError, UsageError


@pytest.mark.parametrize(
    ("text", "kind", "registry", "path", "identifier"),
    [
        ("127.0.0.1:5000", TargetKind.REGISTRY, "127.0.0.1:5000", "", None),
        ("127.0.0.1:5000/", TargetKind.REGISTRY, "127.0.0.1:5000", "", None),
        ("ghcr.io", TargetKind.REGISTRY, "ghcr.io", "", None),
        ("localhost:5000", TargetKind.REGISTRY, "localhost:5000", "", None),
        ("ghcr.io/acme/", TargetKind.NAMESPACE, "ghcr.io", "acme/", None),
        ("127.0.0.1:5000/team/sub/", TargetKind.NAMESPACE, "127.0.0.1:5000", "team/sub/", None),
        ("acme/", TargetKind.NAMESPACE, "docker.io", "acme/", None),
        ("ghcr.io/acme/app", TargetKind.REPOSITORY, "ghcr.io", "acme/app", None),
        ("nginx", TargetKind.REPOSITORY, "docker.io", "library/nginx", None),
        ("nginx:1", TargetKind.IMAGE, "docker.io", "library/nginx", "1"),
        ("127.0.0.1:5000/app:v1", TargetKind.IMAGE, "127.0.0.1:5000", "app", "v1"),
        (
            "127.0.0.1:5000/app:v1@sha256:" + "a" * 64,
            TargetKind.IMAGE,
            "127.0.0.1:5000",
            "app",
            "sha256:" + "a" * 64,
        ),
    ],
)
def test_kinds(
    text: str, kind: TargetKind, registry: str, path: str, identifier: str | None
) -> None:
    t = parse_target(text)
    assert (t.kind, t.registry, t.path, t.identifier) == (kind, registry, path, identifier)


def test_bad_targets() -> None:
    with pytest.raises(UsageError):
        parse_target("  ")
    with pytest.raises(ReferenceError):
        parse_target("ghcr.io/Acme/App")
