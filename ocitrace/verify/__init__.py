"""Signature verification: Sigstore bundles, cosign signatures/attestations, Notation.

Public API::

    from ocitrace.verify import Policy, verify_discovery
    policy = Policy(identity_regexp="^https://github.com/org/", issuer="https://token.actions.githubusercontent.com")
    report = verify_discovery(discovery, policy, source=source)   # VerifyReport
    report.ok; [v.summary() for v in report.items]

Only :mod:`ocitrace.verify.model` is imported here; sigstore-python is imported when a
bundle or keyless signature is actually verified (``ocitrace`` starts as fast as before).
Trust model: see the README ("Verifying signatures").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import (
    PREDICATE_TYPES,
    Method,
    Policy,
    Reason,
    Signer,
    Status,
    Verification,
    VerifyReport,
    predicate_type_uri,
)

if TYPE_CHECKING:  # pragma: no cover
    from .engine import (
        Verifier,
        verify_discovery,
        verify_found,
        verify_source,
    )

__all__ = [
    "PREDICATE_TYPES",
    "Method",
    "Policy",
    "Reason",
    "Signer",
    "Status",
    "Verification",
    "Verifier",
    "VerifyReport",
    "predicate_type_uri",
    "verify_discovery",
    "verify_found",
    "verify_source",
]


_LAZY = frozenset({"Verifier", "verify_discovery", "verify_found", "verify_source"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
