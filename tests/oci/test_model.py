"""ocitrace.oci.model on real BuildKit output (fixtures/buildkit) and buildx's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocitrace.errors import FormatError
from ocitrace.oci import mediatypes as mt
from ocitrace.oci.model import Descriptor, Index, Manifest, Platform, parse_manifest_or_index

ROOT = Path(__file__).resolve().parents[2] / "fixtures"
LAYOUTS = ROOT / "buildkit"
MULTI = LAYOUTS / "multi-prov-max"
MULTI_INDEX = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
AMD64 = "sha256:379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"
AMD64_ATTESTATION = "sha256:67739fb92536e88ee36f0a9d4088058754e616b5826e941f269b1660e83497c8"


def blob(layout: Path, digest: str) -> bytes:
    alg, hex_ = digest.split(":")
    return (layout / "blobs" / alg / hex_).read_bytes()


def test_layout_index_json() -> None:
    raw = (MULTI / "index.json").read_bytes()
    idx = Index.parse(raw)
    assert idx.raw is raw
    assert idx.schema_version == 2
    assert idx.media_type == mt.OCI_INDEX
    (entry,) = idx.manifests
    assert (entry.media_type, entry.digest, entry.size) == (mt.OCI_INDEX, MULTI_INDEX, 2385)
    assert entry.annotations["org.opencontainers.image.ref.name"] == "v1"
    assert (
        entry.annotations["io.containerd.image.name"] == "127.0.0.1:5200/ocitrace/multi-prov-max:v1"
    )
    assert entry.platform is None


def test_image_index_entries() -> None:
    raw = blob(MULTI, MULTI_INDEX)
    idx = parse_manifest_or_index(raw, mt.OCI_INDEX)
    assert isinstance(idx, Index)
    assert idx.raw == raw and len(raw) == 2385
    assert [str(d.platform) for d in idx.manifests] == [
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
        "unknown/unknown",
        "unknown/unknown",
        "unknown/unknown",
    ]
    att = idx.manifests[3]
    assert att.digest == AMD64_ATTESTATION and att.size == 837
    assert att.annotations == {
        mt.REF_DIGEST_ANNOTATION: AMD64,
        mt.REF_TYPE_ANNOTATION: mt.ATTESTATION_MANIFEST,
    }
    assert idx.subject is None and idx.artifact_type == ""


def test_attestation_manifest() -> None:
    raw = blob(MULTI, AMD64_ATTESTATION)
    man = parse_manifest_or_index(raw, "")  # media type from the body
    assert isinstance(man, Manifest)
    assert man.raw == raw
    assert man.artifact_type == mt.DOCKER_ATTESTATION_ARTIFACT
    assert man.config == Descriptor(mt.OCI_EMPTY, mt.EMPTY_DIGEST, 2, data="e30=")
    (layer,) = man.layers
    assert layer.media_type == mt.IN_TOTO
    assert layer.annotations == {mt.PREDICATE_TYPE_ANNOTATION: "https://slsa.dev/provenance/v1"}
    assert man.subject == Descriptor(mt.OCI_MANIFEST, AMD64, 1229)


def test_docker_manifest_list() -> None:
    layout = LAYOUTS / "multi-docker"
    (entry,) = Index.parse((layout / "index.json").read_bytes()).manifests
    assert entry.media_type == mt.DOCKER_LIST
    lst = parse_manifest_or_index(blob(layout, entry.digest), entry.media_type)
    assert isinstance(lst, Index)
    assert lst.media_type == mt.DOCKER_LIST
    assert {d.media_type for d in lst.manifests} == {mt.DOCKER_MANIFEST}


def test_image_manifest_config_and_layers() -> None:
    layout = LAYOUTS / "single-plain"
    (entry,) = Index.parse((layout / "index.json").read_bytes()).manifests
    assert entry.platform == Platform("linux", "arm64")
    man = Manifest.parse(blob(layout, entry.digest))
    assert man.config is not None and man.config.media_type == mt.OCI_CONFIG
    assert len(man.layers) == 5
    assert all(d.media_type == "application/vnd.oci.image.layer.v1.tar+gzip" for d in man.layers)


def test_descriptor_to_json_matches_buildx() -> None:
    """Key order and omitempty as buildx's {{json .}} prints index entries."""
    golden = json.loads((ROOT / "golden" / "buildx" / "multi-prov-max" / "json.out").read_text())
    want = golden["manifest"]["manifests"]
    got = [d.to_json() for d in Index.parse(blob(MULTI, MULTI_INDEX)).manifests]
    assert got == want
    assert [list(d) for d in got] == [list(d) for d in want]
    # image-spec struct order: annotations before platform
    assert list(got[3]) == ["mediaType", "digest", "size", "annotations", "platform"]


def test_descriptor_to_json_full_order() -> None:
    d = Descriptor.from_json(
        {
            "artifactType": "a/b",
            "platform": {
                "variant": "v7",
                "os.features": ["f"],
                "os.version": "1",
                "os": "linux",
                "architecture": "arm",
            },
            "data": "e30=",
            "annotations": {"k": "v"},
            "urls": ["https://example.com/x"],
            "size": 2,
            "digest": mt.EMPTY_DIGEST,
            "mediaType": mt.OCI_EMPTY,
        }
    )
    out = d.to_json()
    assert list(out) == [
        "mediaType",
        "digest",
        "size",
        "urls",
        "annotations",
        "data",
        "platform",
        "artifactType",
    ]
    assert list(out["platform"]) == ["architecture", "os", "os.version", "os.features", "variant"]


@pytest.mark.parametrize("raw", [b"not json", b"[1]", b'{"manifests": [{"size": 1}]}'])
def test_format_errors(raw: bytes) -> None:
    with pytest.raises(FormatError):
        Index.parse(raw)
