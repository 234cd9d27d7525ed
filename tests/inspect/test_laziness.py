"""What each part of the model fetches, counted at a proxy in front of a real registry."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ocitrace.inspect.format import render_format
from ocitrace.inspect.inspection import Inspection
from ocitrace.oci.platform import parse_platform
from ocitrace.reference import parse_reference
from ocitrace.registry import RegistryClient
from ocitrace.transport.core import Transport
from tests.support.proxy import RunningProxy, counting_proxy
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

from .goldens import BUILDKIT, golden

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


# --- whole --format runs: what each template costs ----------------------------------


def layout_manifest(name: str, digest: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (BUILDKIT / name / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
    )
    return data


def blob_kinds(name: str) -> dict[str, str]:
    """Every blob digest of a fixture → ``config``, ``slsa``, ``spdx`` or ``layer``."""
    kinds: dict[str, str] = {}
    for entry in layout_index(name)["manifests"]:  # type: ignore[attr-defined]
        m = layout_manifest(name, entry["digest"])
        kinds[m["config"]["digest"]] = "config"
        for layer in m["layers"]:
            ptype = layer.get("annotations", {}).get("in-toto.io/predicate-type", "")
            kinds[layer["digest"]] = (
                "slsa"
                if ptype.startswith("https://slsa.dev/")
                else "spdx"
                if "spdx" in ptype
                else "layer"
            )
    return kinds


def fetched_blobs(proxy: RunningProxy, name: str) -> list[str]:
    kinds = blob_kinds(name)
    return sorted(kinds[p.rsplit("/", 1)[1]] for m, p in proxy.log.requests if "/blobs/" in p)


def run_format(
    proxy: RunningProxy, pool: ThreadPoolExecutor, name: str, template: str, **kw: object
) -> tuple[str, str]:
    ins = open_inspection(proxy, pool, name, **kw)
    rendered = render_format(ins, f"{proxy.host}/lazy/{name}:v1", template)
    return rendered.output, "".join(f"ocitrace: note: {n}\n" for n in rendered.notes)


@pytest.mark.parametrize("template", ["{{.Name}}", "{{.Manifest.Digest}}", "{{.Manifest}}"])
def test_format_name_or_digest_costs_the_top_manifest_only(
    proxy: RunningProxy, pool: ThreadPoolExecutor, template: str
) -> None:
    run_format(proxy, pool, "multi-prov-max", template)
    assert proxy.log.requests == [("GET", "/v2/lazy/multi-prov-max/manifests/v1")]


def test_format_image_fetches_configs_and_no_attestation_blobs(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    out, _ = run_format(
        proxy, pool, "multi-prov-max", '{{(index .Image "linux/arm64").Architecture}}'
    )
    assert out == "arm64"
    assert fetched_blobs(proxy, "multi-prov-max") == ["config"] * 3
    assert proxy.log.count("GET", "/manifests/") == 7


def test_format_provenance_fetches_no_configs(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    out, err = run_format(proxy, pool, "multi-prov-max", "{{json .Provenance}}")
    assert out.encode() == golden("multi-prov-max", "json-provenance")
    assert fetched_blobs(proxy, "multi-prov-max") == ["slsa"] * 3
    assert err == ""


def test_format_sbom_fetches_only_spdx_layers(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    out, _ = run_format(proxy, pool, "sbom-extras-classic", "{{json .SBOM}}")
    assert out.encode() == golden("sbom-extras-classic", "json-sbom")
    assert fetched_blobs(proxy, "sbom-extras-classic") == ["spdx"] * 3


def test_format_json_dot_has_no_attestation_blobs(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    out, _ = run_format(proxy, pool, "multi-prov-max", "{{json .}}")
    assert out.encode() == golden("multi-prov-max", "json", f"{proxy.host}/lazy/")
    assert fetched_blobs(proxy, "multi-prov-max") == ["config"] * 3


def test_format_missing_provenance_prints_buildx_output_and_one_note(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    out, err = run_format(proxy, pool, "single-plain", "{{json .Provenance}}")
    assert out.encode() == golden("single-plain", "json-provenance") == b"{}"
    lines = err.splitlines()
    assert len(lines) == 1
    assert "no SLSA provenance" in lines[0] and "linux/arm64" in lines[0]
    assert "attestation manifests" in lines[0]


def test_format_platform_narrowing_gives_single_shape(
    proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    out, _ = run_format(
        proxy,
        pool,
        "multi-prov-max",
        "{{.Image.Architecture}} {{.Image.Variant}} {{.Provenance.SLSA.buildDefinition.externalParameters.request.frontend}}",
        platforms=(parse_platform("linux/arm/v7"),),
    )
    assert out == "arm v7 dockerfile.v0"
    assert fetched_blobs(proxy, "multi-prov-max") == ["config", "slsa"]


@pytest.fixture(scope="module")
def slow_proxy(registry: RunningRegistry, proxy: RunningProxy) -> Iterator[RunningProxy]:
    """The same registry behind a proxy adding 2×ROUND/2 per request (one round trip = ROUND)."""
    with counting_proxy(registry.url, latency=ROUND / 2) as p:
        yield p


ROUND = 0.4


def test_format_everything_takes_three_round_trips(
    slow_proxy: RunningProxy, pool: ThreadPoolExecutor
) -> None:
    """Top manifest, then all children at once, then configs and attestation layers at once."""
    start = time.monotonic()
    out, _ = run_format(
        slow_proxy, pool, "multi-prov-max", "{{json .Image}}{{json .Provenance}}{{json .SBOM}}"
    )
    elapsed = time.monotonic() - start
    assert out.startswith("{")
    assert fetched_blobs(slow_proxy, "multi-prov-max") == ["config"] * 3 + ["slsa"] * 3
    assert slow_proxy.log.peak >= 6
    assert 3 * ROUND <= elapsed < 3.75 * ROUND, f"{elapsed:.2f}s is not three round trips"
