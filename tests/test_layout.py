"""LayoutSource over the real BuildKit OCI layouts in fixtures/buildkit."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ocitrace.errors import (
    DigestMismatch,
    FormatError,
    IntegrityError,
    NotFound,
    ReferenceError,
    TooLarge,
)
from ocitrace.layout import LayoutSource
from ocitrace.oci import mediatypes as mt
from ocitrace.oci.model import Descriptor, Index, Manifest, Platform
from ocitrace.source import Source

LAYOUTS = Path(__file__).resolve().parent.parent / "fixtures" / "buildkit"
FIXTURES = sorted(p.name for p in LAYOUTS.iterdir() if (p / "oci-layout").is_file())
MULTI = LAYOUTS / "multi-prov-max"
MULTI_INDEX = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
AMD64 = "sha256:379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"
AMD64_ATTESTATION = "sha256:67739fb92536e88ee36f0a9d4088058754e616b5826e941f269b1660e83497c8"
SINGLE_PLAIN = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"


def blob_file(layout: Path, digest: str) -> Path:
    alg, hex_ = digest.split(":")
    return layout / "blobs" / alg / hex_


def writable_copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    for dirpath, dirnames, filenames in os.walk(dst):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
    dst.chmod(dst.stat().st_mode | stat.S_IWUSR)
    return dst


@pytest.fixture
def multi() -> LayoutSource:
    return LayoutSource(MULTI)


def test_is_a_source(multi: LayoutSource) -> None:
    assert isinstance(multi, Source)
    assert multi.name == f"oci-layout://{MULTI}"
    assert LayoutSource(f"{MULTI}/").name == f"oci-layout://{MULTI}/"  # the path as given


def test_tags(multi: LayoutSource) -> None:
    assert list(multi.tags()) == ["v1"]


def test_resolve_tag_returns_index_json_entry(multi: LayoutSource) -> None:
    desc = multi.resolve("v1")
    assert (desc.media_type, desc.digest, desc.size) == (mt.OCI_INDEX, MULTI_INDEX, 2385)
    assert desc.annotations["org.opencontainers.image.ref.name"] == "v1"
    assert (
        desc.annotations["io.containerd.image.name"] == "127.0.0.1:5200/ocitrace/multi-prov-max:v1"
    )


def test_resolve_plain_manifest_keeps_entry_annotations_and_platform() -> None:
    # BUILDX.md §0: for a layout, .Manifest of a plain manifest carries the entry's annotations
    desc = LayoutSource(LAYOUTS / "single-plain").resolve("v1")
    assert (desc.media_type, desc.digest, desc.size) == (mt.OCI_MANIFEST, SINGLE_PLAIN, 1229)
    assert desc.platform == Platform("linux", "arm64")
    assert desc.annotations["org.opencontainers.image.created"] == "2026-11-22T09:58:09Z"


def test_resolve_tag_by_image_name_first(tmp_path: Path) -> None:
    # BuildKit ociindex.StoreIndex.Get looks at io.containerd.image.name before ref.name
    layout = writable_copy(MULTI, tmp_path / "layout")
    entry = LayoutSource(layout).resolve("v1")
    other = json.dumps(
        {
            "mediaType": mt.OCI_MANIFEST,
            "digest": AMD64,
            "size": 1229,
            "annotations": {"io.containerd.image.name": "v1"},
        }
    )
    raw = (layout / "index.json").read_text()
    (layout / "index.json").write_text(raw.replace('"manifests":[', f'"manifests":[{other},', 1))
    assert LayoutSource(layout).resolve("v1").digest == AMD64
    assert list(LayoutSource(layout).tags()) == ["v1"]
    assert entry.digest == MULTI_INDEX


def test_resolve_unknown_tag(multi: LayoutSource) -> None:
    with pytest.raises(NotFound) as info:
        multi.resolve("latest")
    assert str(info.value) == f"oci-layout://{MULTI}:latest: not found"
    assert info.value.hint == "tags in this layout: v1"


def test_resolve_digests(multi: LayoutSource) -> None:
    assert multi.resolve(MULTI_INDEX) == multi.resolve("v1")  # the index.json entry
    inner = multi.resolve(AMD64)  # only in blobs/: media type read from the body
    assert inner == Descriptor(mt.OCI_MANIFEST, AMD64, 1229)
    with pytest.raises(NotFound):
        multi.resolve("sha256:" + "0" * 64)


def test_resolve_config_digest_is_not_a_manifest(multi: LayoutSource) -> None:
    config = Manifest.parse(blob_file(MULTI, AMD64).read_bytes()).config
    assert config is not None
    with pytest.raises(FormatError, match="not a manifest or index"):
        multi.resolve(config.digest)


@pytest.mark.parametrize(
    "ref",
    [
        "sha256:../../../../etc/passwd",
        "sha256:" + "A" * 64,
        "md5:" + "0" * 32,
        "sha256:abc",
        "../x",
        "-bad",
    ],
)
def test_rejects_malformed_refs(multi: LayoutSource, ref: str) -> None:
    with pytest.raises(FormatError):
        multi.resolve(ref)


def test_blob_rejects_path_traversal(multi: LayoutSource) -> None:
    with pytest.raises(FormatError, match="invalid blob digest"):
        multi.blob(Descriptor("x", "sha256/../../oci-layout", 30))


def test_manifest_bytes_exact(multi: LayoutSource) -> None:
    fetched = multi.manifest("v1")
    assert fetched.data == blob_file(MULTI, MULTI_INDEX).read_bytes()
    assert fetched.descriptor == multi.resolve("v1")
    assert "sha256:" + hashlib.sha256(fetched.data).hexdigest() == MULTI_INDEX
    assert isinstance(Index.parse(fetched.data), Index)
    by_digest = multi.manifest(AMD64)
    assert by_digest.descriptor.size == len(by_digest.data) == 1229


def test_blob_and_cap(multi: LayoutSource) -> None:
    man = Manifest.parse(multi.manifest(AMD64).data)
    assert man.config is not None
    data = multi.blob(man.config)
    assert len(data) == man.config.size
    assert multi.blob(man.config, max_size=man.config.size) == data
    with pytest.raises(TooLarge) as info:
        multi.blob(man.config, max_size=man.config.size - 1)
    assert info.value.limit == man.config.size - 1


def test_manifest_cap() -> None:
    small = LayoutSource(MULTI, max_manifest_size=1000)
    with pytest.raises(TooLarge):
        small.manifest("v1")  # the index is 2385 bytes


def test_missing_blob(tmp_path: Path) -> None:
    layout = writable_copy(MULTI, tmp_path / "layout")
    blob_file(layout, MULTI_INDEX).unlink()
    src = LayoutSource(layout)
    assert src.resolve("v1").digest == MULTI_INDEX  # index.json still names it
    with pytest.raises(NotFound, match="manifest not found in the layout"):
        src.manifest("v1")


def test_tampered_blob(tmp_path: Path) -> None:
    layout = writable_copy(MULTI, tmp_path / "layout")
    path = blob_file(layout, AMD64)
    data = bytearray(path.read_bytes())
    data[-2] ^= 0x20  # same size, different content
    path.write_bytes(bytes(data))
    src = LayoutSource(layout)
    with pytest.raises(DigestMismatch) as info:
        src.manifest(AMD64)
    assert info.value.expected == AMD64
    assert info.value.actual == "sha256:" + hashlib.sha256(bytes(data)).hexdigest()


def test_wrong_descriptor_size(multi: LayoutSource) -> None:
    with pytest.raises(IntegrityError, match="descriptor says 1000 bytes, blob has 1229"):
        multi.blob(Descriptor(mt.OCI_MANIFEST, AMD64, 1000))


def test_not_a_layout(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such directory"):
        LayoutSource(tmp_path / "nope")
    with pytest.raises(ReferenceError, match="not an OCI image layout"):
        LayoutSource(tmp_path)
    (tmp_path / "oci-layout").write_text('{"imageLayoutVersion":"2.0.0"}')
    (tmp_path / "index.json").write_text('{"schemaVersion":2,"manifests":[]}')
    with pytest.raises(FormatError, match="unsupported imageLayoutVersion"):
        LayoutSource(tmp_path)


def test_referrers_finds_subject_manifests(multi: LayoutSource) -> None:
    refs = multi.referrers(AMD64)
    assert refs.via == "layout"
    (desc,) = refs.manifests
    assert desc.digest == AMD64_ATTESTATION
    assert desc.size == 837
    assert desc.artifact_type == mt.DOCKER_ATTESTATION_ARTIFACT
    assert desc.platform is None and dict(desc.annotations) == {}
    assert refs.checked[0].startswith("layout scan: ")
    assert (
        multi.referrers(AMD64, artifact_type=mt.DOCKER_ATTESTATION_ARTIFACT).manifests
        == refs.manifests
    )
    assert multi.referrers(AMD64, artifact_type="application/x-other").manifests == ()
    assert multi.referrers(MULTI_INDEX).manifests == ()


def test_referrers_none_for_classic_attestations() -> None:
    # legacy BuildKit attestation manifests have no subject: found via the index, not referrers
    src = LayoutSource(LAYOUTS / "legacy-multi-prov-min")
    idx = Index.parse(src.manifest("v1").data)
    images = [d for d in idx.manifests if mt.REF_TYPE_ANNOTATION not in d.annotations]
    assert images
    for image in images:
        assert src.referrers(image.digest).manifests == ()


def test_referrers_skip_missing_children(tmp_path: Path) -> None:
    layout = writable_copy(MULTI, tmp_path / "layout")
    blob_file(layout, AMD64_ATTESTATION).unlink()
    refs = LayoutSource(layout).referrers(AMD64)
    assert refs.manifests == ()
    assert any(AMD64_ATTESTATION in note and "skipped" in note for note in refs.checked)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_fixture_blob_verifies(fixture: str) -> None:
    src = LayoutSource(LAYOUTS / fixture)
    top = src.manifest("v1")
    assert top.descriptor.digest == "sha256:" + hashlib.sha256(top.data).hexdigest()
    for path in sorted((LAYOUTS / fixture / "blobs" / "sha256").iterdir()):
        desc = Descriptor("application/octet-stream", f"sha256:{path.name}", path.stat().st_size)
        assert len(src.blob(desc)) == desc.size


def test_concurrent_reads(multi: LayoutSource) -> None:
    idx = Index.parse(multi.manifest("v1").data)
    jobs = [d for d in idx.manifests for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda d: multi.blob(d), jobs))
    assert all(
        "sha256:" + hashlib.sha256(data).hexdigest() == d.digest
        for d, data in zip(jobs, results, strict=True)
    )
