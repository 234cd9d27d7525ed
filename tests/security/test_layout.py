"""An OCI layout on disk is untrusted input: pipes, device links, oversize files, digests
that try to leave ``blobs/`` and deeply nested JSON are refused, never hung on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from ocitrace.errors import (
    DigestMismatch,
    FormatError,
    IntegrityError,
    NotFound,
    OcitraceError,
    ReferenceError,
    TooLarge,
)
from ocitrace.layout import LayoutSource
from ocitrace.oci.model import Descriptor

from .helpers import OCI_MANIFEST, manifest_bytes, nested, sha

pytestmark = pytest.mark.timeout(30)

CONFIG = b'{"architecture":"amd64","os":"linux"}'
MANIFEST = manifest_bytes(CONFIG)


def make_layout(root: Path, blobs: dict[str, bytes] | None = None) -> Path:
    """A minimal layout: ``v1`` → MANIFEST → CONFIG (plus any extra blobs)."""
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    for data in (MANIFEST, CONFIG, *(blobs or {}).values()):
        (root / "blobs" / "sha256" / sha(data).split(":")[1]).write_bytes(data)
    entry = {
        "mediaType": OCI_MANIFEST,
        "digest": sha(MANIFEST),
        "size": len(MANIFEST),
        "annotations": {"org.opencontainers.image.ref.name": "v1"},
    }
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
    return root


def blob_path(root: Path, digest: str) -> Path:
    return root / "blobs" / "sha256" / digest.split(":")[1]


def config_desc() -> Descriptor:
    return Descriptor("application/vnd.oci.image.config.v1+json", sha(CONFIG), len(CONFIG))


def test_sane_layout_reads(tmp_path: Path) -> None:
    src = LayoutSource(make_layout(tmp_path))
    assert src.manifest("v1").data == MANIFEST
    assert src.blob(config_desc()) == CONFIG


def test_blob_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    path = blob_path(root, sha(CONFIG))
    path.unlink()
    path.symlink_to("/dev/zero")
    with pytest.raises(FormatError, match="outside the layout"):
        LayoutSource(root).blob(Descriptor("x", sha(CONFIG), 0))


def test_blob_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    path = blob_path(root, sha(CONFIG))
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(FormatError, match="not a regular file"):
        LayoutSource(root).blob(config_desc())


def test_index_json_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    (root / "index.json").unlink()
    os.mkfifo(root / "index.json")
    with pytest.raises(FormatError, match="not a regular file"):
        LayoutSource(root).resolve("v1")


def test_blob_without_max_size_is_still_capped(tmp_path: Path) -> None:
    big = b"z" * 5000
    root = make_layout(tmp_path, {"big": big})
    src = LayoutSource(root, max_blob_size=4096)
    with pytest.raises(TooLarge) as info:
        src.blob(Descriptor("application/octet-stream", sha(big), 0))
    assert info.value.limit == 4096
    assert LayoutSource(root).blob(Descriptor("x", sha(big), len(big))) == big


def test_blob_larger_than_its_descriptor_is_refused_before_reading(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    with pytest.raises(IntegrityError, match=f"descriptor says 5 bytes, blob has {len(CONFIG)}"):
        LayoutSource(root).blob(Descriptor("x", sha(CONFIG), 5))


def test_tampered_blob_is_a_digest_mismatch(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    blob_path(root, sha(CONFIG)).write_bytes(CONFIG.replace(b"amd64", b"arm64"))
    with pytest.raises(DigestMismatch):
        LayoutSource(root).blob(config_desc())


def test_oversize_index_json_is_refused(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    (root / "index.json").write_bytes(b" " * 5000 + b"{}")
    with pytest.raises(TooLarge):
        LayoutSource(root, max_index_size=4096).resolve("v1")


def test_oversize_oci_layout_marker_is_refused(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    (root / "oci-layout").write_bytes(b" " * (1 << 20) + b'{"imageLayoutVersion":"1.0.0"}')
    with pytest.raises(FormatError, match="not an OCI image layout"):
        LayoutSource(root)


@pytest.mark.parametrize(
    "digest",
    [
        "sha256:../../../etc/passwd",
        "sha256:" + "../" * 21 + "a",
        "sha256/../../x:" + "a" * 64,
        "sha256:" + "A" * 64,
        "sha256:" + "a" * 64 + "\n",
        "sha1:" + "a" * 40,
    ],
)
def test_digests_cannot_leave_blobs(tmp_path: Path, digest: str) -> None:
    src = LayoutSource(make_layout(tmp_path))
    for call in (src.resolve, src.manifest, lambda d: src.blob(Descriptor("x", d, 1))):
        with pytest.raises(FormatError, match="invalid"):
            call(digest)


def test_index_entry_with_traversal_digest_is_refused(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    (root / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": OCI_MANIFEST,
                        "digest": "sha256:../../../../etc/passwd",
                        "size": 10,
                        "annotations": {"org.opencontainers.image.ref.name": "v1"},
                    }
                ],
            }
        )
    )
    with pytest.raises(OcitraceError):
        LayoutSource(root).manifest("v1")


def test_missing_blob_is_not_found(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    blob_path(root, sha(CONFIG)).unlink()
    with pytest.raises(NotFound):
        LayoutSource(root).blob(config_desc())


def test_deeply_nested_index_json_is_a_format_error(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    (root / "index.json").write_bytes(nested())
    with pytest.raises(FormatError):
        LayoutSource(root).resolve("v1")


def test_deeply_nested_oci_layout_marker_is_a_format_error(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    (root / "oci-layout").write_bytes(nested(10_000))
    with pytest.raises(FormatError):
        LayoutSource(root)


def test_deeply_nested_untagged_manifest_is_a_format_error(tmp_path: Path) -> None:
    bomb = nested(50_000)
    root = make_layout(tmp_path, {"bomb": bomb})
    with pytest.raises(FormatError):
        LayoutSource(root).resolve(sha(bomb))


def test_not_a_layout_is_a_reference_error_naming_the_path(tmp_path: Path) -> None:
    """No oci-layout / no index.json / a file: the reference points at no layout (exit 3);
    a path that does not exist is NotFound (exit 4)."""
    (tmp_path / "empty").mkdir()
    no_index = tmp_path / "no-index"
    no_index.mkdir()
    (no_index / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (tmp_path / "file").write_text("x")
    cases = {
        "empty": "no oci-layout file",
        "no-index": "no index.json file",
        "file": "not a directory",
    }
    for name, why in cases.items():
        with pytest.raises(ReferenceError) as info:
            LayoutSource(tmp_path / name)
        assert str(info.value) == f"oci-layout://{tmp_path / name}: not an OCI image layout ({why})"
    with pytest.raises(NotFound, match="no such directory"):
        LayoutSource(tmp_path / "missing")


def test_index_json_removed_after_opening_is_a_reference_error(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    src = LayoutSource(root)
    (root / "index.json").unlink()
    with pytest.raises(ReferenceError, match=r"not an OCI image layout \(no index.json file\)"):
        src.resolve("v1")


@pytest.mark.parametrize("command", ["inspect", "manifest", "tags"])
def test_cli_not_a_layout_one_line_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    (tmp_path / "plain").mkdir()
    ref = f"oci-layout://{tmp_path}/plain" + ("" if command == "tags" else ":v1")
    assert main([command, ref]) == exitcodes.BAD_REFERENCE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Errno" not in err
    assert err.startswith(
        f"ocitrace: error: oci-layout://{tmp_path}/plain: not an OCI image layout (no oci-layout file)"
    )
    assert main([command, f"oci-layout://{tmp_path}/missing"]) == exitcodes.NOT_FOUND


def test_blob_linked_outside_the_layout_is_refused(tmp_path: Path) -> None:
    root = make_layout(tmp_path / "layout")
    outside = tmp_path / "secret"
    outside.write_bytes(CONFIG)  # even with the right content: the layout stays inside itself
    path = blob_path(root, sha(CONFIG))
    path.unlink()
    path.symlink_to(outside)
    with pytest.raises(FormatError, match="outside the layout"):
        LayoutSource(root).blob(config_desc())


def test_blobs_directory_linked_outside_is_refused(tmp_path: Path) -> None:
    root = make_layout(tmp_path / "layout")
    os.rename(root / "blobs", tmp_path / "elsewhere")
    (root / "blobs").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FormatError, match="outside the layout"):
        LayoutSource(root).manifest("v1")


def test_index_json_linked_outside_is_refused_exit_7(tmp_path: Path) -> None:
    root = make_layout(tmp_path / "layout")
    os.rename(root / "index.json", tmp_path / "index.json")
    (root / "index.json").symlink_to(tmp_path / "index.json")
    with pytest.raises(FormatError, match="outside the layout"):
        LayoutSource(root).index()
    code = main(["digest", f"oci-layout://{root}:v1"])
    assert code == exitcodes.INTEGRITY


def test_links_inside_the_layout_are_followed(tmp_path: Path) -> None:
    root = make_layout(tmp_path / "layout")
    path = blob_path(root, sha(CONFIG))
    os.rename(path, root / "config.json")
    path.symlink_to(root / "config.json")
    assert LayoutSource(root).blob(config_desc()) == CONFIG
