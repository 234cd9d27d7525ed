"""Property-based fuzz targets: hostile inputs to every parser give only ocitrace's own errors.

Budget: ``OCITRACE_FUZZ_EXAMPLES`` examples per target (default 200, which ``make test``
runs in a few seconds); ``make fuzz`` raises it.  Any exception that is not an
``OcitraceError`` (or a template ``TemplateError``) is a bug: hypothesis shrinks it and
prints the input.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocitrace.attest.envelope import decode_layer
from ocitrace.attest.intoto import parse_statement
from ocitrace.attest.provenance import parse_provenance
from ocitrace.attest.sbom import parse_sbom, parse_sbom_bytes
from ocitrace.attest.types import SLSA_PROVENANCE_V01, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1
from ocitrace.errors import OcitraceError
from ocitrace.oci.model import Index, Manifest, parse_manifest_or_index
from ocitrace.reference import parse_reference
from ocitrace.template import render
from ocitrace.template.errors import TemplateError
from ocitrace.textsafe import escape

FUZZ = settings(
    max_examples=int(os.environ.get("OCITRACE_FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

_KEYS = st.sampled_from(
    [
        "schemaVersion", "mediaType", "manifests", "layers", "blobs", "config", "digest",
        "size", "annotations", "platform", "os", "architecture", "subject", "urls", "data",
        "_type", "predicateType", "predicate", "payload", "payloadType", "signatures",
        "dsseEnvelope", "messageSignature", "verificationMaterial", "tlogEntries", "critical",
        "identity", "image", "spdxVersion", "packages", "bomFormat", "components", "name",
        "buildDefinition", "runDetails", "invocation", "materials", "builder",
    ]
)  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["sha256:" + "a" * 64, "\udcff", "\x1b]0;x\x07", "NaN"])
)
JSON = st.recursive(
    _SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=8), kids, max_size=6),
    max_leaves=25,
)  # fmt: skip


def _dump(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


RAW = st.one_of(
    JSON.map(_dump),
    st.binary(max_size=200),
    st.sampled_from([b"NaN", b"1e999", b"[" * 3000, b'{"a":' * 3000, b"9" * 5000, b'"\\udcff"']),
)
MEDIA_TYPES = st.sampled_from(
    [
        "",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.in-toto+json",
        "application/vnd.dsse.envelope.v1+json",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.cosign.simplesigning.v1+json",
        "application/octet-stream",
    ]
)


@FUZZ
@given(st.text(max_size=80) | st.from_regex(r"[a-z0-9.:/@_-]{1,60}", fullmatch=True))
def test_reference_parser(text: str) -> None:
    try:
        parse_reference(text)
    except OcitraceError:
        pass


@FUZZ
@given(RAW, MEDIA_TYPES)
def test_manifest_and_index_parsing(raw: bytes, media_type: str) -> None:
    for parse in (Index.parse, Manifest.parse, lambda r: parse_manifest_or_index(r, media_type)):
        try:
            parse(raw)
        except OcitraceError:
            pass


@FUZZ
@given(RAW, MEDIA_TYPES, st.dictionaries(st.text(max_size=40), st.text(max_size=40)))
def test_attestation_layer_decoders(raw: bytes, media_type: str, ann: dict[str, str]) -> None:
    try:
        decode_layer(raw, media_type, ann)
    except OcitraceError:
        pass
    try:
        parse_statement(raw)
    except OcitraceError:
        pass
    try:
        parse_sbom_bytes(raw)
    except OcitraceError:
        pass


@FUZZ
@given(JSON, st.sampled_from([SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V01]))
def test_provenance_and_sbom_predicates(predicate: Any, predicate_type: str) -> None:
    try:
        parse_provenance(predicate, predicate_type)
    except OcitraceError:
        pass
    try:
        parse_sbom(predicate)
    except OcitraceError:
        pass


_TEMPLATE_PARTS = st.sampled_from(
    [
        "{{", "}}", "{{-", "-}}", "(", ")", "|", ".", ".Name", "$x", ":=", "=", " ", "\"s\"",
        "`raw`", "1", "1.5e3", "0x1F", "'a'", "if", "else", "end", "range", "with", "define",
        "template", "block", "printf", "index", "len", "json", "and", "or", "not", "eq",
        "break", "continue", "nil", "true", "/*", "*/", "\n", "\\", "\udcff",
    ]
)  # fmt: skip


@FUZZ
@given(st.lists(_TEMPLATE_PARTS, max_size=30).map("".join) | st.text(max_size=60), JSON)
def test_template_engine(text: str, data: Any) -> None:
    try:
        out = render(text, data)
    except TemplateError:
        return
    assert isinstance(out, str)


@FUZZ
@given(st.text())
def test_escape_leaves_no_controls(text: str) -> None:
    out = escape(text)
    assert all(ch in "\n\t" or (ch >= " " and not 0x7F <= ord(ch) <= 0x9F) for ch in out)
    out.encode("utf-8")
