"""Terminal escaping: control characters from registry text become visible, never act."""

from __future__ import annotations

import io
from pathlib import Path

from ocitrace.cli.main import main
from ocitrace.textsafe import escape, escape_line, is_safe

HOSTILE = (
    "v1\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"
    "\x1b]52;c;ZXZpbA==\x07\x9b31m\x7f\x00"
)


def test_escape_leaves_no_control_character() -> None:
    out = escape(HOSTILE)
    assert all(ch >= " " and not 0x7F <= ord(ch) <= 0x9F for ch in out)
    assert out.startswith("v1\\x1b[2J\\x1b]0;pwned\\x07")
    assert "\\x9b31m\\x7f\\x00" in out
    assert is_safe(out)
    assert not is_safe(HOSTILE)


def test_newline_and_tab_are_structure_unless_one_line() -> None:
    assert escape("a\tb\nc\r") == "a\tb\nc\\x0d"
    assert escape_line("a\tb\nc") == "a\\x09b\\x0ac"


def test_lone_surrogate_becomes_printable() -> None:
    out = escape("tag\udcff")
    assert out == "tag\\udcff"
    out.encode("utf-8")  # printable on any UTF-8 terminal


def test_plain_text_and_unicode_are_unchanged() -> None:
    text = "ghcr.io/acme/app:v1 — ünïcödé 😀"
    assert escape(text) == text


def test_error_line_escapes_registry_text() -> None:
    err = io.StringIO()
    code = main(
        ["inspect", "oci-layout:///nonexistent\x1b]0;pwned\x07"],
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=err,
        environ={},
    )
    assert code != 0
    assert "\x1b" not in err.getvalue() and "\x07" not in err.getvalue()
    assert "\\x1b]0;pwned\\x07" in err.getvalue()


def test_csv_cells_cannot_be_formulas() -> None:
    import csv

    from ocitrace.audit.output import csv_cell

    for bad in ('=HYPERLINK("http://evil")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(bad) == "'" + bad
    assert csv_cell("-") == "-"
    assert csv_cell("v1") == "v1"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([csv_cell("=1,2")])
    assert buf.getvalue() == '"\'=1,2"\n'


def test_tags_listing_from_a_hostile_registry_is_escaped_and_complete() -> None:
    import json

    from .hostile import HostileServer, Reply

    body = json.dumps({"name": "a/b", "tags": ["v1", "x\x1b]0;pwned\x07", "s\udcff", "v2"]})
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": "application/json"}, body.encode()))
    out = io.StringIO()
    with srv:
        code = main(
            ["tags", f"{srv.netloc}/a/b"],
            stdin=io.StringIO(),
            stdout=out,
            stderr=io.StringIO(),
            environ={},
        )
    assert code == 0
    assert sorted(out.getvalue().splitlines()) == sorted(
        ["v1", "x\\x1b]0;pwned\\x07", "s\\udcff", "v2"]
    )


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _hostile_layout(root: Path) -> Path:
    import hashlib
    import json

    config = b'{"architecture":"amd64","os":"linux"}'
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
                "size": len(config),
            },
            "layers": [],
            "annotations": {"evil": "x\x1b]52;c;ZXZpbA==\x07\x1b[2J"},
        }
    ).encode()
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for data in (config, manifest):
        (blobs / hashlib.sha256(data).hexdigest()).write_bytes(data)
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    entry = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + hashlib.sha256(manifest).hexdigest(),
        "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": "v1"},
    }
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
    return root


def test_inspect_listing_escaped_on_a_terminal_exact_when_piped(tmp_path: Path) -> None:
    layout = _hostile_layout(tmp_path / "x\x1b]52;c;ZXZpbA==\x07\x1b[2J")
    ref = f"oci-layout://{layout}:v1"
    piped, tty = io.StringIO(), _Tty()
    for out in (piped, tty):
        code = main(["inspect", ref], stdin=io.StringIO(), stdout=out, stderr=io.StringIO())
        assert code == 0
    assert "\x1b]52;c;ZXZpbA==\x07\x1b[2J" in piped.getvalue()  # buildx's bytes
    assert "\x1b" not in tty.getvalue()
    assert "x\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J" in tty.getvalue()
