"""Predicate-type classification (URIs from FORMATS.md §4, §5, §8.2)."""

from __future__ import annotations

import pytest

from ocitrace.attest import PredicateKind, classify_predicate, is_provenance_type, predicate_label

from .layers import all_layers


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("https://slsa.dev/provenance/v1", PredicateKind.SLSA_PROVENANCE_V1),
        ("https://slsa.dev/provenance/v0.2", PredicateKind.SLSA_PROVENANCE_V02),
        ("https://slsa.dev/provenance/v0.1", PredicateKind.SLSA_PROVENANCE_V01),
        ("https://slsa.dev/verification_summary/v1", PredicateKind.VSA),
        ("https://spdx.dev/Document", PredicateKind.SPDX),
        ("https://spdx.dev/Document/v2.3", PredicateKind.SPDX),
        ("https://cyclonedx.org/bom", PredicateKind.CYCLONEDX),
        ("https://cyclonedx.org/bom/v1.6", PredicateKind.CYCLONEDX),
        ("https://cosign.sigstore.dev/attestation/vuln/v1", PredicateKind.COSIGN_VULN),
        ("https://cosign.sigstore.dev/attestation/v1", PredicateKind.COSIGN_CUSTOM),
        ("https://openvex.dev/ns", PredicateKind.OPENVEX),
        ("https://openvex.dev/ns/v0.2.0", PredicateKind.OPENVEX),
        ("https://in-toto.io/Link/v1", PredicateKind.INTOTO_LINK),
        ("https://example.invalid/my-predicate/v3", PredicateKind.UNKNOWN),
        ("https://spdx.dev/DocumentX", PredicateKind.UNKNOWN),
        ("https://slsa.dev/provenance/v2", PredicateKind.UNKNOWN),
    ],
)
def test_classify(uri: str, kind: PredicateKind) -> None:
    assert classify_predicate(uri) is kind


def test_labels_and_flags() -> None:
    assert PredicateKind.SLSA_PROVENANCE_V02.label == "SLSA provenance v0.2"
    assert predicate_label("https://spdx.dev/Document/v2.3") == "SPDX SBOM"
    # unknown types are shown by name
    assert predicate_label("https://example.invalid/x") == "https://example.invalid/x"
    assert PredicateKind.SLSA_PROVENANCE_V1.is_provenance and not PredicateKind.VSA.is_provenance
    assert PredicateKind.CYCLONEDX.is_sbom and not PredicateKind.UNKNOWN.is_sbom
    # buildx's prefix rule accepts versions ocitrace does not know yet
    assert is_provenance_type("https://slsa.dev/provenance/v2")
    assert not is_provenance_type("https://spdx.dev/Document")


def test_fixture_annotations_classify() -> None:
    kinds = {classify_predicate(x.predicate_type) for x in all_layers()}
    assert kinds == {
        PredicateKind.SPDX,
        PredicateKind.SLSA_PROVENANCE_V1,
        PredicateKind.SLSA_PROVENANCE_V02,
    }
