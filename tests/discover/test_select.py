"""discover.select over the real BuildKit fixtures: the provenance/SBOM selection shared by
the ``provenance``/``sbom`` commands and ``ocitrace.api``."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ocitrace.discover import INDEX_LEVEL, Discovery, discover
from ocitrace.discover.select import (
    by_platform_order,
    predicate_bytes,
    provenances,
    sboms,
    unreadable_provenances,
    unreadable_sboms,
)
from ocitrace.errors import FormatError
from ocitrace.layout import LayoutSource

from .builders import FIXTURES


def run(name: str, max_blob_size: int | None = None) -> Discovery:
    src = LayoutSource(FIXTURES / name)
    if max_blob_size is None:
        return discover(src, src.manifest("v1"))
    return discover(src, src.manifest("v1"), max_blob_size=max_blob_size)


def test_buildkit_extra_sboms_are_labelled_by_spdx_name() -> None:
    """fixtures/buildkit/README.md: SPDX names ``sbom``, ``sbom-context``, ``sbom-osbase``."""
    docs = sboms(run("sbom-extras-classic"))
    assert [(d.name, d.role, d.primary) for d in docs] == [
        ("sbom", "image", True),
        ("sbom-context", "build context", False),
        ("sbom-osbase", "stage osbase", False),
    ]
    assert {d.format for d in docs} == {"spdx-json"}
    assert {d.attestation.platform for d in docs} == {"linux/amd64"}


def test_sbom_document_is_the_predicate_byte_for_byte() -> None:
    for doc in sboms(run("sbom-prov-multi")):
        statement = doc.attestation.statement_bytes
        assert statement is not None and doc.document in statement
        assert json.loads(doc.document) == json.loads(statement)["predicate"]
        assert doc.document == predicate_bytes(doc.attestation)


def test_provenance_and_sbom_per_platform_in_image_order() -> None:
    d = run("sbom-prov-multi")
    assert [(f.attestation.platform, f.record.predicate_type) for f in provenances(d)] == [
        ("linux/amd64", "https://slsa.dev/provenance/v1"),
        ("linux/arm64", "https://slsa.dev/provenance/v1"),
    ]
    assert [(s.attestation.platform, s.primary) for s in sboms(d)] == [
        ("linux/amd64", True),
        ("linux/arm64", True),
    ]
    assert provenances(run("sbom-extras-classic"))[0].record.predicate_type == (
        "https://slsa.dev/provenance/v0.2"
    )


def test_index_level_items_come_last() -> None:
    d = run("multi-prov-max")
    first, *rest = d.attestations
    moved = dataclasses.replace(first, platform=INDEX_LEVEL)
    shuffled = dataclasses.replace(d, attestations=(moved, *reversed(rest)))
    assert [a.platform for a in by_platform_order(shuffled)] == [
        "linux/arm64",
        "linux/arm/v7",
        INDEX_LEVEL,
    ]
    assert provenances(shuffled)[-1].attestation.platform == INDEX_LEVEL


def test_unreadable_items_are_reported_not_dropped() -> None:
    """Over the blob cap nothing decodes, but the items (typed by annotation) are listed."""
    d = run("sbom-prov-multi", max_blob_size=100)
    assert provenances(d) == [] and sboms(d) == []
    assert [a.platform for a in unreadable_provenances(d)] == ["linux/amd64", "linux/arm64"]
    bad = unreadable_sboms(d)
    assert [a.platform for a in bad] == ["linux/amd64", "linux/arm64"]
    assert all("exceeds the 100-byte cap" in a.error for a in bad)
    assert unreadable_sboms(run("sbom-prov-multi")) == []


def test_predicate_bytes_needs_a_statement() -> None:
    (bad, *_) = unreadable_provenances(run("multi-prov-max", max_blob_size=100))
    with pytest.raises(FormatError, match="not a decoded in-toto statement"):
        predicate_bytes(bad)
