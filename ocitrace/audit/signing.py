"""One platform image's signature state, from what discovery found and what verified.

The SIGNER column, the ``unsigned`` practice finding, the JSON fields and the summary
counts all read :func:`signature_state`, so they never disagree.  The words are those of
the ``attestations`` SIGNED column (:meth:`ocitrace.verify.Verification.cell`):
``verified <identity>``, ``invalid: <reason>``, ``signed (no policy given)``,
``verification not supported``, ``unsigned``; ``-`` when no signature store was asked
and nothing was verified (the default audit reads BuildKit's index entries only, where
signatures never are).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..discover import Attestation, Kind, Store
from ..verify.model import Status, Verification

__all__ = ["SIGNATURE_LOOKUPS", "STATES", "SignatureState", "signature_state"]

#: The discovery stores signatures live in: asked whenever signatures are verified.
SIGNATURE_LOOKUPS: frozenset[str] = frozenset({"referrers", "cosign"})
#: Row signature states, best first; a row takes the best of its items.
STATES = ("verified", "invalid", "no-policy", "unsupported", "unsigned")
_RANK = {
    Status.VERIFIED: 0,
    Status.INVALID: 1,
    Status.NO_POLICY: 2,
    Status.UNSUPPORTED: 3,
    Status.UNSIGNED: 4,
}


@dataclass(frozen=True, slots=True)
class SignatureState:
    """``state`` is one of :data:`STATES`, or ``""`` when not known (nothing looked)."""

    state: str = ""
    cell: str = "-"
    identity: str | None = None  # the verified signer
    issuer: str | None = None
    verification: Verification | None = None  # the item the state comes from

    @property
    def known(self) -> bool:
        return bool(self.state)


def is_signed(a: Attestation) -> bool:
    """Signature material is present on this item (counted, not verified)."""
    return a.signatures > 0 or a.kind is Kind.SIGNATURE or a.store is Store.BUNDLE


def signature_state(
    attestations: Sequence[Attestation],
    verifications: Sequence[Verification] | None,
    lookups: Collection[str],
) -> SignatureState:
    """The best outcome among one platform image's signed items.

    ``verifications`` None: no signer policy, so presence only (``signed (no policy
    given)`` / ``unsigned``, or ``-`` when no signature store was asked).
    """
    if verifications is None:
        if any(is_signed(a) for a in attestations):
            return SignatureState("no-policy", "signed (no policy given)")
        if SIGNATURE_LOOKUPS & set(lookups):
            return SignatureState("unsigned", "unsigned")
        return SignatureState()
    if not verifications:
        return SignatureState("unsigned", "unsigned")
    best = min(verifications, key=lambda v: _RANK.get(v.status, len(_RANK)))
    state = "no-policy" if best.status is Status.NO_POLICY else best.status.value
    signer = best.signer if best.ok else None
    return SignatureState(
        state,
        best.cell(),
        identity=signer.identity if signer is not None else None,
        issuer=(signer.issuer or None) if signer is not None else None,
        verification=best,
    )
