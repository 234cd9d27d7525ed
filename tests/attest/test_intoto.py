"""in-toto Statement decoding on every real BuildKit attestation layer."""

from __future__ import annotations

import json

import pytest

from ocitrace.attest import PredicateKind, Wrapping, decode_layer, parse_statement
from ocitrace.attest.types import STATEMENT_V01, STATEMENT_V1
from ocitrace.errors import FormatError

from .layers import Layer, all_layers, first_layer

LAYERS = all_layers()
LEGACY = {
    "legacy-multi-prov-max",
    "legacy-multi-prov-min",
    "legacy-multi-slsa1-max",
    "legacy-sbom-prov-min",
}


def test_fixtures_have_attestation_layers() -> None:
    # 17 fixtures carry attestations; 46 in-toto layers in all (counted from the layouts)
    assert len({x.fixture for x in LAYERS}) == 17
    assert len(LAYERS) == 46
    assert {x.media_type for x in LAYERS} == {"application/vnd.in-toto+json"}


@pytest.mark.parametrize("layer", LAYERS, ids=lambda x: f"{x.fixture}:{x.image_digest[7:19]}")
def test_every_layer_decodes(layer: Layer) -> None:
    env = decode_layer(layer.data, layer.media_type, layer.annotations)
    assert env.wrapping is Wrapping.PLAIN
    assert not env.signed and not env.verified
    st = env.statement
    assert st is not None
    assert st.raw is layer.data
    # the layer annotation repeats the statement's predicateType (FORMATS.md §2.3)
    assert st.predicate_type == layer.predicate_type
    # Statement v0.1 from BuildKit v0.26.3, v1 from v0.32.2, whatever the predicate
    if layer.fixture in LEGACY:
        assert (st.type, st.version) == (STATEMENT_V01, "v0.1")
    else:
        assert (st.type, st.version) == (STATEMENT_V1, "v1")
    # exactly one subject: the image purl and the digest of the image it describes
    (subject,) = st.subjects
    assert subject.sha256 == layer.image_digest
    assert st.subject_digests == (layer.image_digest,)
    assert subject.name.startswith(
        f"pkg:docker/127.0.0.1%3A5200/ocitrace/{layer.fixture}@v1?platform=linux%2F"
    )
    assert st.kind in (
        PredicateKind.SPDX,
        PredicateKind.SLSA_PROVENANCE_V1,
        PredicateKind.SLSA_PROVENANCE_V02,
    )
    assert isinstance(st.predicate, dict)


def test_subject_of_multi_prov_max_amd64() -> None:
    layer = first_layer("multi-prov-max", "https://slsa.dev/provenance/")
    st = parse_statement(layer.data)
    (subject,) = st.subjects
    assert (
        subject.name
        == "pkg:docker/127.0.0.1%3A5200/ocitrace/multi-prov-max@v1?platform=linux%2Famd64"
    )
    assert subject.digest == {
        "sha256": "379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"
    }
    assert subject.to_json() == json.loads(layer.data)["subject"][0]
    assert st.kind is PredicateKind.SLSA_PROVENANCE_V1


def test_slsa1_inside_statement_v01() -> None:
    st = parse_statement(first_layer("legacy-multi-slsa1-max", "https://slsa.dev/").data)
    assert st.version == "v0.1"
    assert st.kind is PredicateKind.SLSA_PROVENANCE_V1


def test_bad_json_is_format_error() -> None:
    with pytest.raises(FormatError, match="not valid JSON"):
        parse_statement(b'{"_type": ')


def test_not_a_statement() -> None:
    with pytest.raises(FormatError, match="no _type/predicateType"):
        parse_statement(b'{"schemaVersion": 2}')
    with pytest.raises(FormatError, match="not a JSON object"):
        parse_statement(b"[1, 2]")
    with pytest.raises(FormatError, match="subject is not a list"):
        parse_statement(b'{"_type": "x", "predicateType": "y", "subject": {}}')


def test_unknown_statement_type_is_kept() -> None:
    st = parse_statement(
        b'{"_type": "https://example.invalid/S", "predicateType": "urn:x", "predicate": {}}'
    )
    assert (st.version, st.subjects, st.kind) == ("", (), PredicateKind.UNKNOWN)
