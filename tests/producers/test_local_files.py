"""Local attestation files (--bundle FILE): Sigstore bundles, DSSE envelopes and the JSON
lines ``gh attestation download`` writes, checked against the digest of the reference.
Expected values read from the files (see test_realworld_stores for the decoded fields).

End to end (``attestations``/``provenance``/``verify --bundle``) on the real
slsa-github-generator image that ``cosign save`` wrote (fixtures/realworld), on a real
docker-registry and as the layout itself: its ``.att`` DSSE envelope, saved as a file,
names the image; the real-world bundles name other artefacts (subject-mismatch, and
``invalid: subject`` once the signature, chain and log entry held)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocitrace.discover import INDEX_LEVEL, Envelope, Kind, Store
from ocitrace.discover.local import local_discovery, read_attestation_file, read_attestation_path
from ocitrace.discover.model import Attestation, Discovery, PlatformImage
from ocitrace.discover.select import provenances, sboms
from ocitrace.errors import ConfigError, FormatError
from ocitrace.oci.model import Descriptor
from tests.support.registry import RunningRegistry
from tests.verify.support import (
    ATT_MANIFEST,
    GHA_ISSUER,
    IMAGE_DIGEST,
    LAYOUT,
    SLSA_IDENTITY_RE,
    blob_path,
    read_json,
)

from .support import REALWORLD

GH_SUBJECT = "sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b"
GENERIC_SUBJECT = "sha256:d1faeb68e9bf4b3790bb08cc39fd2afb68ee37371c8b9f705e2e68f449b56240"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def test_gh_attestation_download_jsonl_matches_its_subject() -> None:
    items = read_attestation_path(REALWORLD / "cli-gh-provenance-demo-bundle.jsonl")
    assert len(items) == 1
    (a,) = items
    assert (a.store, a.kind, a.envelope, a.signatures) == (
        Store.FILE,
        Kind.ATTESTATION,
        Envelope.BUNDLE,
        1,
    )
    assert a.found_via.endswith("cli-gh-provenance-demo-bundle.jsonl")  # one line: one document
    top = Descriptor(MANIFEST, GH_SUBJECT, 100)
    d = local_discovery(items, top)
    assert d.findings == ()
    assert d.attestations[0].attached_to == GH_SUBJECT
    (found,) = provenances(d)
    assert found.record.source_repository == "https://github.com/actions/attest-demo"


def test_dsse_envelope_for_another_digest_is_a_subject_mismatch() -> None:
    items = read_attestation_path(REALWORLD / "slsa-verifier-gha-generic-v1.2.0.intoto.jsonl")
    assert [(a.envelope, a.predicate_type, a.subjects) for a in items] == [
        (Envelope.DSSE, "https://slsa.dev/provenance/v0.2", (GENERIC_SUBJECT,))
    ]
    other = "sha256:" + "0" * 64
    d = local_discovery(items, Descriptor(MANIFEST, other, 1))
    assert [f.code for f in d.findings] == ["subject-mismatch"]
    assert d.attestations[0].attached_to == other  # still listed, on the image asked for


def test_sha512_only_subject_cannot_name_the_image() -> None:
    items = read_attestation_path(
        REALWORLD / "sigstore-go-bundle-v0.1-dsse-sigstorejs-slsa1.sigstore.json"
    )
    (a,) = items
    assert a.subjects[0].startswith("sha512:46d4e2f7")
    d = local_discovery(items, Descriptor(MANIFEST, "sha256:" + "1" * 64, 1))
    (f,) = d.findings
    assert f.code == "subject-mismatch" and "no sha256 subject" in f.message


def test_statement_naming_a_platform_image_attaches_to_it() -> None:
    stmt = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "x", "digest": {"sha256": "2" * 64, "sha512": "3" * 128}}],
        "predicateType": "https://example.invalid/p",
        "predicate": {},
    }
    img = PlatformImage(
        "sha256:" + "2" * 64, "linux/amd64", Descriptor(MANIFEST, "sha256:" + "2" * 64, 1)
    )
    top = Descriptor("application/vnd.oci.image.index.v1+json", "sha256:" + "4" * 64, 1)
    items = read_attestation_file(json.dumps(stmt).encode(), name="s.json")
    assert items[0].subjects == ("sha256:" + "2" * 64, "sha512:" + "3" * 128)
    d = local_discovery(items, top, [img])
    assert d.findings == () and d.attestations[0].platform == "linux/amd64"


def test_github_api_answer_and_bad_input(tmp_path: Path) -> None:
    bundle = json.loads((REALWORLD / "cli-gh-provenance-demo-bundle.jsonl").read_text())
    api = {"attestations": [{"bundle": bundle, "repository_id": 1}]}
    (a,) = read_attestation_file(json.dumps(api).encode(), name="api.json")
    assert a.subjects == (GH_SUBJECT,) and a.found_via == "api.json attestation 1"
    with pytest.raises(FormatError):
        read_attestation_file(b"", name="empty")
    with pytest.raises(FormatError):
        read_attestation_path(REALWORLD / "syft-spdx-image-golden.json")  # an SBOM, no attestation
    with pytest.raises(ConfigError, match=r"missing\.jsonl: no such file"):
        read_attestation_path(tmp_path / "missing.jsonl")


def test_unknown_sbom_format_is_named_not_dropped() -> None:
    layer = Descriptor("text/spdx", "sha256:" + "5" * 64, 22)
    item = Attestation(
        Store.COSIGN_TAG,
        Kind.SBOM,
        "sha256:" + "6" * 64,
        "sha256:" + "7" * 64,
        INDEX_LEVEL,
        layer,
        "text/spdx",
        data=b"SPDXVersion: SPDX-2.3\n",
    )
    d = Discovery(Descriptor(MANIFEST, "sha256:" + "7" * 64, 1), (), (item,), (), ())
    (doc,) = sboms(d)
    assert doc.sbom.summary.format == "unknown: text/spdx"
    assert doc.format == "unknown" and not doc.primary and doc.sbom.packages == ()


# --- end to end: --bundle on attestations, provenance, verify --------------------------------

GH = REALWORLD / "cli-gh-provenance-demo-bundle.jsonl"
COSIGN_BUNDLE = REALWORLD / "cosign-oci-attestation-v0.3.sigstore.json"
SLSA_POLICY = (
    "--certificate-identity-regexp",
    SLSA_IDENTITY_RE,
    "--certificate-oidc-issuer",
    GHA_ISSUER,
)
COSIGN_SUBJECT = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4"


def run(*argv: str) -> tuple[int, str, str]:
    import io

    from ocitrace.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def att_envelope_file(tmp: Path) -> Path:
    """The real ``.att`` layer (slsa-github-generator's DSSE envelope, naming the image)
    as a local file, as a release asset would hold it."""
    man = read_json(LAYOUT, ATT_MANIFEST)
    path = tmp / "image.intoto.jsonl"
    path.write_bytes(blob_path(LAYOUT, man["layers"][0]["digest"]).read_bytes())
    return path


@pytest.fixture(params=["registry", "layout"])
def image_ref(request: pytest.FixtureRequest) -> str:
    """The cosign-saved image, without its .att tag (the attestation lives elsewhere)."""
    if request.param == "layout":
        return f"oci-layout://{LAYOUT}@{IMAGE_DIGEST}"
    reg: RunningRegistry = request.getfixturevalue("registry")
    from tests.support.registry import push_layout

    assert push_layout(reg, LAYOUT, "local/slsa-image", "v1", auth=None) == IMAGE_DIGEST
    return f"{reg.host}/local/slsa-image@{IMAGE_DIGEST}"


def test_attestations_lists_file_items_checked_against_the_digest(
    image_ref: str, tmp_path: Path
) -> None:
    env = att_envelope_file(tmp_path)
    code, out, err = run(
        "att", "--json", "--no-cosign", "--bundle", str(env), "--bundle", str(GH), image_ref
    )
    assert code == 0, err
    doc = json.loads(out)
    files = [a for a in doc["attestations"] if a["store"] == "file"]
    assert [(a["foundVia"], a["envelope"], a["predicateType"]) for a in files] == [
        (str(env), "dsse", "https://slsa.dev/provenance/v0.2"),
        (str(GH), "bundle", "https://slsa.dev/provenance/v1"),
    ]
    assert files[0]["subjects"] == [IMAGE_DIGEST] and files[0]["attachedTo"] == IMAGE_DIGEST
    assert files[0]["platform"] == INDEX_LEVEL and files[0]["manifestDigest"] == ""
    mismatches = [f for f in doc["findings"] if f["code"] == "subject-mismatch"]
    assert [f["digest"] for f in mismatches] == [files[1]["layerDigest"]]
    assert GH_SUBJECT in mismatches[0]["message"] and IMAGE_DIGEST in mismatches[0]["message"]
    places = [c["place"] for c in doc["checked"]]
    assert f"file {env}" in places and f"file {GH}" in places
    code, text, err = run("att", "--no-cosign", "--bundle", str(env), image_ref)
    assert code == 0, err
    assert f"file:{env}" in text and "https://slsa.dev/provenance/v0.2" in text


def test_provenance_from_a_file_and_a_mismatch_warning(image_ref: str, tmp_path: Path) -> None:
    env = att_envelope_file(tmp_path)
    code, out, err = run("provenance", "--json", "--no-cosign", "--bundle", str(env), image_ref)
    assert code == 0, err
    [entry] = [e for e in json.loads(out) if e["store"] == "file"]
    assert entry["provenance"]["builderId"] == (
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
        "generator_container_slsa3.yml@refs/tags/v1.10.0"
    )
    assert entry["attachedTo"] == IMAGE_DIGEST and "warning" not in err
    code, out, err = run("provenance", "--no-cosign", "--bundle", str(GH), image_ref)
    assert code == 0
    assert f"(file:{GH})" in out
    assert "warning:" in err and GH_SUBJECT in err  # made for another artefact: said so


def test_verify_bundle_files_offline(image_ref: str) -> None:
    """cosign's real bundle: signature, chain and Rekor entry hold against the shipped
    public-good root, the subject is cosign's test image, not ours; GitHub's bundle
    (its own Sigstore instance, TSA only) is reported unsupported with the reason."""
    code, out, err = run(
        "verify",
        "--json",
        "--bundle",
        str(COSIGN_BUNDLE),
        "--certificate-identity",
        "cody@soyland.com",
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
        image_ref,
    )
    assert code == 9, err
    [v] = [i for i in json.loads(out)["items"] if i["store"] == "file"]
    assert (v["status"], v["reason"], v["logIndex"]) == ("invalid", "subject", 175508996)
    assert v["signer"]["identity"] == "cody@soyland.com" and COSIGN_SUBJECT in v["detail"]
    code, out, err = run(
        "verify",
        "--bundle",
        str(GH),
        "--certificate-identity-regexp",
        SLSA_IDENTITY_RE,
        "--certificate-oidc-issuer",
        GHA_ISSUER,
        image_ref,
    )
    # the layout also holds the image's verifiable cosign .att; the registry copy does not
    assert code == (0 if image_ref.startswith("oci-layout://") else 9)
    [line] = [x for x in out.splitlines() if " file " in x]
    assert "verification not supported" in line and "no transparency log entry" in line
    # slsa-github-generator's envelope: certificate in the signature, Rekor entry elsewhere
    generic = REALWORLD / "slsa-verifier-gha-generic-v1.2.0.intoto.jsonl"
    code, out, err = run("verify", "--json", "--bundle", str(generic), *SLSA_POLICY, image_ref)
    [v] = [i for i in json.loads(out)["items"] if i["store"] == "file"]
    assert (v["status"], v["method"]) == ("unsupported", "cosign-keyless")
    assert "without a transparency log entry" in v["detail"]


def test_bad_bundle_files_name_the_file(tmp_path: Path) -> None:
    ref = f"oci-layout://{LAYOUT}@{IMAGE_DIGEST}"
    missing = tmp_path / "nope.jsonl"
    for cmd in ("attestations", "provenance"):
        code, out, err = run(cmd, "--bundle", str(missing), ref)
        assert (code, out) == (2, "")
        assert err.startswith(f"ocitrace: error: {missing}: no such file")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(GH.read_text().strip() + "\n[1]\n")  # a good line, then a bad one
    code, out, err = run("attestations", "--bundle", str(bad), ref)
    assert (code, out) == (7, "") and err.startswith(f"ocitrace: error: {bad} line 2: ")
    assert len(err.splitlines()) == 1
    binary = tmp_path / "tool.jsonl"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\xd0\x00")
    code, out, err = run("attestations", "--bundle", str(binary), ref)
    assert (code, out) == (7, "") and err.startswith(f"ocitrace: error: {binary}: not UTF-8 text")
    sbom = REALWORLD / "syft-spdx-image-golden.json"
    code, out, err = run("verify", "--key", str(sbom), "--bundle", str(sbom), ref)
    assert code in (2, 7) and str(sbom) in err  # the key is refused first, or the file
    code, _, err = run(
        "verify",
        "--certificate-identity",
        "x",
        "--certificate-oidc-issuer",
        "y",
        "--bundle",
        str(sbom),
        ref,
    )
    assert code == 7 and f"{sbom}: not a Sigstore bundle" in err
