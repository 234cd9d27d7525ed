"""``open_source`` applies the run's size caps to OCI layouts as well as registries."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from ocitrace.errors import TooLarge
from ocitrace.layout import LayoutSource
from ocitrace.oci.model import Descriptor
from ocitrace.opener import open_layout, open_source
from ocitrace.reference import parse_layout_reference
from ocitrace.registry import Limits, RegistryClient

from .helpers import sha, transport
from .test_layout import CONFIG, make_layout


def test_layout_gets_the_blob_cap(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    src, _ = open_source(f"oci-layout://{root}:v1", transport(), limits=Limits(blob=10))
    assert isinstance(src, LayoutSource)
    with pytest.raises(TooLarge) as info:
        src.blob(Descriptor("x", sha(CONFIG), len(CONFIG)))
    assert info.value.limit == 10


def test_layout_gets_the_clients_caps(tmp_path: Path) -> None:
    root = make_layout(tmp_path)
    client = RegistryClient(transport(), limits=Limits(manifest=100))
    src, _ = open_source(f"oci-layout://{root}:v1", client.transport, client=client)
    with pytest.raises(TooLarge):
        src.manifest("v1")


@pytest.mark.parametrize(
    "fmt", ["{{json .Image}}", "{{.Image.Architecture}}", None], ids=["json", "field", "listing"]
)
def test_cli_inspect_layout_honours_max_blob_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str | None
) -> None:
    """``--max-blob-size`` caps the config read from a layout (the listing reads none)."""
    ref = f"oci-layout://{make_layout(tmp_path)}:v1"
    argv = ["inspect", "--max-blob-size", "10", ref] + (["--format", fmt] if fmt else [])
    code = main(argv)
    err = capsys.readouterr().err
    if fmt is None:
        assert (code, err) == (0, "")
        return
    assert code == exitcodes.INTEGRITY
    assert "exceeds the 10-byte cap" in err and sha(CONFIG) in err
    assert main(["inspect", "--max-blob-size", str(len(CONFIG)), ref, "--format", fmt]) == 0


def test_open_layout_default_caps(tmp_path: Path) -> None:
    src = open_layout(parse_layout_reference(f"oci-layout://{make_layout(tmp_path)}:v1"))
    assert src.blob(Descriptor("x", sha(CONFIG), len(CONFIG))) == CONFIG
    capped = open_layout(parse_layout_reference(f"oci-layout://{tmp_path}"), Limits(blob=10))
    with pytest.raises(TooLarge):
        capped.blob(Descriptor("x", sha(CONFIG), len(CONFIG)))
