"""Discovery over the real BuildKit fixtures (OCI layouts), both manifest shapes."""

from __future__ import annotations

import pytest

from ocitrace.discover import INDEX_LEVEL, Envelope, Kind, Store, discover
from ocitrace.errors import NotFound
from ocitrace.layout import LayoutSource
from ocitrace.oci.platform import parse_platform

from .builders import FIXTURES

SPDX = "https://spdx.dev/Document"
SLSA1 = "https://slsa.dev/provenance/v1"
SLSA02 = "https://slsa.dev/provenance/v0.2"


def run(name: str, **kw: object):  # type: ignore[no-untyped-def]
    src = LayoutSource(FIXTURES / name)
    return discover(src, src.manifest("v1"), **kw)  # type: ignore[arg-type]


def test_artifact_shape_multi_platform() -> None:
    d = run("multi-prov-max")
    assert [i.platform for i in d.images] == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    assert len(d.attestations) == 3
    for img, a in zip(d.images, d.attestations, strict=True):
        assert a.store is Store.BUILDKIT
        assert a.also_in == (Store.REFERRERS,)  # artifact shape has subject: the scan finds it too
        assert a.shape == "artifact"
        assert a.platform == img.platform and a.attached_to == img.digest
        assert a.predicate_type == SLSA1
        assert a.subjects == (img.digest,)
        assert a.envelope is Envelope.PLAIN and not a.signed
        assert a.statement_bytes == a.data
    assert d.findings == ()


def test_classic_shape_is_not_found_by_subject_scan() -> None:
    d = run("classic-slsa02-min")
    assert {a.shape for a in d.attestations} == {"classic"}
    assert all(a.also_in == () for a in d.attestations)
    assert [a.predicate_type for a in d.attestations] == [SLSA02] * 3
    assert [f.code for f in d.findings] == ["classic-shape"]


def test_sbom_extras_layers_in_order() -> None:
    d = run("sbom-extras-classic")
    assert [a.predicate_type for a in d.attestations] == [SPDX, SPDX, SPDX, SLSA02]
    assert len({a.manifest_digest for a in d.attestations}) == 1
    names = [a.statement.predicate["name"] for a in d.attestations[:3]]
    assert names == ["sbom", "sbom-context", "sbom-osbase"]
    assert {f.code for f in d.findings} == {"classic-shape", "single-platform-index"}


def test_statement_v01_legacy() -> None:
    d = run("legacy-multi-slsa1-max")
    assert [a.predicate_type for a in d.attestations] == [SLSA1] * 3
    assert {a.statement.type for a in d.attestations} == {"https://in-toto.io/Statement/v0.1"}


def test_single_manifest_has_nothing_and_lists_checks() -> None:
    d = run("single-plain")
    assert not d.is_index
    assert [i.platform for i in d.images] == ["linux/arm64"]  # from the config blob
    assert d.attestations == ()
    places = [c.place for c in d.checked]
    assert places == [
        "buildkit index entries",
        "layout scan",
        "cosign .att",
        "cosign .sig",
        "cosign .sbom",
    ]
    assert [c.answer for c in d.checked if c.place.startswith("cosign")] == ["not found"] * 3


def test_platform_filter() -> None:
    d = run("sbom-prov-multi", platforms=[parse_platform("linux/arm64")])
    assert [i.platform for i in d.images] == ["linux/arm64"]
    assert {a.platform for a in d.attestations} == {"linux/arm64"}
    assert [a.predicate_type for a in d.attestations] == [SPDX, SLSA1]
    with pytest.raises(NotFound, match="s390x"):
        run("sbom-prov-multi", platforms=[parse_platform("linux/s390x")])


def test_no_blob_fetch_uses_annotations() -> None:
    d = run("run-secrets-ssh-max", fetch_blobs=False)
    assert [a.predicate_type for a in d.attestations] == [SLSA1, SLSA1]
    assert all(a.data is None and a.subjects == () for a in d.attestations)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_fixture(name: str) -> None:
    d = run(name)
    kinds = {a.kind for a in d.attestations}
    assert kinds <= {Kind.ATTESTATION}
    assert all(not a.error for a in d.attestations)
    assert INDEX_LEVEL not in {a.platform for a in d.attestations}
    assert not [f for f in d.findings if f.code == "subject-mismatch"]
    plain = name.startswith(("multi-plain", "single-plain", "multi-docker", "single-docker"))
    assert (d.attestations == ()) == plain
