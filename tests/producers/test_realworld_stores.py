"""Every real-world artefact (fixtures/realworld, SOURCES.md) and the SBOM spec examples
(fixtures/spec-examples/README.md), attached to one image in the registry shapes their
producers use — Sigstore bundles and SBOM artifacts as referrers (fallback index on
distribution 2.8), DSSE envelopes in a cosign ``.att`` manifest, syft's SPDX as a cosign
``.sbom`` attachment — read on a real registry and on an OCI layout.

Every expected value below was read from the documents themselves (decoded by hand with
base64/json, not by ocitrace): predicate types, subjects, builders, sources, invocation
ids, times and package sets.  None of these documents names the base image, so every
statement also gets a ``subject-mismatch`` finding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace import Client
from ocitrace.discover import Envelope, Kind, Store
from ocitrace.discover.select import provenances, sboms
from tests.support.registry import RunningRegistry

from .support import (
    BASE_DIGEST,
    REFERRER_SBOMS,
    layer_bytes,
    push_realworld,
    write_realworld_layout,
)

SLSA1 = "https://slsa.dev/provenance/v1"
SLSA02 = "https://slsa.dev/provenance/v0.2"
NPM = "sigstore-go-bundle-v0.1-dsse-sigstorejs-slsa1.sigstore.json"
COSIGN_OCI = "cosign-oci-attestation-v0.3.sigstore.json"
GH = "cli-gh-provenance-demo-bundle.jsonl"
PY01 = "sigstore-python-bundle-v0.1-msg.sigstore.json"
PY03 = "sigstore-python-bundle-v0.3-msg.sigstore.json"
VULN = "cosign-vuln-envelope.dsse.json"
GENERIC = "slsa-verifier-gha-generic-v1.2.0.intoto.jsonl"
SYFT = "syft-spdx-image-golden.json"

# (store, kind, envelope, signatures, predicate type, subjects) per file
EXPECTED = {
    NPM: (
        Store.BUNDLE,
        Kind.ATTESTATION,
        Envelope.BUNDLE,
        1,
        SLSA1,
        (
            "sha512:46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1"
            "e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c",
        ),
    ),
    COSIGN_OCI: (
        Store.BUNDLE,
        Kind.ATTESTATION,
        Envelope.BUNDLE,
        1,
        "https://cosign.sigstore.dev/attestation/v1",
        ("sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4",),
    ),
    GH: (
        Store.BUNDLE,
        Kind.ATTESTATION,
        Envelope.BUNDLE,
        1,
        SLSA1,
        ("sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b",),
    ),
    PY01: (
        Store.BUNDLE,
        Kind.SIGNATURE,
        Envelope.BUNDLE,
        1,
        "",
        ("sha256:802dd60ff88333802f2585e73043bd21c341285e1992fe5b31755e1cadeae30e",),
    ),
    PY03: (
        Store.BUNDLE,
        Kind.SIGNATURE,
        Envelope.BUNDLE,
        1,
        "",
        ("sha256:5e6ae9de58c1177bea615b4fcbfb2fd688e8c4b51c2e56b6a38e817833ec24a2",),
    ),
    VULN: (
        Store.COSIGN_TAG,
        Kind.ATTESTATION,
        Envelope.DSSE,
        1,
        "https://cosign.sigstore.dev/attestation/vuln/v1",
        ("sha256:3c19aa980a9c5709a2c96c2d0779febf6e5e453b92b172ce84cb85fdaf695373",),
    ),
    GENERIC: (
        Store.COSIGN_TAG,
        Kind.ATTESTATION,
        Envelope.DSSE,
        1,
        SLSA02,
        ("sha256:d1faeb68e9bf4b3790bb08cc39fd2afb68ee37371c8b9f705e2e68f449b56240",),
    ),
    SYFT: (Store.COSIGN_TAG, Kind.SBOM, Envelope.NONE, 0, "", ()),
}


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def oc() -> Iterator[Client]:
    with Client(concurrency=4) as client:
        yield client


@pytest.fixture(scope="module")
def on_registry(registry: RunningRegistry) -> str:
    return push_realworld(registry, "producers/realworld")


@pytest.fixture(scope="module")
def on_layout(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_realworld_layout(tmp_path_factory.mktemp("realworld"))


@pytest.fixture(params=["registry", "layout"])
def where(request: pytest.FixtureRequest) -> tuple[str, str]:
    name: str = request.param
    ref: str = request.getfixturevalue(f"on_{name}")
    return name, ref


def test_every_item_with_store_predicate_subjects(oc: Client, where: tuple[str, str]) -> None:
    name, ref = where
    d = oc.attestations(ref)
    assert d.top.digest == BASE_DIGEST and not d.is_index
    by_layer = {a.layer.digest: a for a in d.attestations}
    for fname, (store, kind, envelope, sigs, ptype, subjects) in EXPECTED.items():
        a = by_layer[digest_of(layer_bytes(fname))]
        assert (a.store, a.kind, a.envelope, a.signatures) == (store, kind, envelope, sigs), fname
        assert (a.predicate_type, a.subjects) == (ptype, subjects), fname
        assert a.attached_to == BASE_DIGEST and a.platform == "linux/arm64" and not a.error
    referrer_store = Store.REFERRERS_TAG if name == "registry" else Store.REFERRERS
    for path, media_type in REFERRER_SBOMS:
        a = by_layer[digest_of(path.read_bytes())]
        assert (a.store, a.kind, a.media_type) == (referrer_store, Kind.SBOM, media_type)
    assert len(d.attestations) == len(EXPECTED) + len(REFERRER_SBOMS)
    # none of the statements names this image: one subject-mismatch each, npm's by sha512 only
    mismatches = [f for f in d.findings if f.code == "subject-mismatch"]
    assert len(mismatches) == 5
    (npm,) = [f for f in mismatches if "sha512:46d4e2f7" in f.message]
    assert "no sha256 subject" in npm.message


def test_provenance_records(oc: Client, where: tuple[str, str]) -> None:
    _, ref = where
    recs = {f.attestation.layer.digest: f.record for f in provenances(oc.attestations(ref))}
    assert len(recs) == 3
    npm = recs[digest_of(layer_bytes(NPM))]
    assert npm.builder_id == "https://github.com/actions/runner/github-hosted"
    assert (npm.source_repository, npm.source_revision) == (
        "https://github.com/sigstore/sigstore-js",
        "f0b49a04e5a62250e0f60fb128004a73110fe311",
    )
    assert npm.invocation_id == (
        "https://github.com/sigstore/sigstore-js/actions/runs/5904696764/attempts/1"
    )
    gh = recs[digest_of(layer_bytes(GH))]
    assert (gh.source_repository, gh.source_revision, gh.source_from) == (
        "https://github.com/actions/attest-demo",
        "a6c23b9806c593664f68637c8f9d45dfcf98b2db",
        "workflow",
    )
    assert gh.invocation_id == (
        "https://github.com/actions/attest-demo/actions/runs/8788389601/attempts/1"
    )
    gen = recs[digest_of(layer_bytes(GENERIC))]
    assert gen.builder_id == (
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
        "generator_generic_slsa3.yml@refs/tags/v1.2.0"
    )
    assert (gen.source_repository, gen.source_revision, gen.source_ref) == (
        "https://github.com/slsa-framework/example-package",
        "dcd26fed2ccf37087005539ad8e8ce4db23b501d",
        "refs/tags/v14",
    )
    assert gen.invocation_id == "2700464409-1"
    for rec in recs.values():  # none of the three documents states start/finish times
        assert (rec.started, rec.finished) == (None, None)


def test_sbom_package_sets(oc: Client, where: tuple[str, str]) -> None:
    _, ref = where
    docs = {doc.attestation.layer.digest: doc for doc in sboms(oc.attestations(ref))}
    assert len(docs) == 4

    def table(name: str | Path) -> tuple[str, list[tuple[str, str, str]], tuple[str, ...]]:
        data = layer_bytes(name) if isinstance(name, str) else name.read_bytes()
        s = docs[digest_of(data)].sbom
        return s.summary.format, [(p.name, p.version, p.purl) for p in s.packages], s.roots

    assert table(SYFT) == (
        "spdx-2.3",
        [
            ("package-1", "1.0.1", "a-purl-1"),
            ("package-2", "2.0.1", "pkg:deb/debian/package-2@2.0.1"),
        ],
        ("user-image-input",),
    )
    cdx16, cdx17, spdx3 = (p for p, _ in REFERRER_SBOMS)
    libs = [("acme-library-a", "1.0.0", ""), ("acme-library-b", "2.0.0", "")]
    assert table(cdx16) == ("cyclonedx-1.6", libs, ())
    assert table(cdx17) == ("cyclonedx-1.7", libs, ())
    assert table(spdx3) == (
        "spdx-3.0.1",
        [
            ("hyper", "0.14", "pkg:cargo/hyper@0.14"),
            ("tokio", "1.19.2", "pkg:cargo/tokio@1.19.2"),
            ("pretty_env_logger", "0.4.0", "pkg:cargo/pretty_env_logger@0.4.0"),
        ],
        ("hello-server", "hello-server-src"),
    )
    s3 = docs[digest_of(spdx3.read_bytes())].sbom
    assert s3.summary.document_name == "SBOM-SPDX-2d85f548-12fa-46d5-87ce-5e78e5e111f4"
    assert s3.summary.created == "2022-11-03T07:10:10Z"
    assert s3.summary.tools == ("sigs.k8s.io/bom/pkg/spdx",)
    assert [p.license for p in s3.packages] == ["MIT", "MIT", "(MIT OR Apache-2.0)"]
