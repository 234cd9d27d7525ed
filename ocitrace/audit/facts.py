"""The handful of facts about one platform image that rows and policies look at.

:class:`Facts` is the narrow waist between the attestation decoders (rich records) and
the audit's columns and checks, so both read the same values the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Facts:
    """What the audit knows about one platform image (``None``: not known)."""

    has_provenance: bool = False
    slsa_version: str | None = None  # "v1", "v0.2"
    mode: str | None = None  # "max", "min"
    builder: str | None = None
    source: str | None = None  # repository URL
    revision: str | None = None
    built_at: datetime | None = None  # provenance finishedOn, else config "created"
    built_at_from: str | None = None  # "provenance" or "config"
    sbom_packages: int | None = None  # summed over the SBOM documents; None when no SBOM
    #: signature state (:data:`ocitrace.audit.signing.STATES`); None: not looked at
    signature: str | None = None
    signer_cell: str = "-"  # the SIGNER column: "verified <identity>", "invalid: …", …
    signer_identity: str | None = None  # the verified signer
    signer_issuer: str | None = None

    @property
    def has_sbom(self) -> bool:
        return self.sbom_packages is not None
