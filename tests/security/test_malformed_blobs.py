"""Malformed blobs in otherwise valid images: exit 7 naming the blob, and batch commands
keep going (issue 12 item 6).

Each hostile image is a real BuildKit fixture layout with one document rewritten
(:func:`~tests.security.hostile_layouts.rewrite_blob` fixes every parent's digest, so
only the one document is wrong): the parse boundary in ``oci/`` and ``attest/`` names
what it parsed — ``index sha256:… of REPO``, ``manifest sha256:…``, ``layer sha256:…
(MEDIA TYPE) of REPO`` — whichever command reads it.  The same images pushed to a real
docker-registry (distribution stores the bytes as given) show ``digest`` and ``audit``
reporting the good references and one error row for the bad one.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ocitrace.cli.main import main
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

from .hostile_layouts import blob_json, copy_fixture, rewrite_blob, sha

FIXTURE = "multi-prov-max"  # index: amd64, arm64, arm/v7 + BuildKit provenance (mode=max)
AMD64 = "sha256:379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"
AMD64_ATTESTATION = "sha256:67739fb92536e88ee36f0a9d4088058754e616b5826e941f269b1660e83497c8"
ARM64 = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
SURROGATE = b'"annotations": {"org.example.note": "\\udcff"}, '


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(), stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def top_digest(layout: Path) -> str:
    digest: str = json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
    return digest


def bad_top_index(dest: Path) -> tuple[Path, str]:
    """The fixture whose top index has an annotation holding a lone surrogate (valid JSON
    that Go's decoder accepts; not Unicode text)."""
    root = copy_fixture(FIXTURE, dest)
    top = top_digest(root)
    raw = (root / "blobs" / "sha256" / top.split(":")[1]).read_bytes()
    assert raw.count(b'"manifests"') == 1
    return root, rewrite_blob(root, top, raw.replace(b'"manifests"', SURROGATE + b'"manifests"'))


def bad_provenance_layer(dest: Path) -> tuple[Path, str]:
    """The fixture whose amd64 provenance statement has ``"subject": 5``."""
    root = copy_fixture(FIXTURE, dest)
    layer = blob_json(root, AMD64_ATTESTATION)["layers"][0]
    assert layer["mediaType"] == "application/vnd.in-toto+json"
    statement = blob_json(root, layer["digest"])
    statement["subject"] = 5
    return root, rewrite_blob(root, layer["digest"], json.dumps(statement).encode())


def bad_platform_manifest(dest: Path) -> tuple[Path, str]:
    """The fixture whose amd64 image manifest has ``"layers": 5``."""
    root = copy_fixture(FIXTURE, dest)
    manifest = blob_json(root, AMD64)
    manifest["layers"] = 5
    return root, rewrite_blob(root, AMD64, json.dumps(manifest).encode())


# --- a hostile layout: exit 7, the blob named ------------------------------------------------


def test_hostile_layout_fixup_is_consistent(tmp_path: Path) -> None:
    """Only the one document is wrong: the original fixture and the other platforms read."""
    root, bad = bad_platform_manifest(tmp_path / "l")
    code, out, err = run("digest", "--platform", "linux/amd64", f"oci-layout://{root}:v1")
    assert (code, out) == (0, bad + "\n"), err  # the index points at the rewritten manifest
    code, out, err = run("digest", "--platform", "linux/arm64", f"oci-layout://{root}:v1")
    assert (code, out) == (0, ARM64 + "\n"), err


@pytest.mark.parametrize(
    "argv",
    [
        ["attestations"],
        ["provenance"],
        ["sbom"],
        ["inspect"],
        ["digest", "--platform", "linux/amd64"],
        ["verify", "--certificate-identity", "x", "--certificate-oidc-issuer", "y"],
    ],
    ids=lambda a: a[0],
)
def test_malformed_top_index_names_it(tmp_path: Path, argv: list[str]) -> None:
    root, bad = bad_top_index(tmp_path / "l")
    code, out, err = run(*argv, f"oci-layout://{root}:v1")
    assert (code, out) == (7, ""), err
    assert f"index {bad}" in err and "annotations is not valid Unicode text" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_malformed_image_manifest_names_it(tmp_path: Path) -> None:
    root, bad = bad_platform_manifest(tmp_path / "l")
    code, out, err = run("inspect", "--format", "{{json .Image}}", f"oci-layout://{root}:v1")
    assert (code, out) == (7, ""), err
    assert err == f"ocitrace: error: manifest {bad}: layers is not a list\n"


def test_diff_names_a_malformed_image_manifest(tmp_path: Path) -> None:
    root, bad = bad_platform_manifest(tmp_path / "l")
    good = f"oci-layout://{fixture_dir(FIXTURE)}:v1"
    code, out, err = run("diff", "--platform", "linux/amd64", good, f"oci-layout://{root}:v1")
    assert (code, out) == (7, ""), err
    assert err == f"ocitrace: error: manifest {bad} of oci-layout://{root}: layers is not a list\n"


def test_malformed_attestation_layer_names_it(tmp_path: Path) -> None:
    root, bad = bad_provenance_layer(tmp_path / "l")
    ref = f"oci-layout://{root}:v1"
    label = f"layer {bad} (application/vnd.in-toto+json) of oci-layout://{root}"
    code, out, err = run("provenance", "--platform", "linux/amd64", ref)
    assert (code, out) == (7, ""), err
    assert f"{label}: in-toto statement: subject is not a list" in err
    # listing keeps going: the bad item is one row with its error, the others decoded
    code, out, err = run("attestations", "--json", ref)
    assert code == 0, err
    items = json.loads(out)["attestations"]
    [broken] = [a for a in items if a["error"]]
    assert broken["layerDigest"] == bad and broken["errorKind"] == "FormatError"
    assert broken["error"].startswith(label)
    assert sorted(a["platform"] for a in items if not a["error"]) == ["linux/arm/v7", "linux/arm64"]
    # the other platforms' provenance still reads
    code, out, err = run("provenance", "--json", "--platform", "linux/arm64", ref)
    assert code == 0 and json.loads(out)[0]["attachedTo"] == ARM64, err


STATEMENT = (
    b'{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/'
    b'provenance/v1", "subject": [{"name": "x", "digest": {"sha256": "%s"}}], "predicate": %s}'
)
INTOTO = "application/vnd.in-toto+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
HEX = AMD64.split(":")[1].encode()
BAD_LAYERS = {
    "nan": (INTOTO, STATEMENT % (HEX, b'{"n": NaN}'), "non-finite number NaN"),
    "huge": (INTOTO, STATEMENT % (HEX, b'{"n": 1e999}'), "number out of range"),
    "digits": (INTOTO, STATEMENT % (HEX, b'{"n": ' + b"9" * 5000 + b"}"), "4300 digits"),
    "surrogate": (
        INTOTO,
        STATEMENT.replace(b'"x"', b'"\\udcff"') % (HEX, b"{}"),
        "subject name is not valid Unicode text",
    ),
    "predicate-list": (INTOTO, STATEMENT % (HEX, b"[1]"), "predicate is not a JSON object"),
    "dsse-shape": (DSSE, b'{"payloadType": "x", "payload": 5}', "DSSE payload is not a base64"),
    "bundle-shape": (
        BUNDLE,
        b'{"mediaType": "%s", "dsseEnvelope": []}' % BUNDLE.encode(),
        "Sigstore bundle",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LAYERS))
def test_malformed_provenance_layers_exit_7_naming_the_layer(tmp_path: Path, case: str) -> None:
    """Numbers, digit limits, lone surrogates, wrong predicate, envelope and bundle shapes in
    the amd64 provenance layer (its manifest says which media type): exit 7, layer named."""
    media_type, body, why = BAD_LAYERS[case]
    root = copy_fixture(FIXTURE, tmp_path / "l")
    att = blob_json(root, AMD64_ATTESTATION)
    layer = att["layers"][0]
    layer.update(mediaType=media_type, digest=sha(body), size=len(body))
    (root / "blobs" / "sha256" / sha(body).split(":")[1]).write_bytes(body)
    rewrite_blob(root, AMD64_ATTESTATION, json.dumps(att).encode())
    ref = f"oci-layout://{root}:v1"
    code, out, err = run("provenance", "--platform", "linux/amd64", ref)
    assert (code, out) == (7, ""), err
    assert f"layer {sha(body)}" in err and why in err and len(err.splitlines()) == 1
    code, out, err = run("provenance", "--json", ref)  # the other platforms: warned, shown
    assert code == 0 and {e["platform"] for e in json.loads(out)} == {"linux/arm64", "linux/arm/v7"}


# --- batch commands on a real registry keep going ---------------------------------------------


@pytest.fixture
def hostile_namespace(registry: RunningRegistry, tmp_path: Path) -> dict[str, str]:
    """``mal/good-*`` (real fixtures) and ``mal/bad-index`` (surrogate annotation) pushed
    byte for byte; returns repository -> top digest."""
    out = {}
    for repo, layout in (
        ("mal/good-multi", fixture_dir(FIXTURE)),
        ("mal/good-single", fixture_dir("single-plain")),
        ("mal/bad-index", bad_top_index(tmp_path / "bad")[0]),
    ):
        out[repo] = push_layout(registry, layout, repo, "v1", auth=None)
    return out


def test_digest_batch_reports_the_good_and_names_the_bad(
    registry: RunningRegistry, hostile_namespace: dict[str, str]
) -> None:
    refs = [f"{registry.host}/{repo}:v1" for repo in hostile_namespace]
    code, out, err = run("digest", "--json", "--platform", "linux/arm64", *refs)
    assert code == 11, err  # partial: the others were printed
    rows = {r["input"]: r for r in map(json.loads, out.splitlines())}
    assert rows[refs[0]]["digest"] == ARM64 and rows[refs[1]]["digest"] == ARM64
    bad = rows[refs[2]]
    assert bad["errorKind"] == "FormatError"
    assert (
        f"index {hostile_namespace['mal/bad-index']} of {registry.host}/mal/bad-index"
        in (bad["error"])
    )


def test_audit_namespace_keeps_going_with_an_error_row(
    registry: RunningRegistry, hostile_namespace: dict[str, str]
) -> None:
    code, out, err = run("audit", "-o", "json", "--no-cache", f"{registry.host}/mal/")
    assert code == 11, err
    doc = json.loads(out)
    rows = doc["rows"] if isinstance(doc, dict) else doc
    bad = [r for r in rows if r["repository"].endswith("mal/bad-index")]
    good = [r for r in rows if not r["repository"].endswith("mal/bad-index")]
    assert [r["errorKind"] for r in bad] == ["FormatError"]
    assert hostile_namespace["mal/bad-index"] in bad[0]["error"]
    assert good and all(r["errorKind"] is None for r in good)
    assert {r["repository"].rsplit("/", 1)[1] for r in good} == {"good-multi", "good-single"}
