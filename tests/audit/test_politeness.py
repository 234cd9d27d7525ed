"""429 back-off and rate-limit headers, against a purpose-built server (the real registry
cannot be made to rate-limit).  The server serves a real BuildKit layout by digest."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from tests.support.fakeserver import Answer, FakeServer, Seen, error_answer

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "buildkit" / "multi-prov-max"
INDEX = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
RATE = {"RateLimit-Limit": "100;w=60", "RateLimit-Remaining": "42;w=60"}


class LayoutRegistry:
    """Distribution API over one layout; the first ``HEAD`` of a tag answers 429."""

    def __init__(self, layout: Path, *, retry_after: str = "1") -> None:
        self.layout = layout
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self.rejected: list[float] = []
        self.head_times: list[float] = []

    def _blob(self, digest: str) -> bytes | None:
        path = self.layout / "blobs" / "sha256" / digest.removeprefix("sha256:")
        return path.read_bytes() if path.is_file() else None

    def __call__(self, req: Seen) -> Answer:
        parts = req.route.split("/")  # "", "v2", "app", "manifests"|"blobs", ref
        if req.route == "/v2/":
            return Answer(200, dict(RATE))
        if len(parts) != 5 or parts[2] != "app":
            return error_answer(404, "NAME_UNKNOWN", "repository name not known to registry")
        kind, ref = parts[3], parts[4]
        if kind == "manifests" and ref.startswith("v"):
            with self._lock:
                first = not self.rejected
                now = time.monotonic()
                (self.rejected if first else self.head_times).append(now)
            if first:
                return Answer(429, {"Retry-After": self.retry_after, **RATE}, b"")
            ref = INDEX
        data = self._blob(ref)
        if data is None:
            return error_answer(404, "MANIFEST_UNKNOWN", "manifest unknown")
        headers = {"Docker-Content-Digest": ref, **RATE}
        if kind == "manifests":
            headers["Content-Type"] = json.loads(data)["mediaType"]
        return Answer(200, headers, data)


def run_cli(
    *argv: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_waits_out_a_429_and_reports_backoff_and_rate_limit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = LayoutRegistry(FIXTURE)
    with FakeServer(reg) as server:
        started = time.monotonic()
        code, out, err = run_cli(
            "audit",
            f"{server.host}/app:v1",
            "--no-cache",
            "-o",
            "jsonl",
            monkeypatch=monkeypatch,
            capsys=capsys,
        )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == exitcodes.OK, err
    assert [(r["platform"], r["mode"]) for r in rows] == [
        ("linux/amd64", "max"),
        ("linux/arm64", "max"),
        ("linux/arm/v7", "max"),
    ]
    assert len(reg.rejected) == 1 and len(reg.head_times) == 1
    assert reg.head_times[0] - reg.rejected[0] >= 0.95  # Retry-After: 1 honoured
    assert time.monotonic() - started >= 0.95
    summary = err.strip().splitlines()[-1]
    assert "0 ok, 3 warn" in summary
    assert "backed off 1 times" in summary and "longest 1.0s" in summary
    assert f"rate limit {server.host}: 42/100 remaining per 60s" in summary


def test_digest_waits_out_a_429(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = LayoutRegistry(FIXTURE)
    with FakeServer(reg) as server:
        code, out, err = run_cli(
            "digest", f"{server.host}/app:v1", monkeypatch=monkeypatch, capsys=capsys
        )
    assert (code, out, err) == (0, INDEX + "\n", "")
    assert reg.head_times[0] - reg.rejected[0] >= 0.95


def test_a_retry_after_beyond_the_backoff_cap_is_an_error_row(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server asking for more than the 30 s cap gets no retry: that image is an error row."""
    reg = LayoutRegistry(FIXTURE, retry_after="3600")
    with FakeServer(reg) as server:
        code, out, err = run_cli(
            "audit",
            f"{server.host}/app:v1",
            "--no-cache",
            "-o",
            "jsonl",
            monkeypatch=monkeypatch,
            capsys=capsys,
        )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == exitcodes.NETWORK  # the only row failed: its own code, not PARTIAL
    assert [r["status"] for r in rows] == ["error"]
    assert rows[0]["error"] == f"{server.host}/app:v1: too many requests (retry after 3600s)"
    assert "1 errors" in err.strip().splitlines()[-1]
