"""Discovery against real registries: Debian's distribution 2.8 (no referrers API, so the
``sha256-<hex>`` fallback tag), artifacts written by oras-py as an independent client, and
a purpose-built server that implements the OCI 1.1 referrers API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocitrace.discover import INDEX_LEVEL, Envelope, Kind, Store, discover
from ocitrace.layout import LayoutSource
from ocitrace.oci import mediatypes as mt
from ocitrace.oci.model import Descriptor, Index
from ocitrace.registry import RegistryClient
from ocitrace.transport import Transport, TransportOptions
from tests.support.fakeserver import Answer, FakeServer, Seen
from tests.support.registry import (
    RunningRegistry,
    fixture_dir,
    push_blob,
    push_layout,
    push_manifest,
)

from .builders import DSSE, FIXTURES, MemorySource, bundle_referrer, dsse, statement

VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"
SLSA1 = "https://slsa.dev/provenance/v1"
EMPTY_CONFIG = {"mediaType": mt.OCI_EMPTY, "digest": mt.EMPTY_DIGEST, "size": 2}


@pytest.fixture
def client() -> Iterator[RegistryClient]:
    c = RegistryClient(Transport(TransportOptions()))
    yield c
    c.transport.close()


def images_of(fixture: str) -> list[Descriptor]:
    src = LayoutSource(FIXTURES / fixture)
    return list(Index.parse(src.manifest("v1").data).manifests)


def push_artifact(
    reg: RunningRegistry,
    repo: str,
    subject: Descriptor,
    layer: bytes,
    layer_type: str,
    ann: dict[str, str],
) -> tuple[str, int]:
    """An artifact manifest with ``subject`` pushed by digest, as oras attach does."""
    push_blob(reg, repo, b"{}")
    d = push_blob(reg, repo, layer)
    man = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "artifactType": "application/vnd.test.scan",
        "config": EMPTY_CONFIG,
        "layers": [{"mediaType": layer_type, "digest": d, "size": len(layer), "annotations": ann}],
        "subject": {
            "mediaType": subject.media_type,
            "digest": subject.digest,
            "size": subject.size,
        },
    }
    raw = json.dumps(man).encode()
    digest = push_manifest(reg, repo, _digest(raw), raw, mt.OCI_MANIFEST)
    return digest, len(raw)


def push_fallback_index(
    reg: RunningRegistry, repo: str, subject: str, entries: list[dict[str, Any]]
) -> None:
    raw = json.dumps({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": entries}).encode()
    push_manifest(reg, repo, subject.replace(":", "-"), raw, mt.OCI_INDEX)


def _digest(raw: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(raw).hexdigest()


def test_fallback_tag_and_cosign_tag_on_distribution_2_8(
    registry: RunningRegistry, client: RegistryClient
) -> None:
    repo = "discover/fallback"
    top = push_layout(registry, fixture_dir("multi-plain"), repo, "v1")
    amd64, arm64, _ = images_of("multi-plain")
    payload = statement(arm64.digest, VULN, {"scanner": {"uri": "trivy"}})
    env = json.dumps(dsse(payload)).encode()
    art, size = push_artifact(registry, repo, arm64, env, DSSE, {"predicateType": VULN})
    push_fallback_index(
        registry,
        repo,
        arm64.digest,
        [
            {
                "mediaType": mt.OCI_MANIFEST,
                "digest": art,
                "size": size,
                "artifactType": "application/vnd.test.scan",
            }
        ],
    )
    # cosign-style .att on the index digest
    att_layer = json.dumps(dsse(statement(top, SLSA1, {"buildDefinition": {}}))).encode()
    ld = push_blob(registry, repo, att_layer)
    cfg = b'{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}'
    cd = push_blob(registry, repo, cfg)
    att = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {"mediaType": mt.OCI_CONFIG, "digest": cd, "size": len(cfg)},
            "layers": [
                {
                    "mediaType": DSSE,
                    "digest": ld,
                    "size": len(att_layer),
                    "annotations": {"predicateType": SLSA1},
                }
            ],
        }
    ).encode()
    push_manifest(registry, repo, top.replace(":", "-") + ".att", att, mt.OCI_MANIFEST)

    src = client.repository(registry.host, repo)
    d = discover(src, src.manifest("v1"))
    by_store = {a.store: a for a in d.attestations}
    assert set(by_store) == {Store.REFERRERS_TAG, Store.COSIGN_TAG}
    ref = by_store[Store.REFERRERS_TAG]
    assert (ref.platform, ref.predicate_type, ref.subjects, ref.statement_bytes) == (
        "linux/arm64",
        VULN,
        (arm64.digest,),
        payload,
    )
    cos = by_store[Store.COSIGN_TAG]
    assert (cos.platform, cos.predicate_type, cos.envelope, cos.signatures) == (
        INDEX_LEVEL,
        SLSA1,
        Envelope.DSSE,
        1,
    )
    notes = [str(c) for c in d.checked if c.place.startswith(("referrers", "tag"))]
    # the API is asked once (404 from 2.8), then remembered for the repository
    assert notes.count("referrers API: 404") == 1
    assert notes.count("referrers API: not supported (remembered)") == 3
    assert f"tag {arm64.digest.replace(':', '-')}: 1 found" in notes
    assert f"tag {amd64.digest.replace(':', '-')}: not found" in notes
    assert [f.code for f in d.findings] == ["platforms-partial"]


def test_reads_what_oras_py_pushed(
    registry: RunningRegistry,
    client: RegistryClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """oras-py (an independent client) pushes the referring manifest; we add the fallback entry
    as a pusher must when the registry has no referrers API."""
    import oras.client
    import oras.oci

    repo = "discover/oras"
    push_layout(registry, fixture_dir("multi-plain"), repo, "v1")
    _, arm64, _ = images_of("multi-plain")
    payload = statement(arm64.digest, VULN, {"scanner": {"uri": "grype"}})
    monkeypatch.chdir(tmp_path)
    Path("scan.json").write_bytes(payload)
    oc = oras.client.OrasClient(hostname=registry.host, insecure=True)
    resp = oc.push(
        target=f"{registry.host}/{repo}:scan",
        files=[f"scan.json:{mt.IN_TOTO}"],
        subject=oras.oci.Subject(mediaType=arm64.media_type, digest=arm64.digest, size=arm64.size),
        manifest_annotations={"org.example.tool": "oras-py"},
    )
    assert resp.status_code == 201
    src = client.repository(registry.host, repo)
    pushed = src.manifest("scan")
    assert json.loads(pushed.data)["subject"]["digest"] == arm64.digest
    push_fallback_index(
        registry,
        repo,
        arm64.digest,
        [
            {
                "mediaType": mt.OCI_MANIFEST,
                "digest": pushed.descriptor.digest,
                "size": pushed.descriptor.size,
                "annotations": {"org.example.tool": "oras-py"},
            }
        ],
    )
    d = discover(src, src.manifest("v1"))
    (a,) = d.attestations
    assert (a.store, a.kind, a.platform, a.manifest_digest) == (
        Store.REFERRERS_TAG,
        Kind.ATTESTATION,
        "linux/arm64",
        pushed.descriptor.digest,
    )
    assert (
        a.predicate_type == VULN and a.envelope is Envelope.PLAIN and a.statement_bytes == payload
    )


def test_dangling_fallback_entry(registry: RunningRegistry, client: RegistryClient) -> None:
    """The referring manifest was deleted after the fallback index listed it."""
    repo = "discover/dangling"
    top = push_layout(registry, fixture_dir("single-plain"), repo, "v1")
    subject = Descriptor(
        mt.OCI_MANIFEST, top, len(LayoutSource(FIXTURES / "single-plain").manifest("v1").data)
    )
    layer = statement(top, VULN, {})
    art, size = push_artifact(registry, repo, subject, layer, mt.IN_TOTO, {})
    entry = {"mediaType": mt.OCI_MANIFEST, "digest": art, "size": size}
    push_fallback_index(registry, repo, top, [entry])
    assert registry.request("DELETE", f"/v2/{repo}/manifests/{art}").status_code == 202
    src = client.repository(registry.host, repo)
    d = discover(src, src.manifest("v1"))
    assert [f.code for f in d.findings] == ["dangling-referrer"]
    assert d.attestations[0].error.startswith("manifest missing")


# --- a server implementing the OCI 1.1 referrers API ------------------------------------


def referrers_server(mem: MemorySource, repo: str) -> FakeServer:
    """Serves ``mem`` as ``repo`` with the referrers endpoint (distribution-spec §Listing Referrers)."""

    def handler(req: Seen) -> Answer:
        route = req.route
        prefix = f"/v2/{repo}/"
        if route == "/v2/":
            return Answer(200, {"Content-Type": "application/json"}, b"{}")
        if not route.startswith(prefix):
            return Answer(404, body=b"404 page not found")
        kind, _, ref = route[len(prefix) :].partition("/")
        if kind == "manifests" and (ref in mem.tag_map or ref in mem.manifests):
            media, raw = mem.manifests[mem.tag_map.get(ref, ref)]
            return Answer(
                200,
                {"Content-Type": media, "Docker-Content-Digest": _digest(raw)},
                b"" if req.method == "HEAD" else raw,
            )
        if kind == "blobs" and ref in mem.blobs:
            return Answer(200, {"Content-Type": "application/octet-stream"}, mem.blobs[ref])
        if kind == "referrers":
            found = mem.referrers(ref).manifests
            body = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": mt.OCI_INDEX,
                    "manifests": [x.to_json() for x in found],
                }
            ).encode()
            return Answer(200, {"Content-Type": mt.OCI_INDEX}, body)
        err = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "unknown"}]}).encode()
        return Answer(404, {"Content-Type": "application/json"}, err)

    return FakeServer(handler)


def test_referrers_api_with_sigstore_bundle(client: RegistryClient) -> None:
    mem = MemorySource(referrers_mode="api")
    top = mem.copy_layout(LayoutSource(FIXTURES / "multi-prov-max"))
    b = bundle_referrer(
        mem,
        top,
        SLSA1,
        {"buildDefinition": {"buildType": "https://actions.github.io/buildtypes/workflow/v1"}},
    )
    with referrers_server(mem, "acme/app") as server:
        src = client.repository(server.host, "acme/app")
        d = discover(src, src.manifest("v1"))
        routes = [s.route for s in server.seen if "/referrers/" in s.route]
    stores = [a.store for a in d.attestations]
    # BuildKit's artifact-shape manifests also come back from the API: de-duplicated
    assert stores == [Store.BUILDKIT] * 3 + [Store.BUNDLE]
    assert all(a.also_in == (Store.REFERRERS,) for a in d.attestations[:3])
    bun = d.attestations[3]
    assert (bun.manifest_digest, bun.platform, bun.envelope, bun.subjects) == (
        b.digest,
        INDEX_LEVEL,
        Envelope.BUNDLE,
        (top.digest,),
    )
    assert "referrers API" in bun.found_via
    assert len(routes) == 4  # index + three platform manifests
    assert d.findings == ()
