"""What each part of the model fetches, counted at a proxy in front of a real registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ocitrace.inspect.inspection import Inspection
from ocitrace.oci.platform import parse_platform
from ocitrace.reference import parse_reference
from ocitrace.registry import RegistryClient
from ocitrace.transport.core import Transport
from tests.support.proxy import RunningProxy, counting_proxy
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

from .goldens import BUILDKIT

FIXTURES = ("multi-prov-max", "sbom-extras-classic", "single-plain")


@pytest.fixture(scope="module")
def proxy(registry: RunningRegistry) -> Iterator[RunningProxy]:
    for name in FIXTURES:
        push_layout(registry, fixture_dir(name), f"lazy/{name}", "v1", auth=None)
    with counting_proxy(registry.url, latency=0.02) as p:
        yield p


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(16) as p:
        yield p


def open_inspection(
    proxy: RunningProxy, pool: ThreadPoolExecutor, name: str, **kw: object
) -> Inspection:
    ref = parse_reference(f"{proxy.host}/lazy/{name}:v1")
    client = RegistryClient(Transport())
    proxy.log.clear()
    return Inspection(client.repository(ref.registry, ref.repository), ref, pool, **kw)  # type: ignore[arg-type]


def layout_index(name: str) -> dict[str, object]:
    idx = json.loads((BUILDKIT / name / "index.json").read_text())
    digest = idx["manifests"][0]["digest"].split(":")[1]
    data: dict[str, object] = json.loads(
        (BUILDKIT / name / "blobs" / "sha256" / digest).read_bytes()
    )
    return data


def test_top_level_alone_for_name_and_digest(proxy: RunningProxy, pool: ThreadPoolExecutor) -> None:
    ins = open_inspection(proxy, pool, "multi-prov-max")
    ins.manifest_value()
    assert ins.is_multi()  # every image entry has a descriptor platform: no fetch needed
    assert proxy.log.requests == [("GET", "/v2/lazy/multi-prov-max/manifests/v1")]


def test_images_fetch_manifests_and_configs_but_no_attestation_blobs(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    ins = open_inspection(proxy, pool, "multi-prov-max")
    images = ins.images()
    assert sorted(images) == ["linux/amd64", "linux/arm/v7", "linux/arm64"]
    entries = layout_index("multi-prov-max")["manifests"]
    assert isinstance(entries, list)
    # top + every child manifest (3 images + 3 attestation manifests) + 3 configs
    assert proxy.log.count("GET", "/manifests/") == 1 + len(entries)
    assert proxy.log.count("GET", "/blobs/") == 3
    assert proxy.log.peak >= 3  # fetched concurrently
    ins.images()
    assert proxy.log.count() == 1 + len(entries) + 3  # memoised


def test_provenance_fetches_no_configs(proxy: RunningProxy, pool: ThreadPoolExecutor) -> None:
    ins = open_inspection(proxy, pool, "multi-prov-max")
    prov = ins.provenance()
    assert sorted(prov) == ["linux/amd64", "linux/arm/v7", "linux/arm64"]
    assert all("buildDefinition" in p for p in prov.values())
    # 1 top + 6 children, then exactly one provenance layer per platform
    assert proxy.log.count("GET", "/manifests/") == 7
    assert proxy.log.count("GET", "/blobs/") == 3


def test_sbom_fetches_only_spdx_layers(proxy: RunningProxy, pool: ThreadPoolExecutor) -> None:
    ins = open_inspection(proxy, pool, "sbom-extras-classic")
    sbom = ins.sbom()
    assert list(sbom) == ["linux/amd64"]
    assert len(sbom["linux/amd64"].additional) == 2
    # top + image + attestation manifest; then the 3 SPDX layers (not the provenance layer)
    assert proxy.log.count("GET", "/manifests/") == 3
    assert proxy.log.count("GET", "/blobs/") == 3


def test_prefetch_puts_configs_and_layers_in_one_round(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    ins = open_inspection(proxy, pool, "multi-prov-max")
    ins.prefetch(image=True, provenance=True)
    ins.images()
    ins.provenance()
    assert proxy.log.count("GET", "/blobs/") == 6
    assert proxy.log.peak >= 6


def test_single_manifest_image_costs_one_config(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    ins = open_inspection(proxy, pool, "single-plain")
    assert not ins.is_multi()
    images = ins.images()
    assert list(images) == ["linux/arm64"]
    assert proxy.log.count() == 2  # top manifest + its config


def test_platform_filter_gives_single_shape(proxy: RunningProxy, pool: ThreadPoolExecutor) -> None:
    ins = open_inspection(
        proxy, pool, "multi-prov-max", platforms=(parse_platform("linux/arm64/v8"),)
    )
    assert not ins.is_multi()
    assert list(ins.images()) == ["linux/arm64"]
    assert list(ins.provenance()) == ["linux/arm64"]
