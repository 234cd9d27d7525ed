"""Terminal injection, end to end: hostile registry text through every command (issue 12.1).

A real registry (Debian's docker-registry) stores whatever JSON it is given, so the image
pushed here carries hostile strings where BuildKit writes names: index and manifest
annotations, a platform's OS, image-config labels, provenance (builder, source, build
args, materials) and SPDX package fields; the registry cannot hold hostile tags or
repository names (it validates them), so those come from a purpose-built server.
Every human-readable output must show them escaped (no raw C0 but newline/tab, DEL,
C1 or lone surrogate), while ``--raw``, ``manifest``, SBOM documents, ``--format`` and
JSON keep the stored values exactly.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.inproc import run_cli
from tests.support.registry import RunningRegistry, push_blob, push_manifest

from .hostile import HostileServer, Reply, Seen

#: CSI erase screen, OSC 0 title, OSC 8 hyperlink, OSC 52 clipboard, C1 CSI, DEL, BEL, CR.
HOSTILE = (
    "x\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"
    "\x1b]52;c;ZXZpbA==\x07\x9b31m\x7f\r\nFORGED line\t"
)
HOSTILE2 = "y\x1b[H\x1b]52;c;dHdv\x07\x9b2J\x7f"
#: How HOSTILE looks once escaped (a prefix of it: ESC, BEL and C1 shown as \xHH).
SHOWN = "x\\x1b[2J\\x1b]0;pwned\\x07"
SHOWN2 = "y\\x1b[H\\x1b]52;c;dHdv\\x07"

_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SGR = re.compile("\x1b\\[[0-9;]*m")

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
INTOTO = "application/vnd.in-toto+json"
SLSA02 = "https://slsa.dev/provenance/v0.2"
SPDX = "https://spdx.dev/Document"


def assert_clean(text: str, *, sgr: bool = False) -> None:
    """No terminal control character (newline and tab are structure); ``sgr``: ocitrace's
    own colour sequences allowed."""
    if sgr:
        text = _SGR.sub("", text)
    bad = _BAD.search(text)
    assert bad is None, (
        f"raw {bad.group()!r} at {bad.start()}: {text[max(0, bad.start() - 60) : bad.start() + 20]!r}"
    )


def strings(obj: object) -> Iterator[str]:
    """Every string (keys and values) in a decoded JSON document."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


#: survives ocitrace's lower-casing of platform names, so any copy of HOSTILE has it.
MARK = "\x1b]0;pwned\x07"


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _desc(media_type: str, data: bytes, **extra: object) -> dict[str, object]:
    return {"mediaType": media_type, "digest": _sha(data), "size": len(data), **extra}


def _json(obj: object) -> bytes:
    return json.dumps(obj, indent=2).encode()  # ensure_ascii: \u001b, \ud800 as escapes


@dataclass
class Pushed:
    ref: str
    index: bytes
    image: bytes
    provenance: bytes  # the in-toto statement layer
    sbom: bytes


