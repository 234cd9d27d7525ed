"""Values produced by attestation discovery: what was found, where, and what was asked.

Everything here is a frozen value so a :class:`Discovery` can be shared between the
``attestations``/``provenance``/``sbom`` commands and the audit without copying.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..attest.intoto import Statement
from ..oci.model import Descriptor

__all__ = [
    "ALL_LOOKUPS",
    "INDEX_LEVEL",
    "Attestation",
    "Check",
    "Discovery",
    "Envelope",
    "Finding",
    "Kind",
    "PlatformImage",
    "Severity",
    "Store",
    "lookups_for",
]

#: lookups that can be switched: "buildkit", "referrers", "cosign"
ALL_LOOKUPS: frozenset[str] = frozenset({"buildkit", "referrers", "cosign"})


def lookups_for(*, referrers: bool = True, cosign: bool = True) -> frozenset[str]:
    """The ``lookups`` for :func:`discover`: BuildKit index entries always (they cost no
    request), the referrers and cosign-tag stores when switched on."""
    return frozenset(
        {"buildkit"} | {name for name, on in (("referrers", referrers), ("cosign", cosign)) if on}
    )


#: ``Attestation.platform`` for items attached to the top-level index (all platforms).
INDEX_LEVEL = "index"


class Store(enum.StrEnum):
    """Where an attestation manifest was found (the label shown to users)."""

    BUILDKIT = "buildkit"  # index entry with vnd.docker.reference.type=attestation-manifest
    REFERRERS = "referrers"  # OCI 1.1 referrers API (or an OCI layout's subject scan)
    REFERRERS_TAG = "referrers-tag"  # the sha256-<hex> fallback tag index
    COSIGN_TAG = "cosign-tag"  # cosign sha256-<hex>.att / .sig / .sbom tags
    BUNDLE = "bundle"  # a Sigstore bundle, found through referrers (API or tag)
    FILE = "file"  # a local attestation file (--bundle FILE: gh attestation download, …)


class Kind(enum.StrEnum):
    """What one found item is."""

    ATTESTATION = "attestation"  # an in-toto statement (plain, DSSE or bundle)
    SIGNATURE = "signature"  # cosign simple-signing payload or a message-signature bundle
    SBOM = "sbom"  # a raw SBOM document (cosign .sbom attachment)
    ARTIFACT = "artifact"  # some other referrer (shown by artifactType)


class Envelope(enum.StrEnum):
    """How a statement was wrapped in its layer."""

    PLAIN = "plain"
    DSSE = "dsse"
    BUNDLE = "bundle"
    NONE = "none"  # not a statement (signature payload, raw SBOM, unknown layer)


class Severity(enum.StrEnum):
    """Weight of a consistency finding; the audit counts warnings."""

    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class PlatformImage:
    """One platform image of the reference: its manifest digest and normalised platform key."""

    digest: str
    platform: str  # normalized_key, e.g. "linux/arm/v7"; "unknown" when not known
    descriptor: Descriptor


@dataclass(frozen=True, slots=True)
class Attestation:
    """One found item: a layer of an attestation/signature manifest, decoded when possible.

    ``attached_to`` is the digest the manifest hangs on (BuildKit reference annotation,
    the referrers subject asked for, or the digest in a cosign tag); ``platform`` is the
    normalised key of that image, or :data:`INDEX_LEVEL`.  ``subjects`` are the
    ``alg:value`` digests named by the statement, any algorithm (``sha256:…``,
    ``sha512:…``, ``gitCommit:…``), each once.  ``signatures`` counts signatures
    present; none is verified (``verified`` is always False until verification exists).
    ``data`` is the layer blob exactly as stored; ``statement_bytes`` the in-toto
    statement bytes (the layer itself, or the decoded DSSE/bundle payload).
    """

    store: Store
    kind: Kind
    manifest_digest: str
    attached_to: str
    platform: str
    layer: Descriptor
    media_type: str
    predicate_type: str = ""
    subjects: tuple[str, ...] = ()
    envelope: Envelope = Envelope.NONE
    signatures: int = 0
    shape: str = ""  # BuildKit manifest shape: "classic" | "artifact"; "" otherwise
    found_via: str = ""  # human detail, e.g. "referrers API of sha256:…"
    also_in: tuple[Store, ...] = ()  # other stores that listed the same manifest
    data: bytes | None = field(default=None, repr=False)
    statement_bytes: bytes | None = field(default=None, repr=False)
    statement: Statement | None = field(default=None, repr=False, compare=False)
    error: str = ""
    #: the exception behind ``error`` when one was raised: not compared, not serialised
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def signed(self) -> bool:
        return self.signatures > 0

    @property
    def verified(self) -> bool:
        """Always False: signatures are reported, never verified (yet)."""
        return False

    @property
    def size(self) -> int:
        return self.layer.size

    def to_json(self) -> dict[str, Any]:
        """JSON view (camelCase keys; blobs left out)."""
        return {
            "store": self.store.value,
            "alsoIn": [s.value for s in self.also_in],
            "kind": self.kind.value,
            "platform": self.platform,
            "attachedTo": self.attached_to,
            "manifestDigest": self.manifest_digest,
            "layerDigest": self.layer.digest,
            "mediaType": self.media_type,
            "predicateType": self.predicate_type,
            "subjects": list(self.subjects),
            "envelope": self.envelope.value,
            "signatures": self.signatures,
            "verified": self.verified,
            "size": self.size,
            "shape": self.shape,
            "foundVia": self.found_via,
            "error": self.error,
            "errorKind": (
                (type(self.exception).__name__ if self.exception is not None else "Error")
                if self.error
                else ""
            ),
        }


@dataclass(frozen=True, slots=True)
class Check:
    """One place asked and its answer, e.g. ``("sha256:…", "cosign .att", "not found")``."""

    digest: str
    place: str
    answer: str

    def __str__(self) -> str:
        return f"{self.place}: {self.answer}"

    def to_json(self) -> dict[str, str]:
        return {"digest": self.digest, "place": self.place, "answer": self.answer}


@dataclass(frozen=True, slots=True)
class Finding:
    """A consistency finding (``code`` is stable, for audit counting and JSON)."""

    code: str
    severity: Severity
    message: str
    digest: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "digest": self.digest,
        }


@dataclass(frozen=True, slots=True)
class Discovery:
    """Everything found for one reference.

    ``top`` is the resolved descriptor; ``images`` the platform images (one for a single
    manifest); ``attestations`` in discovery order (BuildKit first, then per digest
    referrers, cosign tags), de-duplicated by manifest digest; ``checked`` every place
    asked with its answer; ``findings`` the consistency checks.
    """

    top: Descriptor
    images: tuple[PlatformImage, ...]
    attestations: tuple[Attestation, ...]
    checked: tuple[Check, ...]
    findings: tuple[Finding, ...]
    is_index: bool = False

    def for_platform(self, platform: str) -> tuple[Attestation, ...]:
        """Items attached to the image with normalised key ``platform`` (index-level excluded)."""
        return tuple(a for a in self.attestations if a.platform == platform)

    def index_level(self) -> tuple[Attestation, ...]:
        """Items attached to the top-level index digest."""
        return tuple(a for a in self.attestations if a.platform == INDEX_LEVEL)

    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    def checked_for(self, digest: str) -> tuple[Check, ...]:
        """The places asked about one digest."""
        return tuple(c for c in self.checked if c.digest == digest)

    def to_json(self) -> dict[str, Any]:
        """JSON view of the whole discovery."""
        return {
            "digest": self.top.digest,
            "mediaType": self.top.media_type,
            "size": self.top.size,
            "images": [{"platform": i.platform, "digest": i.digest} for i in self.images],
            "attestations": [a.to_json() for a in self.attestations],
            "checked": [c.to_json() for c in self.checked],
            "findings": [f.to_json() for f in self.findings],
        }
