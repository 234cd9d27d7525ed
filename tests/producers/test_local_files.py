"""Local attestation files (--bundle FILE): Sigstore bundles, DSSE envelopes and the JSON
lines ``gh attestation download`` writes, checked against the digest of the reference.
Expected values read from the files (see test_realworld_stores for the decoded fields)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocitrace.discover import INDEX_LEVEL, Envelope, Kind, Store
from ocitrace.discover.local import local_discovery, read_attestation_file, read_attestation_path
from ocitrace.discover.model import Attestation, Discovery, PlatformImage
from ocitrace.discover.select import provenances, sboms
from ocitrace.errors import FormatError, NotFound
from ocitrace.oci.model import Descriptor

from .support import REALWORLD

GH_SUBJECT = "sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b"
GENERIC_SUBJECT = "sha256:d1faeb68e9bf4b3790bb08cc39fd2afb68ee37371c8b9f705e2e68f449b56240"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def test_gh_attestation_download_jsonl_matches_its_subject() -> None:
    items = read_attestation_path(REALWORLD / "cli-gh-provenance-demo-bundle.jsonl")
    assert len(items) == 1
    (a,) = items
    assert (a.store, a.kind, a.envelope, a.signatures) == (
        Store.FILE,
        Kind.ATTESTATION,
        Envelope.BUNDLE,
        1,
    )
    assert a.found_via.endswith("cli-gh-provenance-demo-bundle.jsonl")  # one line: one document
    top = Descriptor(MANIFEST, GH_SUBJECT, 100)
    d = local_discovery(items, top)
    assert d.findings == ()
    assert d.attestations[0].attached_to == GH_SUBJECT
    (found,) = provenances(d)
    assert found.record.source_repository == "https://github.com/actions/attest-demo"


def test_dsse_envelope_for_another_digest_is_a_subject_mismatch() -> None:
    items = read_attestation_path(REALWORLD / "slsa-verifier-gha-generic-v1.2.0.intoto.jsonl")
    assert [(a.envelope, a.predicate_type, a.subjects) for a in items] == [
        (Envelope.DSSE, "https://slsa.dev/provenance/v0.2", (GENERIC_SUBJECT,))
    ]
    other = "sha256:" + "0" * 64
    d = local_discovery(items, Descriptor(MANIFEST, other, 1))
    assert [f.code for f in d.findings] == ["subject-mismatch"]
    assert d.attestations[0].attached_to == other  # still listed, on the image asked for


def test_sha512_only_subject_cannot_name_the_image() -> None:
    items = read_attestation_path(
        REALWORLD / "sigstore-go-bundle-v0.1-dsse-sigstorejs-slsa1.sigstore.json"
    )
    (a,) = items
    assert a.subjects[0].startswith("sha512:46d4e2f7")
    d = local_discovery(items, Descriptor(MANIFEST, "sha256:" + "1" * 64, 1))
    (f,) = d.findings
    assert f.code == "subject-mismatch" and "no sha256 subject" in f.message


def test_statement_naming_a_platform_image_attaches_to_it() -> None:
    stmt = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "x", "digest": {"sha256": "2" * 64, "sha512": "3" * 128}}],
        "predicateType": "https://example.invalid/p",
        "predicate": {},
    }
    img = PlatformImage(
        "sha256:" + "2" * 64, "linux/amd64", Descriptor(MANIFEST, "sha256:" + "2" * 64, 1)
    )
    top = Descriptor("application/vnd.oci.image.index.v1+json", "sha256:" + "4" * 64, 1)
    items = read_attestation_file(json.dumps(stmt).encode(), name="s.json")
    assert items[0].subjects == ("sha256:" + "2" * 64, "sha512:" + "3" * 128)
    d = local_discovery(items, top, [img])
    assert d.findings == () and d.attestations[0].platform == "linux/amd64"


def test_github_api_answer_and_bad_input(tmp_path: Path) -> None:
    bundle = json.loads((REALWORLD / "cli-gh-provenance-demo-bundle.jsonl").read_text())
    api = {"attestations": [{"bundle": bundle, "repository_id": 1}]}
    (a,) = read_attestation_file(json.dumps(api).encode(), name="api.json")
    assert a.subjects == (GH_SUBJECT,) and a.found_via == "api.json attestation 1"
    with pytest.raises(FormatError):
        read_attestation_file(b"", name="empty")
    with pytest.raises(FormatError):
        read_attestation_path(REALWORLD / "syft-spdx-image-golden.json")  # an SBOM, no attestation
    with pytest.raises(NotFound):
        read_attestation_path(tmp_path / "missing.jsonl")


def test_unknown_sbom_format_is_named_not_dropped() -> None:
    layer = Descriptor("text/spdx", "sha256:" + "5" * 64, 22)
    item = Attestation(
        Store.COSIGN_TAG,
        Kind.SBOM,
        "sha256:" + "6" * 64,
        "sha256:" + "7" * 64,
        INDEX_LEVEL,
        layer,
        "text/spdx",
        data=b"SPDXVersion: SPDX-2.3\n",
    )
    d = Discovery(Descriptor(MANIFEST, "sha256:" + "7" * 64, 1), (), (item,), (), ())
    (doc,) = sboms(d)
    assert doc.sbom.summary.format == "unknown: text/spdx"
    assert doc.format == "unknown" and not doc.primary and doc.sbom.packages == ()