def push_hostile(reg: RunningRegistry, repo: str, tag: str, evil: str) -> Pushed:
    """A BuildKit-shaped index: a linux/amd64 image, a second image whose platform OS is
    hostile, and the amd64 image's attestation manifest (SLSA v0.2 provenance + SPDX)."""
    config = _json(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2026-11-01T10:00:00Z",
            "config": {"Labels": {"evil": evil}, "Env": [f"EVIL={evil}"], "User": evil},
            "rootfs": {"type": "layers", "diff_ids": []},
        }
    )
    push_blob(reg, repo, config)
    image = _json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": _desc(OCI_CONFIG, config),
            "layers": [],
            "annotations": {"org.opencontainers.image.title": evil},
        }
    )
    push_manifest(reg, repo, _sha(image), image, OCI_MANIFEST)
    subject = [{"name": f"pkg:docker/{repo}@{tag}", "digest": {"sha256": _sha(image)[7:]}}]
    provenance = _json(
        {
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": SLSA02,
            "subject": subject,
            "predicate": {
                "builder": {"id": f"https://builder/{evil}"},
                "buildType": "https://mobyproject.org/buildkit@v1",
                "materials": [
                    {
                        "uri": f"pkg:docker/alpine{evil}@3.19?platform=linux%2Famd64",
                        "digest": {"sha256": "a" * 64},
                    }
                ],
                "invocation": {
                    "configSource": {"entryPoint": "Dockerfile", "uri": f"https://git/{evil}"},
                    "parameters": {
                        "frontend": "dockerfile.v0",
                        "args": {"build-arg:EVIL": evil, "label:evil": evil},
                    },
                },
                "metadata": {
                    "buildStartedOn": "2026-11-01T09:59:00Z",
                    "buildFinishedOn": "2026-11-01T10:00:00Z",
                    "https://mobyproject.org/buildkit@v1#metadata": {
                        "vcs": {"source": f"https://github.com/acme/{evil}", "revision": evil}
                    },
                },
            },
        }
    )
    sbom = _json(
        {
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": SPDX,
            "subject": subject,
            "predicate": {
                "spdxVersion": "SPDX-2.3",
                "dataLicense": "CC0-1.0",
                "SPDXID": "SPDXRef-DOCUMENT",
                "name": f"sbom{evil}",
                "documentNamespace": "https://example.test/sbom",
                "creationInfo": {"created": "2026-11-01T10:00:00Z", "creators": [f"Tool: {evil}"]},
                "packages": [
                    {
                        "name": f"pkg{evil}",
                        "SPDXID": "SPDXRef-p1",
                        "versionInfo": evil,
                        "licenseConcluded": evil,
                        "downloadLocation": "NOASSERTION",
                        "externalRefs": [
                            {
                                "referenceCategory": "PACKAGE-MANAGER",
                                "referenceType": "purl",
                                "referenceLocator": f"pkg:apk/alpine/evil@{evil}",
                            }
                        ],
                    }
                ],
            },
        }
    )
    empty = b"{}"
    for blob in (empty, provenance, sbom):
        push_blob(reg, repo, blob)
    att = _json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": _desc("application/vnd.oci.image.config.v1+json", empty),
            "layers": [
                _desc(INTOTO, provenance, annotations={"in-toto.io/predicate-type": SLSA02}),
                _desc(INTOTO, sbom, annotations={"in-toto.io/predicate-type": SPDX}),
            ],
        }
    )
    push_manifest(reg, repo, _sha(att), att, OCI_MANIFEST)
    index = _json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                _desc(OCI_MANIFEST, image, platform={"os": "linux", "architecture": "amd64"}),
                _desc(
                    OCI_MANIFEST,
                    image,
                    platform={"os": f"linux{evil}", "architecture": "arm64"},
                    annotations={"evil": evil},
                ),
                _desc(
                    OCI_MANIFEST,
                    att,
                    platform={"os": "unknown", "architecture": "unknown"},
                    annotations={
                        "vnd.docker.reference.digest": _sha(image),
                        "vnd.docker.reference.type": "attestation-manifest",
                    },
                ),
            ],
            "annotations": {"org.opencontainers.image.description": evil, "nul": "a\x00b"},
        }
    )
    push_manifest(reg, repo, tag, index, OCI_INDEX)
    return Pushed(f"{reg.host}/{repo}:{tag}", index, image, provenance, sbom)


@pytest.fixture(scope="module")
def hostile(registry: RunningRegistry) -> Iterator[tuple[Pushed, Pushed]]:
    yield (
        push_hostile(registry, "hostile/app", "v1", HOSTILE),
        push_hostile(registry, "hostile/app", "v2", HOSTILE2),
    )


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, text=True, env={"NO_COLOR": "", "COSIGN_REPOSITORY": ""})


# --- human-readable outputs: escaped ------------------------------------------------------------

HUMAN = [  # inspect: see the terminal/piped test below
    ("attestations",),
    ("attestations", "--checked", "--no-trunc"),
    ("provenance",),
    ("provenance", "--materials"),
    ("sbom",),
    ("sbom", "-o", "table"),
    ("digest",),
]


@pytest.mark.parametrize("argv", HUMAN, ids=" ".join)
def test_human_outputs_are_escaped(hostile: tuple[Pushed, Pushed], argv: tuple[str, ...]) -> None:
    v1, _ = hostile
    res = _run(*argv, v1.ref)
    assert res.returncode == 0, res.stderr
    assert_clean(res.stdout)
    assert_clean(res.stderr)
    forged = [
        line for line in res.stdout.splitlines() if line.lstrip().upper().startswith("FORGED")
    ]
    assert not forged, "a newline in a one-line field started a line of its own"
    if argv[0] != "digest":
        assert "\\x1b" in res.stdout  # the hostile text is shown, escaped


def test_inspect_on_a_terminal_is_escaped_and_piped_is_buildx_bytes(
    hostile: tuple[Pushed, Pushed],
) -> None:
    from ocitrace.cli.main import main

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    v1, _ = hostile
    tty, piped = Tty(), io.StringIO()
    for out in (tty, piped):
        assert main(["inspect", v1.ref], stdin=io.StringIO(), stdout=out, stderr=io.StringIO()) == 0
    assert_clean(tty.getvalue())
    assert SHOWN in tty.getvalue()
    assert MARK in piped.getvalue()  # raw, as buildx prints it (its tabwriter eats the tab)


