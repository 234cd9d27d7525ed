"""``open_source`` applies the run's size caps to OCI layouts as well as registries."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocitrace.errors import TooLarge
from ocitrace.layout import LayoutSource
from ocitrace.oci.model import Descriptor
from ocitrace.registry import Limits, RegistryClient
from ocitrace.sources import open_source

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
