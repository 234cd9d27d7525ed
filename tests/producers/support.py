"""Helpers for the real-world producer fixtures (fixtures/realworld, see its SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.registry import RunningRegistry, _push_tree, sha256_digest

REALWORLD = Path(__file__).resolve().parents[2] / "fixtures" / "realworld"
COSIGN_LAYOUT = REALWORLD / "cosign-save-layout-slsa-generic-container-v1.10.0"

_SUFFIX = {
    "dev.cosignproject.cosign/atts": ".att",
    "dev.cosignproject.cosign/sigs": ".sig",
    "dev.cosignproject.cosign/sboms": ".sbom",
}


def cosign_load(reg: RunningRegistry, layout: Path, repo: str, tag: str) -> str:
    """Push a ``cosign save`` layout the way ``cosign load`` does: the image entry under
    ``tag``, each store entry under the cosign tag ``sha256-<hex>.att|.sig|.sbom``, bytes
    unchanged.  Returns the image digest."""
    entries = json.loads((layout / "index.json").read_text())["manifests"]
    image = next(
        e for e in entries if e["annotations"]["kind"].rsplit("/", 1)[1] in ("image", "imageIndex")
    )
    digest = _push_tree(reg, layout, repo, image, tag, None)
    for e in entries:
        suffix = _SUFFIX.get(e["annotations"]["kind"])
        if suffix:
            _push_tree(reg, layout, repo, e, digest.replace(":", "-") + suffix, None)
    return digest


# --- the real-world artefacts attached to one image, in the registry shapes producers use

BASE_FIXTURE = "single-plain"  # fixtures/buildkit: one linux/arm64 manifest tagged v1
BASE_DIGEST = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
BASE_SIZE = 1229
SPEC_EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "spec-examples"
EMPTY = b"{}"
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
COSIGN_CONFIG = b'{"architecture":"","config":{},"created":"0001-01-01T00:00:00Z","os":""}'

#: Sigstore bundles pushed as referrers (cosign v3 / actions/attest): file, layer bytes
BUNDLES = (
    "sigstore-go-bundle-v0.1-dsse-sigstorejs-slsa1.sigstore.json",
    "cosign-oci-attestation-v0.3.sigstore.json",
    "cli-gh-provenance-demo-bundle.jsonl",
    "sigstore-python-bundle-v0.1-msg.sigstore.json",
    "sigstore-python-bundle-v0.3-msg.sigstore.json",
)
#: DSSE envelopes in one cosign .att manifest (cosign attest, legacy tags)
ENVELOPES = ("cosign-vuln-envelope.dsse.json", "slsa-verifier-gha-generic-v1.2.0.intoto.jsonl")
#: SBOM documents: syft's SPDX as a cosign .sbom attachment, the others as oras-style referrers
COSIGN_SBOM = ("syft-spdx-image-golden.json", "text/spdx+json")
REFERRER_SBOMS = (
    (REALWORLD / "cyclonedx-spec-valid-assembly-1.6.json", "application/vnd.cyclonedx+json"),
    (SPEC_EXAMPLES / "cyclonedx-spec-valid-assembly-1.7.json", "application/vnd.cyclonedx+json"),
    (SPEC_EXAMPLES / "spdx3-example11-sbom.spdx.json", "application/spdx+json"),
)


def layer_bytes(name: str) -> bytes:
    """The stored bytes of a fixture as one layer (a one-line .jsonl loses its newline)."""
    data = (REALWORLD / name).read_bytes()
    return data.rstrip(b"\n") if name.endswith(".jsonl") else data


def _desc(media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": sha256_digest(data), "size": len(data), **extra}


def _manifest(config: dict[str, Any], layers: list[dict[str, Any]], **extra: Any) -> bytes:
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, **extra, "config": config}
    body["layers"] = layers
    return json.dumps(body, indent=2).encode()


def attachments() -> tuple[
    list[tuple[bytes, str]], list[tuple[bytes, dict[str, Any]]], dict[str, bytes]
]:
    """(blobs, referrer manifests with their fallback-index entries, tagged manifests)."""
    subject = {"mediaType": OCI_MANIFEST, "digest": BASE_DIGEST, "size": BASE_SIZE}
    empty = {"mediaType": "application/vnd.oci.empty.v1+json", "digest": EMPTY_DIGEST, "size": 2}
    blobs: list[tuple[bytes, str]] = [(EMPTY, "empty"), (COSIGN_CONFIG, "cosign config")]
    referrers: list[tuple[bytes, dict[str, Any]]] = []
    for name in BUNDLES:
        data = layer_bytes(name)
        doc = json.loads(data)
        media_type = doc["mediaType"]
        content = "dsse-envelope" if "dsseEnvelope" in doc else "message-signature"
        ann = {"dev.sigstore.bundle.content": content}
        if content == "dsse-envelope":
            import base64

            stmt = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
            ann["dev.sigstore.bundle.predicateType"] = stmt["predicateType"]
        blobs.append((data, name))
        raw = _manifest(
            empty,
            [_desc(media_type, data)],
            artifactType=media_type.split(";")[0],
            subject=subject,
            annotations=ann,
        )
        referrers.append((raw, _desc(OCI_MANIFEST, raw, artifactType=media_type, annotations=ann)))
    for path, media_type in REFERRER_SBOMS:
        data = path.read_bytes()
        blobs.append((data, path.name))
        raw = _manifest(empty, [_desc(media_type, data)], artifactType=media_type, subject=subject)
        referrers.append((raw, _desc(OCI_MANIFEST, raw, artifactType=media_type)))
    cosign_config = _desc("application/vnd.oci.image.config.v1+json", COSIGN_CONFIG)
    att_layers = []
    for name in ENVELOPES:
        data = layer_bytes(name)
        blobs.append((data, name))
        import base64

        pt = json.loads(base64.b64decode(json.loads(data)["payload"]))["predicateType"]
        att_layers.append(
            _desc("application/vnd.dsse.envelope.v1+json", data, annotations={"predicateType": pt})
        )
    sbom_data = layer_bytes(COSIGN_SBOM[0])
    blobs.append((sbom_data, COSIGN_SBOM[0]))
    prefix = BASE_DIGEST.replace(":", "-")
    tagged = {
        prefix + ".att": _manifest(cosign_config, att_layers),
        prefix + ".sbom": _manifest(cosign_config, [_desc(COSIGN_SBOM[1], sbom_data)]),
    }
    return blobs, referrers, tagged


def push_realworld(reg: RunningRegistry, repo: str) -> str:
    """The base image plus every artefact, on distribution 2.8 (no referrers API: the
    referrers go in the ``sha256-<hex>`` fallback index, as cosign/@sigstore/oci do)."""
    from tests.support.registry import fixture_dir, push_blob, push_layout, push_manifest

    top = push_layout(reg, fixture_dir(BASE_FIXTURE), repo, "v1", auth=None)
    assert top == BASE_DIGEST
    blobs, referrers, tagged = attachments()
    for data, _ in blobs:
        push_blob(reg, repo, data, auth=None)
    entries = []
    for raw, entry in referrers:
        push_manifest(reg, repo, entry["digest"], raw, OCI_MANIFEST, auth=None)
        entries.append(entry)
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
    push_manifest(reg, repo, BASE_DIGEST.replace(":", "-"), index, OCI_INDEX, auth=None)
    for tag, raw in tagged.items():
        push_manifest(reg, repo, tag, raw, OCI_MANIFEST, auth=None)
    return f"{reg.host}/{repo}:v1"


def write_realworld_layout(dest: Path) -> str:
    """The same content as an OCI layout: referrers as untagged index.json entries (found
    by the layout's subject scan), cosign manifests tagged ``sha256-<hex>.att|.sbom``."""
    from tests.support.registry import copy_layout

    root = copy_layout(BASE_FIXTURE, dest)
    blobs, referrers, tagged = attachments()
    index = json.loads((root / "index.json").read_text())

    def put(data: bytes) -> str:
        d = sha256_digest(data)
        (root / "blobs" / "sha256" / d.split(":")[1]).write_bytes(data)
        return d

    for data, _ in blobs:
        put(data)
    for raw, entry in referrers:
        put(raw)
        index["manifests"].append({k: entry[k] for k in ("mediaType", "digest", "size")})
    for tag, raw in tagged.items():
        put(raw)
        index["manifests"].append(
            {
                "mediaType": OCI_MANIFEST,
                "digest": sha256_digest(raw),
                "size": len(raw),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        )
    (root / "index.json").write_text(json.dumps(index))
    return f"oci-layout://{root}:v1"
