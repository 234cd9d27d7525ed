"""Malformed documents are FormatErrors (exit 7) at the parse boundary, never internal errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ocitrace.attest.envelope import decode_layer
from ocitrace.attest.intoto import parse_statement
from ocitrace.cli.main import main
from ocitrace.errors import FormatError
from ocitrace.oci.model import Index, Manifest, parse_manifest_or_index

from .helpers import OCI_INDEX, sha

DIGEST = "sha256:" + "a" * 64
BAD_INDEXES = [
    b'{"schemaVersion": 2, "manifests": 5}',
    b'{"schemaVersion": "2", "manifests": []}',
    b'{"schemaVersion": 2, "manifests": [], "annotations": ["a"]}',
    b'{"schemaVersion": 2, "manifests": [], "annotations": {"a": 1}}',
    b'{"schemaVersion": 1e999, "manifests": []}',
    b'{"schemaVersion": NaN, "manifests": []}',
    b'{"schemaVersion": ' + b"9" * 5000 + b', "manifests": []}',
    b'{"schemaVersion": 99999999999999999999999, "manifests": []}',
    b'{"schemaVersion": 2, "mediaType": "\\udcff", "manifests": []}',
    b'{"schemaVersion": 2, "manifests": [{"digest": 5, "size": 1}]}',
    b'{"schemaVersion": 2, "manifests": [{"digest": "%s", "size": "big"}]}' % DIGEST.encode(),
    b'{"schemaVersion": 2, "manifests": [{"digest": "%s", "size": -1}]}' % DIGEST.encode(),
    b'{"schemaVersion": 2, "manifests": [{"digest": "%s", "platform": "linux"}]}' % DIGEST.encode(),
    b'{"schemaVersion": 2, "manifests": [{"digest": "%s", "platform": {"os": ["x"]}}]}'
    % DIGEST.encode(),
    b'{"schemaVersion": 2, "manifests": [], "subject": "x"}',
]
BAD_MANIFESTS = [
    b'{"schemaVersion": 2, "config": 5, "layers": []}',
    b'{"schemaVersion": 2, "layers": {"a": 1}}',
    b'{"schemaVersion": 2, "layers": [1]}',
]


@pytest.mark.parametrize("raw", BAD_INDEXES)
def test_bad_index_is_a_format_error(raw: bytes) -> None:
    with pytest.raises(FormatError):
        Index.parse(raw)
    with pytest.raises(FormatError):
        parse_manifest_or_index(raw, OCI_INDEX)


@pytest.mark.parametrize("raw", BAD_MANIFESTS)
def test_bad_manifest_is_a_format_error(raw: bytes) -> None:
    with pytest.raises(FormatError):
        Manifest.parse(raw)


BAD_LAYERS = [
    ("application/vnd.in-toto+json", b'{"_type": "x", "predicateType": "y", "subject": 5}'),
    ("application/vnd.in-toto+json", b'{"_type": "x", "predicateType": "y", "subject": [1]}'),
    (
        "application/vnd.in-toto+json",
        b'{"_type": "x", "predicateType": "y", "subject": [{"digest": {"sha256": 1}}]}',
    ),
    ("application/vnd.in-toto+json", b'{"_type": "x", "predicateType": "y", "n": NaN}'),
    ("application/vnd.in-toto+json", b'{"_type": "x", "predicateType": "y", "n": 1e400}'),
    ("application/vnd.in-toto+json", b'{"_type": 1, "n": ' + b"1" * 5000 + b"}"),
    ("application/vnd.dsse.envelope.v1+json", b"[1, 2]"),
    ("application/vnd.dsse.envelope.v1+json", b'{"payload": 5}'),
    ("application/vnd.dev.sigstore.bundle.v0.3+json", b"5"),
    (
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        b'{"verificationMaterial": {"tlogEntries": 5}, "messageSignature": {}}',
    ),
    ("application/vnd.dev.sigstore.bundle.v0.3+json", b'{"messageSignature": 5}'),
    ("application/vnd.dev.cosign.simplesigning.v1+json", b'{"critical": {"identity": "x"}}'),
    ("application/vnd.dev.cosign.simplesigning.v1+json", b'{"critical": []}'),
]


@pytest.mark.parametrize(("media_type", "raw"), BAD_LAYERS)
def test_bad_attestation_layer_is_a_format_error(media_type: str, raw: bytes) -> None:
    with pytest.raises(FormatError):
        decode_layer(raw, media_type)


def test_statement_digit_limit_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        parse_statement(b'{"_type": "x", "predicateType": "y", "n": ' + b"7" * 6000 + b"}")


def _layout(root: Path, index: bytes) -> Path:
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_bytes(index)
    return root


def test_cli_bad_layout_index_exits_7(tmp_path: Path) -> None:
    layout = _layout(tmp_path / "l", b'{"schemaVersion": 2, "manifests": 5}')
    err = io.StringIO()
    code = main(
        ["inspect", f"oci-layout://{layout}"],
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=err,
        environ={},
    )
    assert code == 7, err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert err.getvalue()[-1] == "\n"


def test_cli_bad_index_blob_exits_7(tmp_path: Path) -> None:
    bad = b'{"schemaVersion": 2, "mediaType": "%s", "manifests": 5}' % OCI_INDEX.encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": OCI_INDEX,
                "digest": sha(bad),
                "size": len(bad),
                "annotations": {"org.opencontainers.image.ref.name": "v1"},
            }
        ],
    }
    layout = _layout(tmp_path / "l", json.dumps(index).encode())
    (layout / "blobs" / "sha256" / sha(bad).split(":")[1]).write_bytes(bad)
    err = io.StringIO()
    code = main(
        ["inspect", f"oci-layout://{layout}:v1"],
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=err,
        environ={},
    )
    assert code == 7, err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert err.getvalue()[-1] == "\n"
