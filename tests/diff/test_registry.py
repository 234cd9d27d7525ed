"""``diff`` against the real docker-registry: same answers as on layouts, and what it fetches,
counted at a proxy (as tests/inspect/test_laziness.py does).

Request counts come from the fixtures' structure, read by hand: multi-prov-max and
multi-prov-min are indexes of the same three image manifests (379cd4e4…, 074b3160…,
cb98c8ff…), each with its own three attestation manifests of one provenance layer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ocitrace import Client
from tests.cli.inproc import run_cli
from tests.support.proxy import RunningProxy, counting_proxy
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

FIXTURES = ("multi-prov-max", "multi-prov-min", "legacy-multi-slsa1-max")
B = "oci-layout://fixtures/buildkit"


@pytest.fixture(scope="module")
def proxy(registry: RunningRegistry) -> Iterator[RunningProxy]:
    for name in FIXTURES:
        push_layout(registry, fixture_dir(name), f"diff/{name}", "v1", auth=None)
    with counting_proxy(registry.url, latency=0.02) as p:
        yield p


def ref(proxy: RunningProxy, name: str) -> str:
    return f"{proxy.host}/diff/{name}:v1"


def run_diff(proxy: RunningProxy, a: str, b: str, **kw: object) -> object:
    with Client() as oc:
        proxy.log.clear()
        return oc.diff(ref(proxy, a), ref(proxy, b), referrers=False, cosign=False, **kw)  # type: ignore[arg-type]


def test_shared_digests_fetched_once(proxy: RunningProxy) -> None:
    d = run_diff(proxy, "multi-prov-max", "multi-prov-min")
    assert d.differs  # type: ignore[attr-defined]
    # 2 tops by tag + 3 + 3 attestation manifests + the 3 shared image manifests, once each
    assert proxy.log.count("GET", "/manifests/") == 11
    # 3 + 3 provenance layers + the 3 shared configs, once each; no image layer at all
    assert proxy.log.count("GET", "/blobs/") == 9
    assert proxy.log.count() == 20
    paths = [p for m, p in proxy.log.requests if m == "GET"]
    assert len(paths) == len(set(paths))  # nothing asked twice
    assert proxy.log.peak >= 2  # the sides ran concurrently


def test_image_with_itself_costs_one_side(proxy: RunningProxy) -> None:
    d = run_diff(proxy, "multi-prov-max", "multi-prov-max")
    assert not d.differs  # type: ignore[attr-defined]
    # 1 top + 3 attestation manifests + 3 image manifests; 3 provenance layers + 3 configs
    assert proxy.log.count("GET", "/manifests/") == 7
    assert proxy.log.count("GET", "/blobs/") == 6
    assert proxy.log.count() == 13


def test_platform_narrows_fetches(proxy: RunningProxy) -> None:
    run_diff(proxy, "multi-prov-max", "multi-prov-min", platforms=["linux/arm64"])
    # 2 tops + 1 + 1 attestation manifests + 1 shared image manifest; 2 layers + 1 config
    assert proxy.log.count("GET", "/manifests/") == 5
    assert proxy.log.count("GET", "/blobs/") == 3


def test_all_stores_still_fetch_each_digest_once(proxy: RunningProxy) -> None:
    with Client() as oc:
        proxy.log.clear()
        d = oc.diff(ref(proxy, "multi-prov-max"), ref(proxy, "multi-prov-max"))
    assert not d.differs
    gets = [p for m, p in proxy.log.requests if m in ("GET", "HEAD")]
    assert len(gets) == len(set(gets))  # referrers and cosign lookups asked once for both sides


def test_registry_json_equals_layout_json(proxy: RunningProxy) -> None:
    """The registry answers the same as the layouts (names and top digests aside)."""
    reg = run_cli(
        "diff", "--json", "--no-referrers", "--no-cosign",
        ref(proxy, "legacy-multi-slsa1-max"), ref(proxy, "multi-prov-max"), text=True,
    )  # fmt: skip
    lay = run_cli(
        "diff", "--json", "--no-referrers", "--no-cosign",
        f"{B}/legacy-multi-slsa1-max:v1", f"{B}/multi-prov-max:v1", text=True,
    )  # fmt: skip
    assert reg.returncode == lay.returncode == 0, reg.stderr + lay.stderr
    a, b = json.loads(reg.stdout), json.loads(lay.stdout)
    assert a["old"]["reference"] == ref(proxy, "legacy-multi-slsa1-max")
    for doc in (a, b):
        doc["old"].pop("reference")
        doc["new"].pop("reference")
    assert a == b
    amd = a["platforms"][0]
    assert {f["name"] for f in amd["provenance"]["fields"]} == {
        "statementType",
        "startedOn",
        "finishedOn",
        "dockerfileVersion",
    }


def test_registry_exit_code_and_self(proxy: RunningProxy) -> None:
    same = run_cli(
        "diff", "--exit-code", ref(proxy, "multi-prov-min"), ref(proxy, "multi-prov-min"), text=True
    )
    assert same.returncode == 0, same.stderr
    assert same.stdout.endswith("no differences\n")
    other = run_cli(
        "diff", "--exit-code", ref(proxy, "multi-prov-min"), ref(proxy, "multi-prov-max"), text=True
    )
    assert other.returncode == 1
    assert "  + build-arg APP_VERSION=1.2.3\n" in other.stdout
