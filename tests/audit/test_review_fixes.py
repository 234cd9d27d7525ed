"""Review fixes in audit: private cache directories, size-checked cache reads, one
warning for an unwritable cache, too-deep config JSON as a FormatError."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace.audit.cache import DiskCache
from ocitrace.audit.image import _config_created
from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from ocitrace.errors import FormatError
from ocitrace.oci.model import Descriptor
from ocitrace.source import Fetched, Referrers
from tests.conftest import RegistryFactory
from tests.support.registry import fixture_dir, push_layout

from .cachedb import entries, set_body


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_cache_directories_are_private(tmp_path: Path) -> None:
    root = tmp_path / "new" / "cache"
    cache = DiskCache(root)
    data = b"payload"
    cache.put_blob(digest(data), data)
    cache.add_repository("r.example/app")
    cache.put_record("sha256:" + "1" * 64, b"{}")
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    private = [root / "entries.db", root / "records.key"]
    private += [p for p in root.glob("entries.db-*")]  # SQLite's -wal/-shm files
    assert len(private) >= 3
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_blob_of_the_wrong_size_is_a_miss_without_reading(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    data = b'{"a":1}'
    cache.put_blob(digest(data), data)
    assert cache.get_blob(digest(data), len(data)) == data
    assert cache.get_blob(digest(data), len(data) + 1) is None
    stats = cache.stats()
    assert (stats.misses, stats.corrupt) == (1, 0)  # a miss, not damage: the entry stays
    assert entries(tmp_path, "blobs") == {digest(data): data}


def test_entry_larger_than_the_bound_is_not_read(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=64)
    planted = b"x" * 65
    set_body(tmp_path, "manifests", digest(planted), planted)
    assert cache.get_manifest(digest(planted)) is None
    assert cache.stats().misses == 1 and cache.stats().corrupt == 0


def test_unwritable_cache_dir_warns_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "not-a-directory"
    root.write_text("a file where the cache directory should be")  # unwritable even for root
    cache = DiskCache(root)
    with caplog.at_level(logging.INFO, logger="ocitrace.audit.cache"):
        for i in range(3):
            blob = bytes([i]) * 10
            cache.put_blob(digest(blob), blob)
        cache.add_repository("r.example/app")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(root) in warnings[0].getMessage()
    assert "not writable" in warnings[0].getMessage()
    assert cache.stats().writes == 0


class DeepConfig:
    """A source whose image config is JSON nested far beyond the decoder's recursion."""

    def __init__(self) -> None:
        self.config = b"[" * 200_000 + b"]" * 200_000
        self.manifest_bytes = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": digest(self.config),
                    "size": len(self.config),
                },
                "layers": [],
            }
        ).encode()

    @property
    def name(self) -> str:
        return "r.example/deep"

    def resolve(self, ref: str) -> Descriptor:  # pragma: no cover - not used
        raise NotImplementedError

    def manifest(self, ref: str) -> Fetched:
        desc = Descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            digest(self.manifest_bytes),
            len(self.manifest_bytes),
        )
        return Fetched(desc, self.manifest_bytes)

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        return self.config

    def tags(self) -> Iterator[str]:  # pragma: no cover - not used
        raise NotImplementedError

    def referrers(
        self, digest: str, artifact_type: str | None = None
    ) -> Referrers:  # pragma: no cover - not used
        raise NotImplementedError


def test_too_deep_config_json_is_a_format_error() -> None:
    src = DeepConfig()
    with pytest.raises(FormatError, match="is not valid JSON: nested too deeply"):
        _config_created(src, digest(src.manifest_bytes))


# --- audit CLI: exit code when everything failed, one error line with its hint ---------

PASSWORD = "S3cr3t-pw-XYZ"


def _audit(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["audit", "--no-cache", "--no-progress", "--timeout", "5", *args])


@pytest.mark.registry
def test_audit_wrong_password_everywhere_is_auth_not_partial(
    registry_factory: RegistryFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg = registry_factory("htpasswd", users={"alice": PASSWORD})
    push_layout(reg, fixture_dir("single-plain"), "app", "v1")
    login = ("--username", "alice", "--password-stdin")
    code = _audit(monkeypatch, f"{reg.host}/app", *login, stdin="wrong-password\n")
    err = capsys.readouterr().err
    assert code == exitcodes.AUTH
    lines = [ln for ln in err.splitlines() if ln.startswith("ocitrace: audit:")]
    assert len(lines) == 1
    assert "(hint: the registry rejected the password for alice" in lines[0]
    assert "wrong-password" not in err
    # the right password reaches the TARGET's registry (credentials bound to it)
    assert _audit(monkeypatch, f"{reg.host}/app", *login, stdin=PASSWORD + "\n") == exitcodes.OK


@pytest.mark.registry
def test_audit_missing_tag_line_names_it_once_and_mixed_results_are_partial(
    registry_factory: RegistryFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg = registry_factory("anonymous")
    push_layout(reg, fixture_dir("single-plain"), "app", "v1")
    missing = f"{reg.host}/app:nosuchtag"
    assert _audit(monkeypatch, missing) == exitcodes.NOT_FOUND
    err = capsys.readouterr().err
    line = next(ln for ln in err.splitlines() if ln.startswith("ocitrace: audit:"))
    assert line.startswith(f"ocitrace: audit: {missing}: ")
    assert line.count("nosuchtag") == 1
    assert _audit(monkeypatch, missing, f"{reg.host}/app:v1") == exitcodes.PARTIAL


def test_audit_error_line_keeps_the_hint_and_platform() -> None:
    import argparse

    from ocitrace.audit.rows import Row
    from ocitrace.cli.audit import error_line
    from ocitrace.errors import NotFound

    exc = NotFound("config blob missing", input="x", hint="push the image again")
    row = Row(
        repository="r.example/app",
        tag="v1",
        platform="linux/arm64",
        error="config: x",
        exception=exc,
    )
    assert error_line(row, argparse.Namespace()) == (
        "ocitrace: audit: r.example/app:v1 (linux/arm64): config: x (hint: push the image again)"
    )


def test_audit_help_documents_targets_output_and_require(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audit", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "TARGET registry, namespace/ prefix, repository or image" in text
    assert "report format (default table; json/jsonl keys below)" in text
    assert "every image must have this attestation" in text
    assert "keys per row: repository, tag," in text
