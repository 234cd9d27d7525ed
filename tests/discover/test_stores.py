"""Discovery store by store over an in-memory source holding a real fixture plus spec-built artifacts."""

from __future__ import annotations

import json

import pytest

from ocitrace.discover import (
    ALL_LOOKUPS,
    INDEX_LEVEL,
    Envelope,
    Kind,
    Store,
    discover,
    lookups_for,
)
from ocitrace.layout import LayoutSource
from ocitrace.oci import mediatypes as mt
from ocitrace.oci.model import Descriptor, Index

from .builders import (
    DSSE,
    FIXTURES,
    MemorySource,
    bundle_referrer,
    cosign_att,
    cosign_sig,
    dsse,
    statement,
)

VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"
SLSA1 = "https://slsa.dev/provenance/v1"


def loaded(
    mode: str, fixture: str = "multi-plain"
) -> tuple[MemorySource, Descriptor, list[Descriptor]]:
    src = MemorySource(referrers_mode=mode)
    top = src.copy_layout(LayoutSource(FIXTURES / fixture))
    images = list(Index.parse(src.manifest(top.digest).data).manifests)
    return src, top, images


def test_nothing_found_lists_every_place() -> None:
    src, top, images = loaded("none")
    d = discover(src, src.manifest("v1"))
    assert d.attestations == ()
    per_digest = {x.digest for x in d.checked}
    assert per_digest == {top.digest} | {i.digest for i in images}
    notes = [str(c) for c in d.checked if c.digest == images[0].digest]
    tag = images[0].digest.replace(":", "-")
    assert notes == [
        "referrers API: 404",
        f"tag {tag}: not found",
        "cosign .att: not found",
        "cosign .sig: not found",
        "cosign .sbom: not found",
    ]


@pytest.mark.parametrize(
    ("mode", "store"), [("api", Store.REFERRERS), ("tag", Store.REFERRERS_TAG)]
)
def test_referrer_on_platform_manifest(mode: str, store: Store) -> None:
    src, _, images = loaded(mode)
    payload = statement(images[1].digest, VULN, {"scanner": {"uri": "x"}})
    layer = src.put_blob(json.dumps(dsse(payload)).encode(), DSSE, {"predicateType": VULN})
    art = src.attach(images[1], "application/vnd.test.vuln", [layer])
    d = discover(src, src.manifest("v1"))
    assert len(d.attestations) == 1
    a = d.attestations[0]
    assert (a.store, a.kind, a.platform, a.manifest_digest) == (
        store,
        Kind.ATTESTATION,
        "linux/arm64",
        art.digest,
    )
    assert a.predicate_type == VULN and a.subjects == (images[1].digest,)
    assert a.envelope is Envelope.DSSE and a.signatures == 1 and not a.verified
    assert a.statement_bytes == payload


def test_urlsafe_dsse_payload() -> None:
    src, _, images = loaded("api")
    payload = statement(images[0].digest, "https://example.com/odd?x=>>>", {"a": "~~~???>>>"})
    layer = src.put_blob(
        json.dumps(dsse(payload, urlsafe=True, sigs=2)).encode(),
        "application/vnd.in-toto.custom+dsse",
    )
    src.attach(images[0], "application/vnd.test", [layer])
    (a,) = discover(src, src.manifest("v1")).attestations
    assert a.statement_bytes == payload and a.signatures == 2
    assert a.predicate_type == "https://example.com/odd?x=>>>"


def test_cosign_tags_and_cosign_repository() -> None:
    src, top, images = loaded("none")
    other = MemorySource("mem/sigs", referrers_mode="none")
    cosign_att(other, top, VULN, {"scanner": {"uri": "trivy"}})
    cosign_sig(other, images[0], "mem/repo:v1")
    assert discover(src, src.manifest("v1")).attestations == ()
    d = discover(src, src.manifest("v1"), cosign_source=other)
    att, sig = d.attestations
    assert (att.store, att.kind, att.platform, att.predicate_type) == (
        Store.COSIGN_TAG,
        Kind.ATTESTATION,
        INDEX_LEVEL,
        VULN,
    )
    assert att.subjects == (top.digest,) and att.signed
    assert (sig.kind, sig.platform, sig.subjects, sig.signatures) == (
        Kind.SIGNATURE,
        "linux/amd64",
        (images[0].digest,),
        1,
    )
    assert d.findings == ()


def test_bundle_without_subject_only_in_fallback_index() -> None:
    """@sigstore/oci on Docker Hub strips subject: only the sha256-<hex> index links it."""
    src, top, _ = loaded("tag")
    b = bundle_referrer(src, top, SLSA1, {"buildDefinition": {}}, with_subject=False)
    d = discover(src, src.manifest("v1"))
    (a,) = d.attestations
    assert (a.store, a.manifest_digest, a.platform) == (Store.BUNDLE, b.digest, INDEX_LEVEL)
    assert a.envelope is Envelope.BUNDLE and a.predicate_type == SLSA1 and a.signatures == 1
    assert "referrers tag" in a.found_via


