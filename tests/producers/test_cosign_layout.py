"""``cosign save`` layouts read as the cosign store of their image, the same as the
registry ``cosign load`` fills (fixture: slsa-github-generator container builder v1.10.0's
signed image, saved by cosign; expected values read from its index.json and blobs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ocitrace import Client
from ocitrace.discover import INDEX_LEVEL, Envelope, Kind, Store
from ocitrace.layout import LayoutSource
from tests.support.registry import RunningRegistry

from .support import COSIGN_LAYOUT, cosign_load

IMAGE_INDEX = "sha256:e0a0a765d690a5104331cfbac88ebbbf01736c1f87aaa3cd455c516a5ea586a5"
IMAGE_AMD64 = "sha256:ae01bed04d3f41efa80182824a50345cd1430f4d1a9308eda4369122bd94c85e"
ATTS_MANIFEST = "sha256:31cc4fb663c8d34e2e6a0bd5f183d576c2811ee286e0998b4c2965e3b35a0d86"
ATT_LAYER = "sha256:20b16d5835eceaa7b9dbb7e4fdf4db52a8b9159c1416dd73e54cade07e838917"
BUILDKIT_MANIFEST = "sha256:b276155e3c74e740a8bff1dd562f028dc0107551c97776c44246cb2dce55092c"
BUILDKIT_LAYER = "sha256:c1944d4717b644d2c7e1eccab4cc6e963cefbe288d75b7f7c3dfee4f4a894406"
SLSA02 = "https://slsa.dev/provenance/v0.2"
ATT_TAG = "sha256-e0a0a765d690a5104331cfbac88ebbbf01736c1f87aaa3cd455c516a5ea586a5.att"


@pytest.fixture(scope="module")
def oc() -> Iterator[Client]:
    with Client(concurrency=4) as client:
        yield client


@pytest.fixture(scope="module")
def pushed(registry: RunningRegistry) -> str:
    digest = cosign_load(registry, COSIGN_LAYOUT, "producers/cosign-save", "v1")
    assert digest == IMAGE_INDEX
    return f"{registry.host}/producers/cosign-save:v1"


@pytest.fixture(params=["layout", "registry"])
def ref(request: pytest.FixtureRequest) -> str:
    if request.param == "layout":
        return f"oci-layout://{COSIGN_LAYOUT}"  # no tag: the layout has none, the image is meant
    value: str = request.getfixturevalue("pushed")
    return value


def test_layout_source_maps_kind_entries_to_cosign_tags() -> None:
    src = LayoutSource(COSIGN_LAYOUT)
    assert list(src.tags()) == [ATT_TAG]
    assert src.resolve("latest").digest == IMAGE_INDEX  # untagged cosign layout: its image
    att = src.manifest(ATT_TAG)
    assert att.descriptor.digest == ATTS_MANIFEST
    assert att.descriptor.annotations == {"kind": "dev.cosignproject.cosign/atts"}
    assert set(src.cosign_store()) == {ATT_TAG}
    # no .sig / .sbom entry in this layout: those tags do not exist
    for missing in (ATT_TAG[:-4] + ".sig", ATT_TAG[:-4] + ".sbom"):
        with pytest.raises(Exception) as info:
            src.resolve(missing)
        assert type(info.value).__name__ == "NotFound"


def test_same_items_on_layout_and_registry(oc: Client, ref: str) -> None:
    d = oc.attestations(ref)
    assert d.top.digest == IMAGE_INDEX and d.is_index
    assert [(i.platform, i.digest) for i in d.images] == [("linux/amd64", IMAGE_AMD64)]
    by_manifest = {a.manifest_digest: a for a in d.attestations}
    assert set(by_manifest) == {ATTS_MANIFEST, BUILDKIT_MANIFEST}

    att = by_manifest[ATTS_MANIFEST]
    assert (att.store, att.kind, att.platform) == (Store.COSIGN_TAG, Kind.ATTESTATION, INDEX_LEVEL)
    assert (att.layer.digest, att.size) == (ATT_LAYER, 13952)
    assert att.predicate_type == SLSA02
    assert att.envelope is Envelope.DSSE and att.signatures == 1
    assert att.subjects == (IMAGE_INDEX,)
    assert att.attached_to == IMAGE_INDEX
    if ref.startswith("oci-layout://"):
        assert att.found_via == "cosign save layout entry (kind dev.cosignproject.cosign/atts)"
    else:
        assert att.found_via == f"cosign tag {ATT_TAG}"

    bk = by_manifest[BUILDKIT_MANIFEST]
    assert (bk.store, bk.platform, bk.shape) == (Store.BUILDKIT, "linux/amd64", "classic")
    assert (bk.layer.digest, bk.size, bk.predicate_type) == (BUILDKIT_LAYER, 1886, SLSA02)
    assert bk.envelope is Envelope.PLAIN and bk.signatures == 0
    assert bk.subjects == (IMAGE_AMD64,)  # two subjects (two tags), one digest


def test_provenance_on_layout_and_registry(oc: Client, ref: str) -> None:
    recs = oc.provenance(ref)
    assert set(recs) == {INDEX_LEVEL, "linux/amd64"}
    gen = recs[INDEX_LEVEL]  # the slsa-github-generator provenance cosign attached
    assert gen.builder_id == (
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
        "generator_container_slsa3.yml@refs/tags/v1.10.0"
    )
    assert gen.build_type == "https://github.com/slsa-framework/slsa-github-generator/container@v1"
    assert gen.invocation_id == "8373487125-1"
    assert gen.source_repository == "https://github.com/slsa-framework/example-package"
    assert gen.source_revision == "d37a7f740ee7404914456f24dcd90e865a0509e8"
    assert gen.source_ref == "refs/tags/v13.0.30"
    assert gen.config_source.path == (
        ".github/workflows/verifier-e2e.all.workflow_dispatch.main.all.slsa3.yml"
    )
    assert (gen.started, gen.finished) == (None, None)  # the document states no times

    bk = recs["linux/amd64"]  # BuildKit's own, in the image index
    assert bk.builder_id == "" and bk.build_type == "https://mobyproject.org/buildkit@v1"
    assert bk.invocation_id == "ommxtc3qv65c8aogpjlg4dcxl"
    assert bk.started is not None and bk.started.isoformat() == "2024-03-21T10:32:59.326230397Z"
    assert bk.finished is not None and bk.finished.isoformat() == "2024-03-21T10:33:18.64977976Z"
    assert bk.source_repository == "https://github.com/slsa-framework/example-package.git"
    assert bk.source_revision == "d37a7f740ee7404914456f24dcd90e865a0509e8"
    assert bk.source_from == "config-source"
