"""Keyless verification of real artefacts, offline, against the roots sigstore-python ships.

* the real ``cosign save`` layout of slsa-github-generator's example image (cosign .att with
  certificate/chain/Rekor-SET annotations) verifies with the slsa-github-generator identity;
* tampered copies (payload, signature, certificate, log entry) and wrong identity / issuer /
  subject each fail with their own reason category;
* real Sigstore bundles: cosign's v0.3 DSSE bundle (public-good), sigstore-python's v0.1 and
  v0.3 message-signature bundles (they belong to Sigstore *staging*: verified with the staging
  root sigstore-python also ships, refused by the public-good one), sigstore.js's v0.1 DSSE
  bundle (intoto/0.0.2 log entry: its body checked here, the rest by sigstore-python) and
  GitHub's attestation bundle
  (GitHub's own Sigstore instance: no Rekor entry, only a TSA timestamp: not supported);
* the same on the real docker-registry, in the shapes cosign and @sigstore/oci push.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ocitrace.api import Client
from ocitrace.verify import Policy, Reason, Status, Verification, VerifyReport
from ocitrace.verify.engine import verify_source
from ocitrace.verify.keyless import verify_bundle_bytes
from ocitrace.verify.trust import (
    PUBLIC_GOOD_TUF_URL,
    STAGING_TUF_URL,
    load_trusted_roots,
    shipped_trusted_root_json,
)
from tests.support.registry import RunningRegistry

from .support import (
    GHA_ISSUER,
    IMAGE_DIGEST,
    LAYOUT,
    SLSA_IDENTITY_RE,
    Mutation,
    bundle_doc,
    push_bundle_referrer,
    push_cosign_image,
    push_image,
    tamper_certificate,
    tamper_log_entry,
    tamper_payload,
    tamper_signature,
    tampered_bundle,
    tampered_layout,
)

SLSA = Policy(identity_regexp=SLSA_IDENTITY_RE, issuer=GHA_ISSUER)
SLSA_V02 = "https://slsa.dev/provenance/v0.2"
COSIGN_BUNDLE = "cosign-oci-attestation-v0.3.sigstore.json"
COSIGN_BUNDLE_ID = Policy(identity="cody@soyland.com", issuer="https://github.com/login/oauth")


def layout_ref(path: Path) -> str:
    return f"oci-layout://{path}@{IMAGE_DIGEST}"


def verify_ref(ref: str, policy: Policy) -> VerifyReport:
    with Client() as client:
        source, _ = client.open(ref)
        top = source.manifest(IMAGE_DIGEST)
        _, report = verify_source(source, top, policy)
    return report


def signed(report: VerifyReport) -> list[Verification]:
    """The cosign/bundle items (the BuildKit provenance in the image is unsigned)."""
    return [v for v in report.items if v.status is not Status.UNSIGNED]


# --- the real cosign-saved image ------------------------------------------------------------


def test_real_cosign_save_layout_verifies() -> None:
    report = verify_ref(layout_ref(LAYOUT), SLSA)
    assert report.ok
    [v] = signed(report)
    assert v.status is Status.VERIFIED and v.reason is None
    assert v.store == "cosign-tag" and v.predicate_type == SLSA_V02
    assert v.subjects == (IMAGE_DIGEST,)
    assert v.log_index == 80008005
    assert (
        v.integrated_time is not None
        and v.integrated_time.isoformat() == "2024-03-21T10:34:04+00:00"
    )
    s = v.signer
    assert s is not None
    assert s.identity == (
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
        "generator_container_slsa3.yml@refs/tags/v1.10.0"
    )
    assert s.issuer == GHA_ISSUER
    assert s.repository == "slsa-framework/example-package"
    assert s.ref == "refs/tags/v13.0.30"
    assert s.commit == "d37a7f740ee7404914456f24dcd90e865a0509e8"
    assert s.workflow.startswith(
        "https://github.com/slsa-framework/example-package/.github/workflows/"
    )
    # the unsigned BuildKit provenance is listed as such and does not count
    assert [u.store for u in report.items if u.status is Status.UNSIGNED] == ["buildkit"]


def test_exact_identity_and_issuer_regexp() -> None:
    policy = Policy(
        identity="https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
        "generator_container_slsa3.yml@refs/tags/v1.10.0",
        issuer_regexp=r"^https://token\.actions\.githubusercontent\.com$",
    )
    assert verify_ref(layout_ref(LAYOUT), policy).ok


def test_no_policy_checks_everything_but_does_not_count() -> None:
    report = verify_ref(layout_ref(LAYOUT), Policy())
    [v] = signed(report)
    assert v.status is Status.NO_POLICY and v.summary() == "signed (no policy given)"
    assert not report.ok


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (tamper_payload, Reason.SIGNATURE),
        (tamper_signature, Reason.SIGNATURE),
        (tamper_certificate, Reason.CHAIN),
        (tamper_log_entry, Reason.TLOG),
    ],
    ids=["payload", "signature", "certificate", "log-entry"],
)
def test_tampered_layout_fails_with_reason(
    tmp_path: Path, mutate: Mutation, reason: Reason
) -> None:
    report = verify_ref(layout_ref(tampered_layout(tmp_path, mutate)), SLSA)
    [v] = signed(report)
    assert v.status is Status.INVALID
    assert v.reason is reason, v.detail
    assert not report.ok


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (
            Policy(identity_regexp="^https://github.com/evil-org/", issuer=GHA_ISSUER),
            Reason.IDENTITY,
        ),
        (
            Policy(identity_regexp=SLSA_IDENTITY_RE, issuer="https://accounts.google.com"),
            Reason.ISSUER,
        ),
    ],
    ids=["identity", "issuer"],
)
def test_wrong_policy_fails_with_reason(policy: Policy, reason: Reason) -> None:
    [v] = signed(verify_ref(layout_ref(LAYOUT), policy))
    assert (v.status, v.reason) == (Status.INVALID, reason)
    assert v.signer is not None and v.signer.issuer == GHA_ISSUER  # who did sign is still said


def test_predicate_type_filter() -> None:
    slsa = verify_ref(
        layout_ref(LAYOUT),
        Policy(
            identity_regexp=SLSA_IDENTITY_RE, issuer=GHA_ISSUER, predicate_type="slsaprovenance"
        ),
    )
    assert slsa.ok and len(slsa.items) == 2  # the signed and the unsigned provenance
    vuln = verify_ref(
        layout_ref(LAYOUT),
        Policy(identity_regexp=SLSA_IDENTITY_RE, issuer=GHA_ISSUER, predicate_type="vuln"),
    )
    assert vuln.items == () and not vuln.ok


# --- real Sigstore bundles --------------------------------------------------------------------


def bundle_bytes(name: str) -> bytes:
    return json.dumps(bundle_doc(name)).encode()


PUBLIC = load_trusted_roots(None)
STAGING = load_trusted_roots(shipped_trusted_root_json(STAGING_TUF_URL).decode())


def test_cosign_v03_dsse_bundle_verifies_on_public_good() -> None:
    c = verify_bundle_bytes(bundle_bytes(COSIGN_BUNDLE), PUBLIC, COSIGN_BUNDLE_ID)
    v = c.verification
    assert v.status is Status.VERIFIED, v.detail
    assert (
        v.log_index == 175508996
        and v.signer is not None
        and v.signer.identity == "cody@soyland.com"
    )
    assert c.payload is not None and b"https://cosign.sigstore.dev/attestation/v1" in c.payload


@pytest.mark.parametrize(
    ("what", "reason"),
    [
        ("payload", Reason.SIGNATURE),
        ("signature", Reason.SIGNATURE),
        ("certificate", Reason.CHAIN),
        ("log entry", Reason.TLOG),
    ],
)
def test_tampered_bundle_fails_with_reason(what: str, reason: Reason) -> None:
    v = verify_bundle_bytes(
        tampered_bundle(COSIGN_BUNDLE, what), PUBLIC, COSIGN_BUNDLE_ID
    ).verification
    assert (v.status, v.reason) == (Status.INVALID, reason), v.detail


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (
            Policy(identity="someone@else.example", issuer="https://github.com/login/oauth"),
            Reason.IDENTITY,
        ),
        (Policy(identity="cody@soyland.com", issuer="https://accounts.google.com"), Reason.ISSUER),
    ],
)
def test_bundle_wrong_policy(policy: Policy, reason: Reason) -> None:
    v = verify_bundle_bytes(bundle_bytes(COSIGN_BUNDLE), PUBLIC, policy).verification
    assert (v.status, v.reason) == (Status.INVALID, reason)


@pytest.mark.parametrize(
    ("name", "identity"),
    [
        ("sigstore-python-bundle-v0.1-msg.sigstore.json", "a@tny.town"),
        ("sigstore-python-bundle-v0.3-msg.sigstore.json", "william@yossarian.net"),
    ],
)
def test_sigstore_python_bundles_are_staging_bundles(name: str, identity: str) -> None:
    policy = Policy(identity=identity)
    staged = verify_bundle_bytes(bundle_bytes(name), STAGING, policy).verification
    assert staged.status is Status.VERIFIED, staged.detail
    public = verify_bundle_bytes(bundle_bytes(name), PUBLIC, policy).verification
    assert (public.status, public.reason) == (Status.INVALID, Reason.CHAIN)
    # several roots (JSON lines): the one that fits wins
    lines = "\n".join(
        json.dumps(json.loads(shipped_trusted_root_json(url)))
        for url in (PUBLIC_GOOD_TUF_URL, STAGING_TUF_URL)
    )
    multi = verify_bundle_bytes(bundle_bytes(name), load_trusted_roots(lines), policy).verification
    assert multi.status is Status.VERIFIED


def test_staging_message_bundle_tampered_signature() -> None:
    name = "sigstore-python-bundle-v0.3-msg.sigstore.json"
    v = verify_bundle_bytes(
        tampered_bundle(name, "signature"), STAGING, Policy(identity="william@yossarian.net")
    ).verification
    assert (v.status, v.reason) == (Status.INVALID, Reason.SIGNATURE)


SIGSTORE_JS = "sigstore-go-bundle-v0.1-dsse-sigstorejs-slsa1.sigstore.json"
SIGSTORE_JS_ID = Policy(
    identity_regexp="^https://github.com/sigstore/sigstore-js/", issuer=GHA_ISSUER
)


def test_sigstore_js_v01_dsse_bundle_with_intoto_entry_verifies() -> None:
    """sigstore.js 2.0.0's npm provenance: v0.1 DSSE bundle whose Rekor entry is
    intoto/0.0.2 (sigstore-python checks chain, SCT, proof, SET; the entry body here)."""
    c = verify_bundle_bytes(bundle_bytes(SIGSTORE_JS), PUBLIC, SIGSTORE_JS_ID)
    v = c.verification
    assert v.status is Status.VERIFIED, v.detail
    assert v.log_index == 31821305
    assert v.signer is not None and (v.signer.repository, v.signer.ref) == (
        "sigstore/sigstore-js",
        "refs/heads/main",
    )
    assert c.payload is not None and b"https://slsa.dev/provenance/v1" in c.payload


@pytest.mark.parametrize(
    ("what", "reason"),
    [
        ("payload", Reason.SIGNATURE),
        ("signature", Reason.SIGNATURE),
        ("certificate", Reason.CHAIN),
        ("log entry", Reason.TLOG),
    ],
)
def test_sigstore_js_tampered(what: str, reason: Reason) -> None:
    data = tampered_bundle(SIGSTORE_JS, what) if what != "payload" else _tampered_js_payload()
    v = verify_bundle_bytes(data, PUBLIC, SIGSTORE_JS_ID).verification
    assert (v.status, v.reason) == (Status.INVALID, reason), v.detail


def _tampered_js_payload() -> bytes:
    import base64

    doc = bundle_doc(SIGSTORE_JS)
    stmt = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
    stmt["subject"][0]["name"] = "pkg:npm/evil@1.0.0"
    doc["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(stmt).encode()).decode()
    return json.dumps(doc).encode()


def test_sigstore_js_entry_for_another_envelope_is_a_log_failure() -> None:
    """A valid envelope and certificate with a log entry whose body records other
    signatures: the intoto/0.0.2 body check refuses it."""
    from sigstore.errors import VerificationError

    from ocitrace.verify.keyless import (
        _load_bundle,
        _validate_intoto_v002_entry_body,
        parse_bundle_doc,
    )

    bundle = _load_bundle(parse_bundle_doc(bundle_doc(SIGSTORE_JS)))
    _validate_intoto_v002_entry_body(bundle)  # the real one holds
    inner = bundle._inner
    env = inner.dsse_envelope
    assert env is not None
    other = env.model_copy(update={"payload_type": "application/other"})
    forged = _load_bundle(inner.model_copy(update={"dsse_envelope": other}))
    with pytest.raises(VerificationError):
        _validate_intoto_v002_entry_body(forged)


def test_github_attestation_bundle_is_another_instance() -> None:
    v = verify_bundle_bytes(
        bundle_bytes("cli-gh-provenance-demo-bundle.jsonl"), PUBLIC, Policy()
    ).verification
    assert v.status is Status.UNSUPPORTED and v.reason is Reason.TLOG


# --- registry shapes --------------------------------------------------------------------------


def registry_report(reg: RunningRegistry, repo: str, digest: str, policy: Policy) -> VerifyReport:
    with Client() as client:
        ref = f"{reg.host}/{repo}@{digest}"
        source, _ = client.open(ref)
        _, report = verify_source(source, source.manifest(digest), policy)
    return report


def test_registry_cosign_att_tag_verifies(registry: RunningRegistry) -> None:
    digest = push_cosign_image(registry, "verify/slsa")
    assert digest == IMAGE_DIGEST
    report = registry_report(registry, "verify/slsa", digest, SLSA)
    assert report.ok
    [v] = signed(report)
    assert v.store == "cosign-tag" and v.status is Status.VERIFIED


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (tamper_signature, Reason.SIGNATURE),
        (tamper_certificate, Reason.CHAIN),
        (tamper_log_entry, Reason.TLOG),
    ],
    ids=["signature", "certificate", "log-entry"],
)
def test_registry_tampered_att(
    registry: RunningRegistry,
    tmp_path: Path,
    mutate: Callable[..., tuple[bytes, dict[str, str]]],
    reason: Reason,
) -> None:
    repo = f"verify/tampered-{reason.name.lower()}"
    digest = push_cosign_image(registry, repo, layout=tampered_layout(tmp_path, mutate))
    [v] = signed(registry_report(registry, repo, digest, SLSA))
    assert (v.status, v.reason) == (Status.INVALID, reason)


def test_registry_att_moved_to_another_image_fails_subject(registry: RunningRegistry) -> None:
    """A valid attestation copied onto another image's .att tag names the wrong subject."""
    other = push_image(registry, "verify/moved", "other", "other image")
    push_cosign_image(registry, "verify/moved", att_for=other)
    report = registry_report(registry, "verify/moved", other, SLSA)
    [v] = signed(report)
    assert (v.status, v.reason) == (Status.INVALID, Reason.SUBJECT)
    assert IMAGE_DIGEST in v.detail and not report.ok