def test_diff_text_is_escaped_and_keeps_its_own_colours(hostile: tuple[Pushed, Pushed]) -> None:
    v1, v2 = hostile
    plain = _run("diff", "--color", "never", v1.ref, v2.ref)
    assert plain.returncode == 0, plain.stderr
    assert_clean(plain.stdout)
    assert SHOWN2 in plain.stdout
    coloured = _run("diff", "--color", "always", v1.ref, v2.ref)
    assert "\x1b[32m" in coloured.stdout and "\x1b[31m" in coloured.stdout  # ours survive
    assert_clean(coloured.stdout, sgr=True)
    assert _SGR.sub("", coloured.stdout) == plain.stdout


def test_error_line_and_warnings_are_escaped(hostile: tuple[Pushed, Pushed]) -> None:
    v1, _ = hostile
    # NotFound lists the image's platforms: one of them is hostile
    res = _run("inspect", "--platform", "windows/amd64", "--format", "{{.Name}}", v1.ref)
    assert res.returncode != 0
    assert res.stderr.startswith("ocitrace: error: ")
    assert_clean(res.stderr)
    digest = _run("digest", "-", "-j", "1")
    assert_clean(digest.stderr)


def test_digest_input_errors_are_escaped() -> None:
    res = run_cli("digest", "-", stdin=f"bad ref {HOSTILE}\n", text=True)
    assert res.returncode != 0
    assert_clean(res.stderr)
    assert "\\x1b" in res.stderr


def test_verify_output_is_escaped(hostile: tuple[Pushed, Pushed], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "k.pub").write_bytes(pem)
    v1, _ = hostile
    res = _run("verify", "--key", str(tmp_path / "k.pub"), v1.ref)
    assert res.returncode == 9, res.stderr  # nothing signed: verification failed
    assert_clean(res.stdout)
    assert_clean(res.stderr)


# --- byte-exact outputs: unchanged ------------------------------------------------------------


def _bytes(*args: str) -> bytes:
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_raw_manifest_documents_and_formats_stay_exact(hostile: tuple[Pushed, Pushed]) -> None:
    v1, _ = hostile
    assert _bytes("inspect", "--raw", v1.ref) == v1.index
    assert _bytes("manifest", v1.ref) == v1.index
    fmt = '{{index .Manifest.Annotations "org.opencontainers.image.description"}}'
    assert _bytes("inspect", "--format", fmt, v1.ref) == HOSTILE.encode()  # as buildx: no \\n
    raw = _bytes("provenance", "--raw", "--platform", "linux/amd64", v1.ref)
    assert json.loads(raw) == json.loads(v1.provenance)["predicate"]
    doc = _bytes("sbom", "--write-document", "spdx-json", "--platform", "linux/amd64", v1.ref)
    assert json.loads(doc) == json.loads(v1.sbom)["predicate"]


JSON = [
    ("inspect", "--json"),
    ("attestations", "--json"),
    ("provenance", "--json"),
    ("sbom", "--json"),
]


@pytest.mark.parametrize("argv", JSON, ids=" ".join)
def test_json_outputs_keep_the_values(
    hostile: tuple[Pushed, Pushed], argv: tuple[str, ...]
) -> None:
    v1, _ = hostile
    out = _bytes(*argv, v1.ref).decode()
    needle = MARK if argv[0] == "attestations" else HOSTILE  # only the platform: lower-cased
    assert any(needle in text for text in strings(json.loads(out)))  # values exact
    assert_clean(out.replace("\x7f", ""))  # JSON escapes every control character but DEL


def test_diff_json_and_format_stay_exact(hostile: tuple[Pushed, Pushed]) -> None:
    v1, v2 = hostile
    doc = json.loads(_bytes("diff", "--json", v1.ref, v2.ref))
    assert any(HOSTILE2 in text for text in strings(doc))
    tpl = "{{range .Platforms}}{{range .Config.Labels.Changed}}{{.New}}{{end}}{{end}}"
    assert _bytes("diff", "--format", tpl, v1.ref, v2.ref) == HOSTILE2.encode() + b"\n"


# --- audit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["table", "csv", "jsonl"])
def test_audit_outputs(hostile: tuple[Pushed, Pushed], output: str, tmp_path: Path) -> None:
    v1, _ = hostile
    repo = v1.ref.rsplit(":", 1)[0]
    res = run_cli(
        "audit", "--no-cache", "-o", output, "--color", "always", "--require", "provenance",
        repo, text=True,
    )  # fmt: skip
    assert res.returncode in (0, 10, 11), res.stderr
    assert_clean(res.stdout, sgr=output == "table")
    assert_clean(res.stderr)  # per-row errors and the summary
    if output == "jsonl":
        rows = [json.loads(line) for line in res.stdout.splitlines()]
        assert any(MARK in text for text in strings(rows))  # JSON keeps the values


