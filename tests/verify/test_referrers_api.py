"""Verification through the OCI 1.1 referrers API (distribution 2.8 has none, so a small
content-addressed server answers it: manifests by digest or tag, blobs, and
``GET /v2/<repo>/referrers/<digest>``).  The items are the real ones: the cosign-saved image,
its real cosign attestation (also pushed as a cosign tag), cosign's real v0.3 bundle and a
Notation JWS signature made here."""

from __future__ import annotations

import json
from pathlib import Path

from ocitrace.api import Client
from ocitrace.verify import Policy, Reason, Status, VerifyReport
from tests.support.fakeserver import Answer, FakeServer, Seen

from .support import (
    ATT_MANIFEST,
    BUNDLE_V03_MT,
    EMPTY_CONFIG,
    GHA_ISSUER,
    IMAGE_DIGEST,
    LAYOUT,
    OCI_INDEX,
    OCI_MANIFEST,
    SLSA_IDENTITY_RE,
    blob_path,
    bundle_doc,
    sha256,
)
from .test_notation import jws, make_pki, trust_store

NOTARY = "application/vnd.cncf.notary.signature"


class Store:
    """Manifests and blobs of one repository, answered like a registry with referrers."""

    def __init__(self) -> None:
        self.manifests: dict[str, tuple[str, bytes]] = {}
        self.tags: dict[str, str] = {}
        self.blobs: dict[str, bytes] = {}

    def manifest(self, data: bytes, media_type: str, tag: str = "") -> str:
        d = sha256(data)
        self.manifests[d] = (media_type, data)
        if tag:
            self.tags[tag] = d
        return d

    def blob(self, data: bytes) -> str:
        self.blobs[sha256(data)] = data
        return sha256(data)

    def referrers(self, subject: str) -> bytes:
        out = []
        for d, (mt, data) in self.manifests.items():
            doc = json.loads(data)
            if (doc.get("subject") or {}).get("digest") == subject:
                out.append(
                    {
                        "mediaType": mt,
                        "digest": d,
                        "size": len(data),
                        "artifactType": doc.get("artifactType", ""),
                        "annotations": doc.get("annotations", {}),
                    }
                )
        return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": out}).encode()

    def handle(self, req: Seen) -> Answer:
        parts = req.route.split("/")
        if req.route in ("/v2", "/v2/"):
            return Answer(200, {"Content-Type": "application/json"}, b"{}")
        if len(parts) >= 5 and parts[-2] == "referrers":
            return Answer(200, {"Content-Type": OCI_INDEX}, self.referrers(parts[-1]))
        if len(parts) >= 5 and parts[-2] == "manifests":
            ref = parts[-1]
            d = self.tags.get(ref, ref)
            if d not in self.manifests:
                return Answer(
                    404,
                    {"Content-Type": "application/json"},
                    b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}',
                )
            mt, data = self.manifests[d]
            return Answer(200, {"Content-Type": mt, "Docker-Content-Digest": d}, data)
        if len(parts) >= 5 and parts[-2] == "blobs" and parts[-1] in self.blobs:
            return Answer(200, {"Content-Type": "application/octet-stream"}, self.blobs[parts[-1]])
        return Answer(
            404,
            {"Content-Type": "application/json"},
            b'{"errors":[{"code":"BLOB_UNKNOWN","message":"unknown"}]}',
        )


def saved_image(store: Store) -> None:
    """The cosign-saved image (index, platform manifest, config, layers) and its .att tag."""
    index = json.loads((LAYOUT / "index.json").read_text())
    for entry in index["manifests"]:
        data = blob_path(LAYOUT, entry["digest"]).read_bytes()
        store.manifest(data, entry["mediaType"])
        doc = json.loads(data)
        for child in doc.get("manifests", []):
            store.manifest(blob_path(LAYOUT, child["digest"]).read_bytes(), child["mediaType"])
            man = json.loads(blob_path(LAYOUT, child["digest"]).read_bytes())
            for b in [man["config"], *man.get("layers", [])]:
                store.blob(blob_path(LAYOUT, b["digest"]).read_bytes())
        for b in [doc.get("config"), *doc.get("layers", [])]:
            if b:
                store.blob(blob_path(LAYOUT, b["digest"]).read_bytes())
    store.tags["v1"] = IMAGE_DIGEST
    store.tags[IMAGE_DIGEST.replace(":", "-") + ".att"] = ATT_MANIFEST


def referrer(
    store: Store, artifact_type: str, layer: bytes, layer_type: str, subject: str, size: int
) -> None:
    ld = store.blob(layer)
    store.blob(b"{}")
    man = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": EMPTY_CONFIG,
        "layers": [{"mediaType": layer_type, "digest": ld, "size": len(layer)}],
        "subject": {"mediaType": OCI_INDEX, "digest": subject, "size": size},
    }
    store.manifest(json.dumps(man).encode(), OCI_MANIFEST)


def test_verify_through_referrers_api(tmp_path: Path) -> None:
    store = Store()
    saved_image(store)
    size = len(store.manifests[IMAGE_DIGEST][1])
    bundle = json.dumps(bundle_doc("cosign-oci-attestation-v0.3.sigstore.json")).encode()
    referrer(store, BUNDLE_V03_MT, bundle, BUNDLE_V03_MT, IMAGE_DIGEST, size)
    ca, key, leaf = make_pki("ES256")
    target = {"mediaType": OCI_INDEX, "digest": IMAGE_DIGEST, "size": size}
    referrer(
        store, NOTARY, jws(key, leaf, target, "ES256"), "application/jose+json", IMAGE_DIGEST, size
    )
    policy = Policy(
        identity_regexp=SLSA_IDENTITY_RE,
        issuer=GHA_ISSUER,
        notation_trust_store=trust_store(tmp_path, ca),
    )
    with FakeServer(store.handle) as server, Client() as client:
        report: VerifyReport = client.verify(f"{server.host}/repo:v1", policy)
        asked = server.routes("GET")
    assert any(f"/referrers/{IMAGE_DIGEST}" in r for r in asked)
    by_store = {(v.store, v.method.value): v for v in report.items}
    assert by_store[("cosign-tag", "cosign-keyless")].status is Status.VERIFIED
    bundle_item = by_store[("bundle", "sigstore-bundle")]
    # signed by someone else (cody@soyland.com via GitHub OAuth): refused by the policy's issuer
    assert (bundle_item.status, bundle_item.reason) == (Status.INVALID, Reason.ISSUER)
    notation = by_store[("referrers", "notation-jws")]
    assert notation.status is Status.VERIFIED, notation.detail
    assert report.ok