def test_registry_bundle_referrer(registry: RunningRegistry) -> None:
    """cosign's real v0.3 bundle as a referrer (fallback tag): signature, chain, log and
    identity verify; its statement names cosign's own test image, so bound to ours it is
    refused for the subject."""
    image = push_image(registry, "verify/bundle", "v1", "bundle")
    with Client() as client:
        size = len(client.open(f"{registry.host}/verify/bundle@{image}")[0].manifest(image).data)
    push_bundle_referrer(
        registry,
        "verify/bundle",
        image,
        size,
        bundle_bytes(COSIGN_BUNDLE),
        "https://cosign.sigstore.dev/attestation/v1",
    )
    report = registry_report(registry, "verify/bundle", image, COSIGN_BUNDLE_ID)
    [v] = report.items
    assert v.store == "bundle"
    assert (v.status, v.reason) == (Status.INVALID, Reason.SUBJECT)
    assert v.subjects == (
        "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4",
    )
    assert v.log_index == 175508996  # everything before the subject check held
    tampered = push_image(registry, "verify/bundle", "v2", "bundle tampered")
    with Client() as client:
        size = len(
            client.open(f"{registry.host}/verify/bundle@{tampered}")[0].manifest(tampered).data
        )
    push_bundle_referrer(
        registry, "verify/bundle", tampered, size, tampered_bundle(COSIGN_BUNDLE, "signature")
    )
    [t] = registry_report(registry, "verify/bundle", tampered, COSIGN_BUNDLE_ID).items
    assert (t.status, t.reason) == (Status.INVALID, Reason.SIGNATURE)


def test_registry_github_attestation_bundle_is_reported_unsupported(
    registry: RunningRegistry,
) -> None:
    """actions/attest's shape (v0.3 bundle referrer, fallback tag): GitHub's own Sigstore
    instance has no Rekor entry, which sigstore-python 4.x cannot verify: said plainly."""
    image = push_image(registry, "verify/gh", "v1", "gh")
    with Client() as client:
        size = len(client.open(f"{registry.host}/verify/gh@{image}")[0].manifest(image).data)
    push_bundle_referrer(
        registry,
        "verify/gh",
        image,
        size,
        bundle_bytes("cli-gh-provenance-demo-bundle.jsonl"),
        "https://slsa.dev/provenance/v1",
    )
    [v] = registry_report(registry, "verify/gh", image, SLSA).items
    assert v.store == "bundle" and v.status is Status.UNSUPPORTED
    assert "no transparency log entry" in v.summary()
