"""Values of signature verification: the policy asked for and the typed report it yields.

Everything is a frozen value; nothing here imports sigstore (so ``ocitrace.verify.model``
is cheap to import from the CLI and the audit).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import PolicyError

__all__ = [
    "PREDICATE_TYPES",
    "Method",
    "Policy",
    "Reason",
    "Signer",
    "Status",
    "Verification",
    "VerifyReport",
    "predicate_type_uri",
]

#: cosign's short predicate names (``cmd/cosign/cli/options/predicate.go``) -> URI.
PREDICATE_TYPES: Mapping[str, str] = {
    "custom": "https://cosign.sigstore.dev/attestation/v1",
    "slsaprovenance": "https://slsa.dev/provenance/v0.2",
    "slsaprovenance02": "https://slsa.dev/provenance/v0.2",
    "slsaprovenance1": "https://slsa.dev/provenance/v1",
    "spdx": "https://spdx.dev/Document",
    "spdxjson": "https://spdx.dev/Document",
    "cyclonedx": "https://cyclonedx.org/bom",
    "link": "https://in-toto.io/Link/v1",
    "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
    "openvex": "https://openvex.dev/ns",
}


def predicate_type_uri(name: str) -> str:
    """A cosign short name (``slsaprovenance``, ``spdxjson``, ...) or a URI, as a URI."""
    uri = PREDICATE_TYPES.get(name.strip().lower())
    if uri:
        return uri
    if "://" in name or name.startswith("urn:"):
        return name
    raise PolicyError(
        f"unknown predicate type {name!r}",
        input=name,
        hint="use a URI or one of " + ", ".join(sorted(PREDICATE_TYPES)),
    )


class Status(enum.StrEnum):
    """Outcome for one signed item."""

    VERIFIED = "verified"  # signature, chain, log and policy all hold, subject names the image
    INVALID = "invalid"  # a check failed: see ``reason``
    UNSIGNED = "unsigned"  # nothing to verify
    NO_POLICY = "no-policy"  # cryptographically checked, but no identity/key policy was given
    UNSUPPORTED = "unsupported"  # a form this verifier cannot check (said plainly)


class Reason(enum.StrEnum):
    """Category of the first failed check."""

    SIGNATURE = "signature"
    CHAIN = "certificate chain"
    TLOG = "transparency log"
    IDENTITY = "identity"
    ISSUER = "issuer"
    SUBJECT = "subject"
    FORMAT = "format"  # material that cannot be parsed (bundle, envelope, certificate)
    KEY = "key"  # key-based item but no --key given / no key matched


class Method(enum.StrEnum):
    """How an item is signed (and so how it was verified)."""

    BUNDLE = "sigstore-bundle"
    COSIGN_KEYLESS = "cosign-keyless"
    COSIGN_KEY = "cosign-key"
    NOTATION_JWS = "notation-jws"
    NOTATION_COSE = "notation-cose"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Policy:
    """What a signature must satisfy (cosign's ``verify`` flags).

    Keyless: ``identity`` / ``identity_regexp`` is matched against the certificate's SANs
    (email, URI, Sigstore other-name); ``issuer`` / ``issuer_regexp`` against the Fulcio
    OIDC issuer extension.  Regexps use Python :func:`re.search` (unanchored, like Go's
    ``MatchString`` that cosign uses).  Key-based: ``keys`` are PEM public keys (ECDSA
    P-256/P-384, RSA, Ed25519).  ``trusted_root`` is the text of a ``trusted_root.json``
    or JSON lines of several; ``None`` means the public-good root shipped in sigstore-python.
    ``offline`` (default) never fetches TUF metadata nor queries Rekor.
    """

    identity: str | None = None
    identity_regexp: str | None = None
    issuer: str | None = None
    issuer_regexp: str | None = None
    keys: tuple[bytes, ...] = ()
    trusted_root: str | None = None
    offline: bool = True
    predicate_type: str | None = None
    notation_trust_store: Path | None = None

    def __post_init__(self) -> None:
        for what, pattern in (("identity", self.identity_regexp), ("issuer", self.issuer_regexp)):
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise PolicyError(
                        f"invalid {what} regexp {pattern!r}: {exc}", input=pattern
                    ) from exc
        if self.identity is not None and self.identity_regexp is not None:
            raise PolicyError("give an identity or an identity regexp, not both")
        if self.issuer is not None and self.issuer_regexp is not None:
            raise PolicyError("give an issuer or an issuer regexp, not both")

    @property
    def has_identity(self) -> bool:
        """True when a keyless identity or issuer constraint was given."""
        return any(
            v is not None
            for v in (self.identity, self.identity_regexp, self.issuer, self.issuer_regexp)
        )

    @property
    def given(self) -> bool:
        """True when anything would make a signature count (identity policy or key)."""
        return self.has_identity or bool(self.keys)

    def identity_matches(self, sans: tuple[str, ...]) -> bool:
        if self.identity is not None:
            return self.identity in sans
        if self.identity_regexp is not None:
            return any(re.search(self.identity_regexp, s) for s in sans)
        return True

    def issuer_matches(self, issuer: str) -> bool:
        if self.issuer is not None:
            return issuer == self.issuer
        if self.issuer_regexp is not None:
            return re.search(self.issuer_regexp, issuer) is not None
        return True

    @classmethod
    def from_files(
        cls,
        *,
        key: Path | None = None,
        trusted_root: Path | None = None,
        notation_trust_store: Path | None = None,
        **kwargs: Any,
    ) -> Policy:
        """A policy whose key / trusted root are read from files (``ConfigError`` if unreadable)."""
        from ..errors import ConfigError

        keys: tuple[bytes, ...] = tuple(kwargs.pop("keys", ()))
        root: str | None = None
        try:
            if key is not None:
                keys += (key.read_bytes(),)
            if trusted_root is not None:
                root = trusted_root.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read policy file: {exc}") from exc
        if notation_trust_store is not None and not notation_trust_store.is_dir():
            raise ConfigError(
                f"notation trust store {notation_trust_store} is not a directory",
                input=str(notation_trust_store),
            )
        return cls(
            keys=keys, trusted_root=root, notation_trust_store=notation_trust_store, **kwargs
        )


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signed: certificate identity and issuer, GitHub workflow claims, or a key."""

    identity: str = ""  # first SAN (URI / email / other-name), or "key <fingerprint>"
    issuer: str = ""
    sans: tuple[str, ...] = ()
    repository: str = ""  # e.g. "slsa-framework/slsa-github-generator"
    ref: str = ""  # e.g. "refs/tags/v1.10.0"
    commit: str = ""  # source repository digest (git commit sha1)
    workflow: str = ""  # build config URI / workflow name
    trigger: str = ""  # e.g. "push"
    run_invocation: str = ""
    subject: str = ""  # X.509 subject (notation); empty for Fulcio leaf certificates
    key_fingerprint: str = ""  # sha256 of the public key DER (key-based)

    def to_json(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "issuer": self.issuer,
            "sans": list(self.sans),
            "github": {
                "repository": self.repository,
                "ref": self.ref,
                "commit": self.commit,
                "workflow": self.workflow,
                "trigger": self.trigger,
                "runInvocation": self.run_invocation,
            },
            "subject": self.subject,
            "keyFingerprint": self.key_fingerprint,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome for one signed item (an attestation layer, a signature, a notation sig)."""

    status: Status
    method: Method
    reason: Reason | None = None
    detail: str = ""
    signer: Signer | None = None
    log_index: int | None = None
    integrated_time: datetime | None = None
    signing_time: datetime | None = None  # notation signing time / TSA time when known
    predicate_type: str = ""
    subjects: tuple[str, ...] = ()  # sha256:… digests named by the verified payload
    # where the item was found (filled by the discovery driver)
    store: str = ""
    kind: str = ""
    platform: str = ""
    attached_to: str = ""
    manifest_digest: str = ""
    layer_digest: str = ""
    signatures: int = 0

    @property
    def ok(self) -> bool:
        return self.status is Status.VERIFIED

    def summary(self) -> str:
        """One line saying what happened (no terminal escaping: callers print safely)."""
        if self.status is Status.VERIFIED:
            who = self.signer.identity if self.signer else ""
            return f"verified {who}".rstrip()
        if self.status is Status.INVALID:
            return f"invalid: {self.reason.value if self.reason else 'unknown'}" + (
                f" ({self.detail})" if self.detail else ""
            )
        if self.status is Status.NO_POLICY:
            return "signed (no policy given)"
        if self.status is Status.UNSUPPORTED:
            return "verification not supported" + (f" ({self.detail})" if self.detail else "")
        return "unsigned"

    def cell(self) -> str:
        """The SIGNED / SIGNER column's words (no terminal escaping: callers print safely):
        ``verified <identity>``, ``invalid: <reason>``, ``unsigned``, ``signed (no policy
        given)`` or ``verification not supported``."""
        if self.status is Status.INVALID:
            return f"invalid: {self.reason.value if self.reason else 'unknown'}"
        if self.status is Status.UNSUPPORTED:
            return "verification not supported"
        return self.summary()

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "reason": self.reason.value if self.reason else None,
            "detail": self.detail,
            "method": self.method.value,
            "signer": self.signer.to_json() if self.signer else None,
            "logIndex": self.log_index,
            "integratedTime": self.integrated_time.isoformat() if self.integrated_time else None,
            "signingTime": self.signing_time.isoformat() if self.signing_time else None,
            "predicateType": self.predicate_type,
            "subjects": list(self.subjects),
            "store": self.store,
            "kind": self.kind,
            "platform": self.platform,
            "attachedTo": self.attached_to,
            "manifestDigest": self.manifest_digest,
            "layerDigest": self.layer_digest,
            "signatures": self.signatures,
        }


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Every signed item of one reference and its verification."""

    digest: str
    items: tuple[Verification, ...] = field(default_factory=tuple)
    #: the :class:`~ocitrace.discover.Discovery` the items came from (when known)
    discovery: Any = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        """True when at least one item verified."""
        return any(v.ok for v in self.items)

    def verified(self) -> tuple[Verification, ...]:
        return tuple(v for v in self.items if v.ok)

    def signers(self) -> tuple[str, ...]:
        """Identities of the verified signers, first seen first (for a SIGNER column)."""
        out: list[str] = []
        for v in self.items:
            if v.ok and v.signer is not None and v.signer.identity not in out:
                out.append(v.signer.identity)
        return tuple(out)

    def for_item(self, manifest_digest: str, layer_digest: str) -> Verification | None:
        """The verification of one discovered item (``Attestation.manifest_digest`` and
        ``Attestation.layer.digest``), or None when it was not looked at."""
        for v in self.items:
            if v.manifest_digest == manifest_digest and v.layer_digest == layer_digest:
                return v
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "verified": self.ok,
            "items": [v.to_json() for v in self.items],
        }
