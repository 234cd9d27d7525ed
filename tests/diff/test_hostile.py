"""Hostile bytes in an image: terminal control sequences in labels are escaped in the text
report (and JSON stays ASCII), secret-looking env values stay hidden."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.cli.inproc import run_cli
from tests.support.registry import copy_layout

ESC_LABEL = "\x1b]0;pwned\x07\x1b[2J\u009b31m"


def _write(layout: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def relabelled(tmp: Path) -> Path:
    """single-plain with a label full of control characters and a token in the env."""
    layout = copy_layout("single-plain", tmp)
    index = json.loads((layout / "index.json").read_text())
    top = index["manifests"][0]
    blob = layout / "blobs" / "sha256"
    manifest = json.loads((blob / top["digest"][7:]).read_bytes())
    config = json.loads((blob / manifest["config"]["digest"][7:]).read_bytes())
    config["config"]["Labels"]["org.example.evil"] = ESC_LABEL
    config["config"]["Env"].append("NPM_TOKEN=npm_" + "a" * 36)
    manifest["config"].update(_write(layout, json.dumps(config).encode()))
    top.update(_write(layout, json.dumps(manifest).encode()))
    (layout / "index.json").write_text(json.dumps(index))
    return layout


def test_control_characters_escaped_and_secrets_hidden(tmp_path: Path) -> None:
    evil = relabelled(tmp_path)
    old = "oci-layout://fixtures/buildkit/single-plain:v1"
    res = run_cli("diff", old, f"oci-layout://{evil}:v1", text=True)
    assert res.returncode == 0, res.stderr
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\u009b" not in res.stdout
    assert "  + label org.example.evil=\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\n" in res.stdout
    assert "  + env NPM_TOKEN=<redacted>\n" in res.stdout
    assert "npm_aaaa" not in res.stdout
    js = run_cli("diff", "--json", old, f"oci-layout://{evil}:v1", text=True)
    assert js.stdout.isascii() and "npm_aaaa" not in js.stdout
    (p,) = json.loads(js.stdout)["platforms"]
    assert {e["key"]: e["value"] for e in p["config"]["labels"]["added"]} == {
        "org.example.evil": ESC_LABEL
    }