def test_artifact_type_in_index_is_not_trusted() -> None:
    """GHCR has listed cosign bundles as the empty type: classify by the manifest, say so."""
    src, top, _ = loaded("tag")
    bundle_referrer(src, top, SLSA1, {})
    tag = top.digest.replace(":", "-")
    idx = json.loads(src.manifests[src.tag_map[tag]][1])
    idx["manifests"][0]["artifactType"] = mt.OCI_EMPTY
    src.put_manifest(idx, tag=tag)
    d = discover(src, src.manifest("v1"))
    assert [a.store for a in d.attestations] == [Store.BUNDLE]
    assert [f.code for f in d.findings] == ["artifact-type-mismatch"]


def test_dedupe_buildkit_and_referrers() -> None:
    src, _, _ = loaded("api", "multi-prov-max")
    d = discover(src, src.manifest("v1"))
    assert [a.store for a in d.attestations] == [Store.BUILDKIT] * 3
    assert all(a.also_in == (Store.REFERRERS,) for a in d.attestations)


def test_subject_mismatch_partial_platforms_and_dangling() -> None:
    src, _, images = loaded("tag")
    wrong = statement(images[2].digest, SLSA1, {})  # says arm/v7 but hangs on amd64
    layer = src.put_blob(wrong, mt.IN_TOTO, {mt.PREDICATE_TYPE_ANNOTATION: SLSA1})
    src.attach(images[0], "application/vnd.test", [layer])
    tag = images[0].digest.replace(":", "-")
    idx = json.loads(src.manifests[src.tag_map[tag]][1])
    idx["manifests"].append(
        {"mediaType": mt.OCI_MANIFEST, "digest": "sha256:" + "0" * 64, "size": 10}
    )
    src.put_manifest(idx, tag=tag)
    d = discover(src, src.manifest("v1"))
    codes = [f.code for f in d.findings]
    assert codes == ["subject-mismatch", "platforms-partial", "dangling-referrer"]
    assert "linux/amd64 only; none on linux/arm64, linux/arm/v7" in d.findings[1].message
    assert [a.error.startswith("manifest missing") for a in d.attestations] == [False, True]


def test_lookups_switch_off_stores() -> None:
    src, _, _ = loaded("api", "multi-prov-max")
    d = discover(src, src.manifest("v1"), lookups=lookups_for(referrers=False, cosign=False))
    assert len(d.attestations) == 3 and all(a.also_in == () for a in d.attestations)
    assert not [c for c in src.calls if c.startswith("referrers")]


def test_lookups_for() -> None:
    assert lookups_for() == ALL_LOOKUPS
    assert lookups_for(referrers=False) == {"buildkit", "cosign"}
    assert lookups_for(cosign=False) == {"buildkit", "referrers"}
    assert lookups_for(referrers=False, cosign=False) == {"buildkit"}


def test_cosign_sbom_attachment_and_message_signature_bundle() -> None:
    """cosign's deprecated .sbom tag (raw SPDX layer) and a bundle holding a message signature."""
    from ocitrace.discover.select import sboms

    src, top, images = loaded("api")
    spdx = json.dumps(
        {
            "spdxVersion": "SPDX-2.3",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "cosign-attached",
            "packages": [{"name": "zlib", "SPDXID": "SPDXRef-zlib", "versionInfo": "1.3"}],
        },
        indent=1,
    ).encode()
    layer = src.put_blob(spdx, "text/spdx+json")
    cfg = src.put_blob(b"{}", mt.OCI_EMPTY)
    src.put_manifest(
        {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST, "config": cfg, "layers": [layer]},
        tag=images[0].digest.replace(":", "-") + ".sbom",
    )
    msg = json.dumps(
        {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {"publicKey": {"hint": "k"}},
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": "3q2+7w=="},
                "signature": "MEUCIQ==",
            },
        }
    ).encode()
    blayer = src.put_blob(msg, "application/vnd.dev.sigstore.bundle.v0.3+json")
    src.attach(top, "application/vnd.dev.sigstore.bundle.v0.3+json", [blayer])
    d = discover(src, src.manifest("v1"))
    sig, sbom = d.attestations
    assert (sig.store, sig.kind, sig.platform, sig.signatures) == (
        Store.BUNDLE,
        Kind.SIGNATURE,
        INDEX_LEVEL,
        1,
    )
    assert (sbom.store, sbom.kind, sbom.platform) == (Store.COSIGN_TAG, Kind.SBOM, "linux/amd64")
    (doc,) = sboms(d)
    assert doc.document == spdx and doc.name == "cosign-attached"
    assert [p.name for p in doc.sbom.packages] == ["zlib"]
