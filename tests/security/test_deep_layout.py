"""A layout whose config or attestation JSON nests deeper than Python's recursion limit:
``inspect`` and the attestation decoders report a FormatError naming the blob (exit 7,
or the template error buildx gives for a failing ``.Provenance``), never RecursionError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocitrace.attest.envelope import decode_layer
from ocitrace.attest.intoto import load_json
from ocitrace.attest.sbom import parse_sbom
from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from ocitrace.errors import FormatError
from ocitrace.inspect.image import decode_image
from ocitrace.inspect.tree import config_platform

from .helpers import OCI_INDEX, OCI_MANIFEST, nested, sha

pytestmark = pytest.mark.timeout(60)

CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
BOMB = nested(100_000)
SANE = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
SLSA = "https://slsa.dev/provenance/v0.2"


class Layout:
    """A layout builder: ``put`` blobs, ``tag`` the top descriptor as ``v1``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "blobs" / "sha256").mkdir(parents=True)
        (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')

    def put(self, media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
        (self.root / "blobs" / "sha256" / sha(data)[7:]).write_bytes(data)
        return {"mediaType": media_type, "digest": sha(data), "size": len(data), **extra}

    def manifest(
        self, config: bytes, layers: tuple[dict[str, Any], ...] = (), **extra: Any
    ) -> dict[str, Any]:
        body = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": self.put(CONFIG_TYPE, config),
            "layers": list(layers),
        }
        return self.put(OCI_MANIFEST, json.dumps(body).encode(), **extra)

    def tag(self, desc: dict[str, Any]) -> str:
        entry = {**desc, "annotations": {"org.opencontainers.image.ref.name": "v1"}}
        (self.root / "index.json").write_text(
            json.dumps({"schemaVersion": 2, "manifests": [entry]})
        )
        return f"oci-layout://{self.root}:v1"


def index_with_provenance(layout: Layout, predicate: bytes, platforms: int = 1) -> tuple[str, str]:
    """An index of ``platforms`` images, each attested by ``predicate``: (reference, layer digest)."""
    statement = (
        b'{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"'
        + SLSA.encode()
        + b'","subject":[],"predicate":'
        + predicate
        + b"}"
    )
    layer = layout.put(
        "application/vnd.in-toto+json", statement, annotations={"in-toto.io/predicate-type": SLSA}
    )
    entries = []
    for arch in ("amd64", "arm64")[:platforms]:
        image = layout.manifest(
            SANE.replace(b"amd64", arch.encode()), platform={"os": "linux", "architecture": arch}
        )
        att = layout.manifest(
            b'{"architecture":"unknown","os":"unknown"}',
            (layer,),
            platform={"os": "unknown", "architecture": "unknown"},
            annotations={
                "vnd.docker.reference.digest": image["digest"],
                "vnd.docker.reference.type": "attestation-manifest",
            },
        )
        entries += [image, att]
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    return layout.tag(layout.put(OCI_INDEX, json.dumps(index).encode())), str(layer["digest"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["{{json .Image}}", "{{.Image.Architecture}}"])
def test_deep_image_config_is_a_format_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    layout = Layout(tmp_path)
    ref = layout.tag(layout.manifest(BOMB))
    code, out, err = run(capsys, "inspect", "--format", fmt, ref)
    assert code == exitcodes.INTEGRITY
    assert out == ""
    line = err.splitlines()[0]
    assert f"image config {sha(BOMB)} is not valid JSON: nested too deeply" in line
    assert "recursion" not in err and "Traceback" not in err


def test_deep_config_of_platformless_child(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index entry without a platform: the listing reads its config for the key."""
    layout = Layout(tmp_path)
    child = layout.manifest(BOMB)
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [child]}
    ref = layout.tag(layout.put(OCI_INDEX, json.dumps(index).encode()))
    code, _, err = run(capsys, "inspect", "--format", "{{json .Image}}", ref)
    assert code == exitcodes.INTEGRITY
    assert f"image config {sha(BOMB)} is not valid JSON: nested too deeply" in err
    assert "recursion" not in err


def test_deep_provenance_single_platform_notes_and_prints_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, layer = index_with_provenance(Layout(tmp_path), BOMB)
    code, out, err = run(capsys, "inspect", "--format", "{{json .Provenance}}", ref)
    assert code == 0
    assert out == "{}"  # buildx prints the empty stub when a single platform's load fails
    assert f"in-toto layer {layer} is not valid JSON: nested too deeply" in err
    assert "recursion" not in err


def test_deep_provenance_multi_platform_is_a_template_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, layer = index_with_provenance(Layout(tmp_path), BOMB, platforms=2)
    code, _, err = run(capsys, "inspect", "--format", "{{json .Provenance}}", ref)
    assert code == exitcodes.TEMPLATE
    assert "error calling Provenance" in err
    assert f"in-toto layer {layer} is not valid JSON: nested too deeply" in err
    assert "recursion" not in err


def test_library_decoders_name_the_blob() -> None:
    with pytest.raises(FormatError, match="image config sha256:ab is not valid JSON: nested"):
        decode_image(BOMB, "sha256:ab")
    with pytest.raises(FormatError, match="image config sha256:ab is not valid JSON: nested"):
        config_platform(BOMB, "sha256:ab")
    with pytest.raises(FormatError, match="DSSE envelope is not valid JSON: nested"):
        load_json(BOMB, "DSSE envelope")


@pytest.mark.parametrize(
    "media_type",
    [
        "application/vnd.in-toto+json",
        "application/vnd.dsse.envelope.v1+json",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/octet-stream",
    ],
)
def test_attest_decode_layer(media_type: str) -> None:
    with pytest.raises(FormatError):
        decode_layer(BOMB, media_type)


def test_cyclonedx_components_nested_deeply_are_walked() -> None:
    """Nested components are walked without recursion (depth is the document's)."""
    depth = 400  # 800 JSON levels: decodes, and a recursive walk would be 400 frames deep
    doc: dict[str, Any] = {"name": "leaf", "purl": "pkg:npm/leaf@1"}
    for i in range(depth):
        doc = {"name": f"c{i}", "purl": f"pkg:npm/c{i}@1", "components": [doc]}
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [doc]}
    sbom = parse_sbom(json.loads(json.dumps(bom)))
    names = [p.name for p in sbom.packages]
    assert len(names) == depth + 1
    assert names[0] == f"c{depth - 1}" and names[-1] == "leaf"
