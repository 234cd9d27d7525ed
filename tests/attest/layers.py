"""Walk the real BuildKit OCI layouts in fixtures/buildkit to their attestation layers.

Deliberately independent of ocitrace's own OCI code: plain JSON reads, so attest tests
do not depend on the layout/oci modules they sit beside.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "buildkit"
README = FIXTURES / "README.md"


@dataclass(frozen=True)
class Layer:
    """One in-toto layer of one attestation manifest."""

    fixture: str
    image_digest: str  # vnd.docker.reference.digest of the attestation manifest
    manifest_digest: str
    media_type: str
    annotations: dict[str, str] = field(default_factory=dict)
    data: bytes = field(default=b"", repr=False)

    @property
    def predicate_type(self) -> str:
        return self.annotations.get("in-toto.io/predicate-type", "")


def fixture_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if (p / "index.json").is_file())


def blob(fixture: str, digest: str) -> bytes:
    alg, hex_ = digest.split(":", 1)
    return (FIXTURES / fixture / "blobs" / alg / hex_).read_bytes()


def _json(fixture: str, digest: str) -> Any:
    return json.loads(blob(fixture, digest))


def attestation_layers(fixture: str) -> list[Layer]:
    """Every layer of every attestation manifest in the fixture, in index/layer order."""
    top = json.loads((FIXTURES / fixture / "index.json").read_bytes())
    out: list[Layer] = []
    for entry in top["manifests"]:
        body = _json(fixture, entry["digest"])
        for child in body.get("manifests", []):
            ann = child.get("annotations") or {}
            if ann.get("vnd.docker.reference.type") != "attestation-manifest":
                continue
            manifest = _json(fixture, child["digest"])
            for layer in manifest["layers"]:
                out.append(
                    Layer(
                        fixture=fixture,
                        image_digest=ann["vnd.docker.reference.digest"],
                        manifest_digest=child["digest"],
                        media_type=layer["mediaType"],
                        annotations=dict(layer.get("annotations") or {}),
                        data=blob(fixture, layer["digest"]),
                    )
                )
    return out


def all_layers() -> list[Layer]:
    return [layer for name in fixture_names() for layer in attestation_layers(name)]


def first_layer(fixture: str, predicate_prefix: str) -> Layer:
    """The first attestation layer whose predicate-type annotation starts with the prefix."""
    return next(
        x for x in attestation_layers(fixture) if x.predicate_type.startswith(predicate_prefix)
    )


def readme_dockerfiles() -> list[str]:
    """The ```dockerfile blocks of fixtures/buildkit/README.md: app, sbom, run contexts."""
    return re.findall(r"```dockerfile\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
