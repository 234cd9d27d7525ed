"""``ocitrace digest`` review fixes: empty stdin, redacted error lines, layout size caps,
credentials bound to the named registries, prompt exit on Ctrl-C during a hanging request."""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocitrace import Client
from ocitrace.cli import digest, exitcodes
from ocitrace.cli.main import main
from ocitrace.cli.redaction import Redactor
from ocitrace.errors import NotFound, TooLarge
from ocitrace.oci.model import Manifest
from ocitrace.reference import parse_any
from ocitrace.resolve import LookupResult
from tests.cli.inproc import default_sigint

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = ROOT / "fixtures" / "buildkit" / "single-plain"
# from fixtures/buildkit/README.md
SINGLE_PLAIN = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"


@pytest.mark.parametrize("stdin", ["", "\n\n", "# only a comment\n  \n"])
def test_empty_stdin_is_a_usage_error(
    stdin: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["digest", "-"]) == exitcodes.USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("ocitrace: error: digest: no references on stdin")
    assert len(err.splitlines()) == 1


def test_per_item_error_line_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    redactor = Redactor()
    redactor.add("hunter2-secret")
    err = NotFound(
        "r.example/app:v1: not found at https://r.example/v2/?token=abcdefghij (hunter2-secret)",
        input="r.example/app:v1",
    )
    digest._report(LookupResult("r.example/app:v1", error=err), sys.stderr, redactor)
    line = capsys.readouterr().err
    assert line.startswith("ocitrace: digest: r.example/app:v1: not found")
    assert "hunter2-secret" not in line
    assert "abcdefghij" not in line


def _args(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {"max_blob_size": 64 * 1024 * 1024, "concurrency": 4}
    base.update(kw)
    return argparse.Namespace(**base)


def test_layouts_honour_max_blob_size() -> None:
    ref = parse_any(f"oci-layout://{LAYOUT}:v1")
    with Client(max_blob_size=16) as oc:
        source, _ = oc.open(ref)
        top = source.resolve("v1")
        assert top.digest == SINGLE_PLAIN
        data = source.manifest(top.digest).data
        config = Manifest.parse(data).config
        assert config is not None and config.size > 16
        with pytest.raises(TooLarge):
            source.blob(config)


def test_username_credentials_go_only_to_registries_of_stdin_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[Any] = []

    class FakeTransport:
        def __init__(self, options: Any, **_: Any) -> None:
            seen.append(options)

        def close(self) -> None:
            pass

    class FakeClient:
        def __init__(self, transport: Any, **_: Any) -> None:
            pass

        def repository(self, registry: str, repository: str) -> Any:
            raise NotFound(f"{registry}/{repository}: not found", input=repository)

    monkeypatch.setattr("ocitrace.transport.Transport", FakeTransport)
    monkeypatch.setattr("ocitrace.registry.RegistryClient", FakeClient)
    stdin = "pw-line-123\na.example/x:1\n# c\nb.example:5000/y:2\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["digest", "--username", "u", "--password-stdin", "-"])
    assert code == exitcodes.NOT_FOUND
    assert len(seen) == 1
    assert seen[0].credential_registries == frozenset({"a.example", "b.example:5000"})
    assert seen[0].password == "pw-line-123"
    assert len(capsys.readouterr().err.splitlines()) == 2


@pytest.fixture
def hanging_server() -> Iterator[int]:
    """A TCP server that accepts and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    try:
        yield srv.getsockname()[1]
    finally:
        srv.close()


@pytest.mark.timeout(60)
def test_ctrl_c_during_hanging_request_exits_130_promptly(hanging_server: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ocitrace",
            "digest",
            "--timeout",
            "120",
            f"127.0.0.1:{hanging_server}/app:v1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        preexec_fn=default_sigint,
    )
    time.sleep(2.0)  # started and blocked in the request
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert time.monotonic() - start < 10
    assert proc.returncode == exitcodes.INTERRUPTED
    assert b"interrupted" in err
