"""Build attestation artifacts from the specs (FORMATS.md §7, §8) and an in-memory Source.

The artifacts follow cosign's ``specs/ATTESTATION_SPEC.md`` / ``SIGNATURE_SPEC.md``,
``specs/BUNDLE_SPEC.md`` and the DSSE envelope spec; the in-memory source answers
referrers exactly as the distribution spec describes (API, fallback tag, or neither),
so discovery can be tested store by store without a network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ocitrace.errors import NotFound
from ocitrace.layout import LayoutSource
from ocitrace.oci import mediatypes as mt
from ocitrace.oci.model import Descriptor, Index, Manifest
from ocitrace.source import Fetched, Referrers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "buildkit"

DSSE = "application/vnd.dsse.envelope.v1+json"
BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
EMPTY = {"mediaType": mt.OCI_EMPTY, "digest": mt.EMPTY_DIGEST, "size": 2}


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def statement(
    subject_digest: str, predicate_type: str, predicate: Any, *, v1: bool = False
) -> bytes:
    """A compact in-toto Statement (v0.1 as cosign writes, or v1)."""
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1"
            if v1
            else "https://in-toto.io/Statement/v0.1",
            "predicateType": predicate_type,
            "subject": [{"name": "img", "digest": {"sha256": subject_digest.split(":", 1)[1]}}],
            "predicate": predicate,
        },
        separators=(",", ":"),
    ).encode()


def dsse(payload: bytes, *, urlsafe: bool = False, sigs: int = 1) -> dict[str, Any]:
    enc = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return {
        "payloadType": "application/vnd.in-toto+json",
        "payload": enc(payload).decode(),
        "signatures": [
            {"keyid": "", "sig": base64.b64encode(b"not-a-real-sig-%d" % i).decode()}
            for i in range(sigs)
        ],
    }


def bundle(payload: bytes) -> bytes:
    return json.dumps(
        {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {"publicKey": {"hint": "test"}, "tlogEntries": []},
            "dsseEnvelope": dsse(payload),
        }
    ).encode()


class MemorySource:
    """A Source over dicts; ``referrers_mode`` is ``api``, ``tag`` or ``none`` (404 everywhere)."""

    def __init__(self, name: str = "mem/repo", referrers_mode: str = "api") -> None:
        self._name = name
        self.mode = referrers_mode
        self.blobs: dict[str, bytes] = {}
        self.manifests: dict[str, tuple[str, bytes]] = {}  # digest -> (media type, bytes)
        self.tag_map: dict[str, str] = {}
        self.calls: list[str] = []

    @property
    def name(self) -> str:
        return self._name

    # --- writing -------------------------------------------------------------------------
    def put_blob(
        self, data: bytes, media_type: str, annotations: dict[str, str] | None = None
    ) -> dict[str, Any]:
        d = digest_of(data)
        self.blobs[d] = data
        desc: dict[str, Any] = {"mediaType": media_type, "digest": d, "size": len(data)}
        if annotations:
            desc["annotations"] = annotations
        return desc

    def put_manifest(self, obj: dict[str, Any] | bytes, tag: str | None = None) -> Descriptor:
        raw = obj if isinstance(obj, bytes) else json.dumps(obj, indent=2).encode()
        media = json.loads(raw).get("mediaType", mt.OCI_MANIFEST)
        d = digest_of(raw)
        self.manifests[d] = (media, raw)
        if tag:
            self.tag_map[tag] = d
        return Descriptor(media, d, len(raw))

    def copy_layout(self, layout: LayoutSource, tag: str = "v1") -> Descriptor:
        """Copy a fixture layout (top manifest, children, blobs) in; returns the top descriptor."""
        top = layout.manifest(tag)
        self._copy(layout, top.descriptor)
        self.tag_map[tag] = top.descriptor.digest
        return top.descriptor

    def _copy(self, layout: LayoutSource, desc: Descriptor) -> None:
        fetched = layout.manifest(desc.digest)
        self.manifests[desc.digest] = (desc.media_type, fetched.data)
        if mt.is_index(desc.media_type):
            for child in Index.parse(fetched.data).manifests:
                self._copy(layout, child)
            return
        m = Manifest.parse(fetched.data)
        for blob in ((m.config,) if m.config else ()) + m.layers:
            self.blobs[blob.digest] = layout.blob(blob)

    def attach(
        self,
        subject: Descriptor | None,
        artifact_type: str,
        layers: list[dict[str, Any]],
        *,
        annotations: dict[str, str] | None = None,
        subject_digest: str | None = None,
    ) -> Descriptor:
        """Push an artifact manifest (``subject`` omitted when None) and, in tag mode, index it."""
        man: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": dict(EMPTY, data="e30="),
            "layers": layers,
        }
        if subject is not None:
            man["subject"] = {
                "mediaType": subject.media_type,
                "digest": subject.digest,
                "size": subject.size,
            }
        if annotations:
            man["annotations"] = annotations
        desc = self.put_manifest(man)
        target = subject.digest if subject is not None else subject_digest
        if self.mode == "tag" and target:
            self._append_fallback(target, desc, artifact_type, annotations or {})
        return desc

    def _append_fallback(
        self, subject: str, desc: Descriptor, artifact_type: str, ann: dict[str, str]
    ) -> None:
        tag = subject.replace(":", "-")
        existing: list[dict[str, Any]] = []
        if tag in self.tag_map:
            existing = json.loads(self.manifests[self.tag_map[tag]][1])["manifests"]
        entry: dict[str, Any] = {
            "mediaType": desc.media_type,
            "digest": desc.digest,
            "size": desc.size,
            "artifactType": artifact_type,
        }
        if ann:
            entry["annotations"] = ann
        self.put_manifest(
            {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [*existing, entry]},
            tag=tag,
        )

    # --- Source protocol -----------------------------------------------------------------
    def resolve(self, ref: str) -> Descriptor:
        return self.manifest(ref).descriptor

    def manifest(self, ref: str) -> Fetched:
        self.calls.append(f"manifest {ref}")
        d = self.tag_map.get(ref, ref)
        if d not in self.manifests:
            raise NotFound(f"{self._name}:{ref}: not found", input=ref)
        media, raw = self.manifests[d]
        return Fetched(Descriptor(media, d, len(raw)), raw)

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        if desc.digest not in self.blobs:
            raise NotFound(f"blob {desc.digest} not found", input=desc.digest)
        return self.blobs[desc.digest]

    def tags(self) -> Iterator[str]:
        yield from sorted(self.tag_map)

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        self.calls.append(f"referrers {digest}")
        if self.mode == "api":
            found = []
            for d, (media, raw) in self.manifests.items():
                obj = json.loads(raw)
                if (obj.get("subject") or {}).get("digest") == digest:
                    at = obj.get("artifactType") or (obj.get("config") or {}).get("mediaType", "")
                    found.append(
                        Descriptor(
                            media,
                            d,
                            len(raw),
                            annotations=obj.get("annotations") or {},
                            artifact_type=at,
                        )
                    )
            return Referrers(tuple(found), "api", (f"referrers API: {len(found)} found",))
        tag = digest.replace(":", "-")
        if self.mode == "tag" and tag in self.tag_map:
            idx = Index.parse(self.manifests[self.tag_map[tag]][1])
            return Referrers(
                idx.manifests,
                "tag",
                ("referrers API: 404", f"tag {tag}: {len(idx.manifests)} found"),
            )
        return Referrers((), "none", ("referrers API: 404", f"tag {tag}: not found"))


def cosign_att(
    src: MemorySource, image: Descriptor, predicate_type: str, predicate: Any
) -> Descriptor:
    """A cosign-style ``sha256-<hex>.att`` image: one DSSE layer with a ``predicateType`` annotation."""
    env = json.dumps(dsse(statement(image.digest, predicate_type, predicate))).encode()
    layer = src.put_blob(
        env, DSSE, {"predicateType": predicate_type, "dev.sigstore.cosign/bundle": "{}"}
    )
    return cosign_image(src, image, layer, ".att")


def cosign_sig(src: MemorySource, image: Descriptor, ref: str) -> Descriptor:
    payload = json.dumps(
        {
            "critical": {
                "identity": {"docker-reference": ref},
                "image": {"docker-manifest-digest": image.digest},
                "type": "cosign container image signature",
            },
            "optional": None,
        }
    ).encode()
    layer = src.put_blob(payload, SIMPLESIGNING, {"dev.cosignproject.cosign/signature": "MEUCIQ=="})
    return cosign_image(src, image, layer, ".sig")


def cosign_image(
    src: MemorySource, image: Descriptor, layer: dict[str, Any], suffix: str
) -> Descriptor:
    """One-layer image tagged ``sha256-<hex><suffix>`` with cosign's empty image config
    (cosign's own tag scheme spelled out here, not taken from the code under test)."""
    cfg = src.put_blob(
        b'{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}',
        mt.OCI_CONFIG,
    )
    return src.put_manifest(
        {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST, "config": cfg, "layers": [layer]},
        tag=image.digest.replace(":", "-") + suffix,
    )


def bundle_referrer(
    src: MemorySource,
    image: Descriptor,
    predicate_type: str,
    predicate: Any,
    *,
    with_subject: bool = True,
) -> Descriptor:
    """A cosign v3 / actions/attest bundle referrer (BUNDLE_SPEC.md)."""
    data = bundle(statement(image.digest, predicate_type, predicate, v1=True))
    layer = src.put_blob(data, BUNDLE_V03)
    ann = {
        "dev.sigstore.bundle.content": "dsse-envelope",
        "dev.sigstore.bundle.predicateType": predicate_type,
        "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
    }
    return src.attach(
        image if with_subject else None,
        BUNDLE_V03,
        [layer],
        annotations=ann,
        subject_digest=image.digest,
    )
