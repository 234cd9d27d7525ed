"""buildx's single/multi semantics of the template model, on the quirks layout (real buildx outputs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ocitrace.errors import OcitraceError
from ocitrace.inspect.format import is_manifest_format, prefetch_hints
from ocitrace.inspect.model import EMPTY_SBOM, TemplateModel

from .goldens import QUIRKS_CASES, QUIRKS_LAYOUT, quirks_layout_tags
from .layoutsrc import inspect_layout


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(8) as p:
        yield p


def model(pool: ThreadPoolExecutor, tag: str) -> TemplateModel:
    ins, _ = inspect_layout(pool, QUIRKS_LAYOUT, quirks_layout_tags()[tag], tag)
    return TemplateModel(ins, quirks_layout_tags()[tag])


def as_float64(v: object) -> object:
    """JSON numbers as Go decodes them into any: float64."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, list):
        return [as_float64(x) for x in v]
    assert isinstance(v, dict)
    return {k: as_float64(x) for k, x in v.items()}


def golden_json(case: str) -> Any:
    return json.loads((QUIRKS_CASES / f"{case}.txt").read_text())


def test_multi_shape_and_keys(pool: ThreadPoolExecutor) -> None:
    m = model(pool, "multi-v1")
    assert m.go_type_name == "imagetools.tplInputs"
    image = m.Image
    assert isinstance(image, dict)
    assert sorted(image) == sorted(golden_json("multi.json-Image"))
    prov = m.Provenance()
    assert sorted(prov) == sorted(golden_json("multi.json-Provenance"))
    expected_prov = golden_json("multi.json-Provenance")
    assert isinstance(expected_prov, dict)
    for key, value in prov.items():
        assert as_float64(value) == as_float64(expected_prov[key]["SLSA"])
    # windows/amd64 has no attestation: one note naming it
    assert any("windows/amd64" in line for line in m.notes.lines())


def test_multi_sbom_extras_in_layer_order(pool: ThreadPoolExecutor) -> None:
    m = model(pool, "multi-v1")
    sbom = m.SBOM()
    expected = golden_json("multi.json-SBOM")
    assert isinstance(sbom, dict) and isinstance(expected, dict)
    assert sorted(sbom) == sorted(expected)
    for key, value in sbom.items():
        assert as_float64(value.spdx) == as_float64(expected[key]["SPDX"])
        assert as_float64(list(value.additional)) == as_float64(
            expected[key].get("AdditionalSPDXs", [])
        )


def test_single_shape_swallows_errors_with_a_note(pool: ThreadPoolExecutor) -> None:
    m = model(pool, "missing-blob-single")
    assert m.go_type_name == "imagetools.tplInput"
    # buildx prints {} for both (cases/missing-blob.single.json-*.txt)
    assert (QUIRKS_CASES / "missing-blob.single.json-Provenance.txt").read_text() == "{}"
    assert m.Provenance() is None
    assert m.SBOM() == EMPTY_SBOM
    lines = m.notes.lines()
    assert len(lines) == 2 and all("could not be loaded" in line for line in lines)


def test_multi_shape_propagates_attestation_errors(pool: ThreadPoolExecutor) -> None:
    m = model(pool, "missing-blob-multi")
    assert m.go_type_name == "imagetools.tplInputs"
    with pytest.raises(OcitraceError):
        m.Provenance()


def test_dsse_layers_are_unwrapped(pool: ThreadPoolExecutor) -> None:
    m = model(pool, "dsse-v1")
    expected = golden_json("dsse.json-Provenance")
    assert isinstance(expected, dict)
    assert as_float64(m.Provenance()) == as_float64(expected["SLSA"])
    sbom = m.SBOM()
    assert sbom.spdx == golden_json("dsse.json-SBOM")["SPDX"]  # type: ignore[index,union-attr]


def test_noplatform_entry_keyed_from_config(pool: ThreadPoolExecutor) -> None:
    m = model(pool, "noplatform-v1")
    keys = (QUIRKS_CASES / "noplatform.json-Image-keys.txt").read_text().split()
    assert sorted(m.ins.tree.keys()) == keys


def test_nested_index_images(pool: ThreadPoolExecutor) -> None:
    m = model(pool, "nested-v1")
    text = (QUIRKS_CASES / "nested.Image-keys.txt").read_text()
    images = [line for line in text.splitlines() if not line.startswith("prov ")]
    provs = [line[5:] for line in text.splitlines() if line.startswith("prov ")]
    assert m.ins.tree.keys() == images
    assert sorted(m.Provenance()) == provs


@pytest.mark.parametrize(
    ("reprinted", "listing"),
    [
        ("{{.Manifest}}", True),
        ("  {{.Manifest}}\n", True),
        ("M={{.Manifest}}", False),
        ("{{.Manifest}}x", False),
    ],
)
def test_manifest_format_check(reprinted: str, listing: bool) -> None:
    assert is_manifest_format(reprinted) is listing


def test_prefetch_hints() -> None:
    assert prefetch_hints("{{json .Provenance}}") == {
        "image": False,
        "provenance": True,
        "sbom": False,
    }
    assert prefetch_hints("{{.Manifest.Digest}}") == {
        "image": False,
        "provenance": False,
        "sbom": False,
    }
    assert prefetch_hints("{{json .}}")["image"]
