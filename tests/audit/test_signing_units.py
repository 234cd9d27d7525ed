"""The audit's signer policy per repository, row folding and summary counts (no registry:
the end-to-end runs against real signed artefacts are in test_signatures.py)."""

from __future__ import annotations

import pytest

from ocitrace.audit.facts import Facts
from ocitrace.audit.policy import parse_policy, policy_from_document
from ocitrace.audit.rows import Row, fold_by_image, summarize
from ocitrace.audit.signing import signature_state
from ocitrace.errors import PolicyError
from ocitrace.verify.model import Method, Policy, Reason, Signer, Status, Verification

GHA = "https://token.actions.githubusercontent.com"


def test_flags_beat_the_file_and_rules_give_the_signer_per_glob() -> None:
    doc = {
        "defaults": {"signer-issuer": f"^{GHA}$"},
        "rules": [
            {"repositories": ["acme/*"], "signer-identity": "^https://github.com/acme/"},
            {"repositories": ["legacy/*"], "require": ["provenance"]},
        ],
    }
    file_only = policy_from_document(doc)
    acme = file_only.resolve("reg.example/acme/app").signature_policy()
    assert acme is not None
    assert (acme.identity_regexp, acme.issuer_regexp) == ("^https://github.com/acme/", f"^{GHA}$")
    with pytest.raises(PolicyError, match="go together"):  # issuer alone in [defaults]
        file_only.resolve("reg.example/legacy/app").signature_policy()
    flags = Policy(identity="https://github.com/acme/x", issuer=GHA)
    both = parse_policy(signer=flags)
    assert both.resolve("any/repo").signature_policy() == flags
    assert parse_policy().resolve("any/repo").signature_policy() is None
    assert not parse_policy().verifies and both.verifies


def test_require_signed_needs_a_signer_somewhere() -> None:
    with pytest.raises(PolicyError, match="require signed needs a signer policy"):
        parse_policy(require=["signed"])
    keyed = parse_policy(require=["signed"], signer=Policy(keys=(b"pem",)))
    assert keyed.resolve("r/x").signature_policy() == Policy(keys=(b"pem",))


def _v(status: Status, *, reason: Reason | None = None, who: str = "") -> Verification:
    signer = Signer(identity=who, issuer=GHA) if who else None
    return Verification(status=status, method=Method.COSIGN_KEYLESS, reason=reason, signer=signer)


def test_the_best_item_gives_the_row_state() -> None:
    items = [
        _v(Status.UNSIGNED),
        _v(Status.INVALID, reason=Reason.IDENTITY),
        _v(Status.VERIFIED, who="https://github.com/acme/w.yml@refs/heads/main"),
    ]
    best = signature_state([], items, {"buildkit"})
    assert (best.state, best.cell, best.issuer) == (
        "verified",
        "verified https://github.com/acme/w.yml@refs/heads/main",
        GHA,
    )
    bad = signature_state([], items[:2], {"buildkit"})
    assert (bad.state, bad.cell, bad.identity) == ("invalid", "invalid: identity", None)
    assert signature_state([], [], {"cosign"}).cell == "unsigned"
    # no policy: presence only, and nothing known when no signature store was asked
    assert signature_state([], None, {"buildkit"}).known is False
    assert signature_state([], None, {"buildkit", "cosign"}).cell == "unsigned"


def _row(platform: str, signature: str, cell: str, findings: list[dict[str, str]]) -> Row:
    return Row(
        repository="reg/app",
        tag="v1",
        digest="sha256:" + "a" * 64,
        platform=platform,
        facts=Facts(signature=signature, signer_cell=cell),
        records={"findings": findings},
    )


def test_fold_keeps_the_worst_signature_and_summary_counts_warn() -> None:
    warned = [{"id": "no-sbom", "action": "warn"}]
    rows = [
        _row("linux/amd64", "verified", "verified x", []),
        _row("linux/arm64", "unsigned", "unsigned", warned),
    ]
    [folded] = fold_by_image(rows)
    assert folded.facts.signature == "unsigned"
    assert folded.cells()["signer"] == "verified x,unsigned"
    assert folded.state == "warn" and rows[0].state == "ok"
    s = summarize(rows)
    assert (s.ok, s.warn, s.failed) == (2, 1, 0)  # ok counts every passed row
    assert s.signatures == {"verified": 1, "unsigned": 1}
    assert folded.to_json()["signature"] == "unsigned"
