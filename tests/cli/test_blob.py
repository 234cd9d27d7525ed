"""``ocitrace config REF`` and ``ocitrace blob REF@DIGEST``: the fixture's own blob files,
byte for byte, from the real docker-registry and from the layout; digest mismatches from a
hostile server leave no file behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace import Client, DigestMismatch, TooLarge, UsageError
from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from tests.cli.inproc import run_cli
from tests.security.hostile import HostileServer, Reply, Seen
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def fixture_file(name: str, digest: str) -> bytes:
    return (fixture_dir(name) / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()


def top_manifest(name: str) -> dict[str, object]:
    top = json.loads((fixture_dir(name) / "index.json").read_text())["manifests"][0]
    doc: dict[str, object] = json.loads(fixture_file(name, top["digest"]))
    return doc


def child(name: str, arch: str) -> dict[str, object]:
    index = top_manifest(name)
    entries = index["manifests"]
    assert isinstance(entries, list)
    entry = next(m for m in entries if (m.get("platform") or {}).get("architecture") == arch)
    doc: dict[str, object] = json.loads(fixture_file(name, entry["digest"]))
    return doc


def digest_of(doc: dict[str, object], key: str) -> str:
    value = doc[key]
    desc = value[0] if isinstance(value, list) else value
    assert isinstance(desc, dict)
    return str(desc["digest"])


@pytest.fixture(scope="module")
def pushed(registry: RunningRegistry) -> RunningRegistry:
    push_layout(registry, fixture_dir("single-plain"), "blobcli/single", "v1")
    push_layout(registry, fixture_dir("multi-prov-max"), "blobcli/multi", "v1")
    return registry


def refs(pushed: RunningRegistry, repo: str, fixture: str) -> list[str]:
    return [f"{pushed.host}/blobcli/{repo}", f"oci-layout://{fixture_dir(fixture)}"]


# --- config -------------------------------------------------------------------------------


def test_config_is_the_stored_blob(pushed: RunningRegistry, tmp_path: Path) -> None:
    config = digest_of(top_manifest("single-plain"), "config")
    want = fixture_file("single-plain", config)
    for base in refs(pushed, "single", "single-plain"):
        proc = run_cli("config", f"{base}:v1", home=tmp_path)
        assert (proc.returncode, proc.stdout) == (0, want), proc.stderr
        assert "sha256:" + hashlib.sha256(proc.stdout).hexdigest() == config


def test_config_of_an_index_needs_a_platform(pushed: RunningRegistry, tmp_path: Path) -> None:
    arm64 = digest_of(child("multi-prov-max", "arm64"), "config")
    for base in refs(pushed, "multi", "multi-prov-max"):
        proc = run_cli("config", "--platform", "linux/arm64", f"{base}:v1", home=tmp_path)
        assert (proc.returncode, proc.stdout) == (0, fixture_file("multi-prov-max", arm64))
        ambiguous = run_cli("config", f"{base}:v1", home=tmp_path, text=True)
        assert ambiguous.returncode == exitcodes.USAGE
        assert ambiguous.stderr == (
            f"ocitrace: error: {base}:v1: the index holds 3 images; choose one with --platform "
            "(hint: platforms in this index: linux/amd64, linux/arm64, linux/arm/v7)\n"
        )
        none = run_cli(
            "config", "--platform", "linux/s390x", f"{base}:v1", home=tmp_path, text=True
        )
        assert none.returncode == exitcodes.NOT_FOUND
        assert "linux/amd64, linux/arm64, linux/arm/v7" in none.stderr


def test_config_pretty(tmp_path: Path) -> None:
    ref = f"oci-layout://{fixture_dir('single-plain')}:v1"
    raw = run_cli("config", ref, home=tmp_path).stdout
    pretty = run_cli("config", "--pretty", ref, home=tmp_path, text=True)
    assert pretty.returncode == 0
    assert pretty.stdout == json.dumps(json.loads(raw), indent=2) + "\n"


# --- blob ---------------------------------------------------------------------------------


def test_blob_bytes_as_stored_on_registry_and_layout(
    pushed: RunningRegistry, tmp_path: Path
) -> None:
    manifest = top_manifest("single-plain")
    umask = os.umask(0o022)
    os.umask(umask)
    for digest in (digest_of(manifest, "config"), digest_of(manifest, "layers")):
        want = fixture_file("single-plain", digest)
        for n, base in enumerate(refs(pushed, "single", "single-plain")):
            out = run_cli("blob", f"{base}@{digest}", home=tmp_path)
            assert (out.returncode, out.stdout) == (0, want), out.stderr
            target = tmp_path / f"out-{n}"
            saved = run_cli("blob", "-o", str(target), f"{base}@{digest}", home=tmp_path)
            assert (saved.returncode, saved.stdout) == (0, b""), saved.stderr
            assert target.read_bytes() == want
            assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    with Client() as oc:
        layer = digest_of(manifest, "layers")
        ref = f"{pushed.host}/blobcli/single@{layer}"
        assert oc.blob(ref) == fixture_file("single-plain", layer)
        with oc.open_blob(ref) as stream:
            assert stream.size == len(fixture_file("single-plain", layer))
            assert b"".join(stream) == fixture_file("single-plain", layer)


def test_blob_errors(pushed: RunningRegistry, tmp_path: Path) -> None:
    base = f"{pushed.host}/blobcli/single"
    no_digest = run_cli("blob", f"{base}:v1", home=tmp_path, text=True)
    assert no_digest.returncode == exitcodes.USAGE
    assert "give the blob's digest" in no_digest.stderr
    missing = run_cli("blob", f"{base}@sha256:{'0' * 64}", home=tmp_path, text=True)
    assert missing.returncode == exitcodes.NOT_FOUND
    layout_missing = run_cli(
        "blob", f"oci-layout://{fixture_dir('single-plain')}@sha256:{'0' * 64}", home=tmp_path
    )
    assert layout_missing.returncode == exitcodes.NOT_FOUND
    layer = digest_of(top_manifest("single-plain"), "layers")
    for ref in (f"{base}@{layer}", f"oci-layout://{fixture_dir('single-plain')}@{layer}"):
        target = tmp_path / "small"
        small = run_cli(
            "blob", "--max-size", "16", "-o", str(target), ref, home=tmp_path, text=True
        )
        assert small.returncode == exitcodes.INTEGRITY
        assert "exceeds the 16-byte limit" in small.stderr
        assert list(tmp_path.iterdir()) == []  # nothing left behind
    with Client() as oc, pytest.raises(UsageError):
        oc.blob(f"{base}:v1")


class _Terminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def test_blob_is_not_written_to_a_terminal(tmp_path: Path) -> None:
    layer = digest_of(top_manifest("single-plain"), "layers")
    ref = f"oci-layout://{fixture_dir('single-plain')}@{layer}"
    out, err = io.BytesIO(), io.BytesIO()
    stdout = _Terminal(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    code = main(["blob", ref], stdout=stdout, stderr=stderr, environ={"HOME": str(tmp_path)})
    assert code == exitcodes.USAGE
    assert out.getvalue() == b""
    assert b"refusing to write blob bytes to a terminal" in err.getvalue()
    code = main(
        ["blob", "-o", "-", ref], stdout=stdout, stderr=stderr, environ={"HOME": str(tmp_path)}
    )
    assert code == 0
    assert out.getvalue() == fixture_file("single-plain", layer)


# --- hostile registry: substituted bytes ----------------------------------------------------

GOOD = b'{"architecture":"amd64","os":"linux"}'
EVIL = b'{"architecture":"amd64","os":"linuX"}'  # same size, other bytes


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def lying() -> Iterator[HostileServer]:
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _sha(GOOD),
                "size": len(GOOD),
            },
            "layers": [],
        }
    ).encode()

    def handler(seen: Seen) -> Reply:
        if seen.path == "/v2/":
            return Reply(200, {"Content-Type": "application/json"}, b"{}")
        if seen.path == "/v2/evil/app/manifests/v1":
            return Reply(200, {"Content-Type": OCI_MANIFEST}, manifest)
        if seen.path == f"/v2/evil/app/blobs/{_sha(GOOD)}":
            return Reply(200, {"Content-Type": "application/octet-stream"}, EVIL)
        return Reply(
            404, {"Content-Type": "application/json"}, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}'
        )

    with HostileServer(handler) as server:
        yield server


def test_substituted_blob_is_an_integrity_error_and_leaves_no_file(
    lying: HostileServer, tmp_path: Path
) -> None:
    ref = f"{lying.netloc}/evil/app@{_sha(GOOD)}"
    outdir = tmp_path / "out"
    outdir.mkdir()
    target = outdir / "config.json"
    target.write_bytes(b"previous content")
    saved = run_cli("blob", "-o", str(target), ref, home=tmp_path, text=True)
    assert saved.returncode == exitcodes.INTEGRITY
    assert f"hashes to {_sha(EVIL)}, expected {_sha(GOOD)}" in saved.stderr
    assert [p.name for p in outdir.iterdir()] == ["config.json"]  # no partial file
    assert target.read_bytes() == b"previous content"  # left as it was
    streamed = run_cli("blob", ref, home=tmp_path, text=True)
    assert streamed.returncode == exitcodes.INTEGRITY  # after the bytes (documented)
    with Client() as oc:
        with pytest.raises(DigestMismatch):
            oc.blob(ref)
        with pytest.raises(DigestMismatch), oc.open_blob(ref) as stream:
            for _ in stream:
                pass
        with pytest.raises(TooLarge):
            oc.save_blob(ref, outdir / "x", max_size=4)
    assert [p.name for p in outdir.iterdir()] == ["config.json"]


def test_substituted_config_is_an_integrity_error(lying: HostileServer, tmp_path: Path) -> None:
    proc = run_cli("config", f"{lying.netloc}/evil/app:v1", home=tmp_path, text=True)
    assert proc.returncode == exitcodes.INTEGRITY
    assert proc.stdout == ""
    assert _sha(EVIL) in proc.stderr