def test_audit_reports_carry_no_raw_control_characters(
    hostile: tuple[Pushed, Pushed], tmp_path: Path
) -> None:
    import xml.dom.minidom

    v1, _ = hostile
    repo = v1.ref.rsplit(":", 1)[0]
    reports = {k: tmp_path / f"r.{k}" for k in ("junit", "sarif", "markdown", "html", "json")}
    args = [a for k, p in reports.items() for a in ("--report", f"{k}={p}")]
    res = run_cli("audit", "--no-cache", "--require", "provenance", *args, repo, text=True)
    assert res.returncode in (0, 10, 11), res.stderr
    for kind, path in reports.items():
        text = path.read_text(encoding="utf-8")
        assert_clean(text.replace("\x7f", "") if kind in ("json", "sarif") else text)
    xml.dom.minidom.parseString(reports["junit"].read_bytes())  # well-formed XML 1.0
    json.loads(reports["sarif"].read_text())


# --- names from a purpose-built server (a real registry refuses them) --------------------------


def test_catalog_from_a_hostile_registry_shows_valid_names_only() -> None:
    body = json.dumps({"repositories": ["a/b", f"c/{HOSTILE}\n/fake", "d/e\ud800"]})

    def handler(seen: Seen) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, body.encode())

    with HostileServer(handler) as srv:
        res = run_cli("catalog", srv.netloc, text=True)
        js = run_cli("catalog", "--json", srv.netloc, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "a/b\n"  # names that are no repository name are skipped
    assert_clean(res.stderr)
    assert json.loads(js.stdout) == {"repositories": ["a/b"]}


def test_error_body_from_a_hostile_registry_is_escaped() -> None:
    body = json.dumps({"errors": [{"code": "DENIED", "message": f"no {HOSTILE}"}]}).encode()

    def handler(seen: Seen) -> Reply:
        return Reply(403, {"Content-Type": "application/json"}, body)

    with HostileServer(handler) as srv:
        res = run_cli("-v", "tags", f"{srv.netloc}/a/b", text=True)
    assert res.returncode != 0
    assert_clean(res.stderr)


def test_audit_per_row_errors_are_escaped(tmp_path: Path) -> None:
    """A row's error names the layout path as typed: only the boundaries escape it."""
    missing = tmp_path / f"gone{HOSTILE2}"
    res = run_cli(
        "audit", "--no-cache", "--color", "always", f"oci-layout://{missing}:v1", text=True
    )
    assert res.returncode == 4, res.stderr
    assert_clean(res.stdout, sgr=True)
    assert_clean(res.stderr)
    assert f"ocitrace: audit: oci-layout://{tmp_path}/gone{SHOWN2}" in res.stderr
    assert SHOWN2 in res.stdout  # the table's error cell


def test_colour_mode_keeps_sgr_and_escapes_everything_else() -> None:
    from ocitrace.textsafe import escape, escape_unprintable

    text = "\x1b[1;31mred\x1b[0m \x1b[2J \x1b]0;t\x07 \x9b31m \x1b[?1049h"
    assert escape(text, keep_sgr=True) == (
        "\x1b[1;31mred\x1b[0m \\x1b[2J \\x1b]0;t\\x07 \\x9b31m \\x1b[?1049h"
    )
    assert escape(text) == escape(text, keep_sgr=False)
    assert "\x1b" not in escape(text)
    # the strict form (verify's signer identities, diff values) also shows bidi/separators
    assert escape_unprintable("a\u202eb\u2028c d\x1b") == "a\\u202eb\\u2028c d\\x1b"


def test_human_stream_is_a_terminal_when_its_stream_is() -> None:
    from ocitrace.cli.output import human, raw

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    out = human(tty)
    assert out.isatty() and raw(out) is tty and human(out) is out
    out.write(HOSTILE2 + "\n")
    assert tty.getvalue() == SHOWN2 + "\\x9b2J\\x7f\n"


def test_library_audit_renderers_escape_cells() -> None:
    """``render_rows``/``render_table`` (the Python API's text) escape each cell on one line."""
    from ocitrace.audit.output import render_rows
    from ocitrace.audit.rows import Row
    from ocitrace.audit.table import TableStyle, render_table

    row = Row(repository=f"reg/{HOSTILE2}", tag="v1\nFORGED", error="boom")
    for text in (
        render_rows([row], output="table"),
        render_table([row], style=TableStyle(width=None, colour=True)),
    ):
        assert_clean(text, sgr=True)
        assert SHOWN2 in text and "v1\\x0aFORGED" in text
        assert len(text.splitlines()) == 2  # header + the one row
