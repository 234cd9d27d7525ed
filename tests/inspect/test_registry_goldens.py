"""Every public fixture pushed to a real registry × every golden case, byte for byte.

Runs through a counting proxy, so each case also asserts how many requests it cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ocitrace.inspect.inspection import Inspection
from ocitrace.reference import parse_reference
from ocitrace.registry import RegistryClient
from ocitrace.transport.core import Transport
from tests.support.proxy import RunningProxy, counting_proxy
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

from .goldens import cases, fixtures, golden


@pytest.fixture(scope="module")
def pushed(registry: RunningRegistry) -> Iterator[RunningProxy]:
    """All fixtures pushed as ocitrace/<name>:v1, served through a counting proxy."""
    for name in fixtures():
        push_layout(registry, fixture_dir(name), f"ocitrace/{name}", "v1", auth=None)
    with counting_proxy(registry.url) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def client() -> Iterator[RegistryClient]:
    with Transport() as transport:
        yield RegistryClient(transport)


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(16) as p:
        yield p


def run_case(
    proxy: RunningProxy,
    client: RegistryClient,
    pool: ThreadPoolExecutor,
    fixture: str,
    args: list[str],
) -> bytes:
    text = f"{proxy.host}/ocitrace/{fixture}:v1"
    ref = parse_reference(text)
    ins = Inspection(client.repository(ref.registry, ref.repository), ref, pool)
    if args == ["--raw"]:
        return ins.raw()
    if not args:
        return ins.listing().encode()
    from ocitrace.inspect.format import render_format

    return render_format(ins, text, args[1]).output.encode()


@pytest.mark.parametrize("fixture", fixtures())
@pytest.mark.parametrize(("case", "args"), cases())
def test_golden(
    pushed: RunningProxy,
    client: RegistryClient,
    pool: ThreadPoolExecutor,
    fixture: str,
    case: str,
    args: list[str],
) -> None:
    pushed.log.clear()
    got = run_case(pushed, client, pool, fixture, args)
    assert got == golden(fixture, case, f"{pushed.host}/ocitrace/")
    if case in ("default", "raw"):
        # one GET of the top level by tag; buildx needs HEAD + GET
        assert pushed.log.requests == [("GET", f"/v2/ocitrace/{fixture}/manifests/v1")]
