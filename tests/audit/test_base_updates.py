"""--check-base-updates against a real registry: the base tag now points elsewhere or not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ocitrace.audit.base_updates import check_base_updates
from ocitrace.audit.policy import parse_policy
from ocitrace.registry import RegistryClient
from ocitrace.source import Source
from ocitrace.transport import Transport, TransportOptions
from tests.audit.fixture_rows import fixture_rows
from tests.support.registry import (
    RunningRegistry,
    fixture_dir,
    push_layout,
    registry_available,
    start_registry,
)

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(not registry_available(), reason="docker-registry not installed"),
]

BUSYBOX = "sha256:8f3e4e5bed2c0571dec28112438afe8c4f2ffc05543680546f2a4f224aae9c8c"
PLAIN_AMD64 = "sha256:379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"


@pytest.fixture(scope="module")
def base_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """``base/busybox:1`` is now multi-plain (an index; its amd64 image is PLAIN_AMD64)."""
    reg = start_registry(tmp_path_factory.mktemp("base-registry"))
    try:
        push_layout(reg, fixture_dir("multi-plain"), "base/busybox", "1")
        yield reg
    finally:
        reg.stop()


def test_moved_tag_is_base_outdated_and_a_current_one_is_quiet(
    base_registry: RunningRegistry,
) -> None:
    client = RegistryClient(Transport(TransportOptions()))
    asked: list[tuple[str, str]] = []

    def open_source(registry: str, repository: str) -> Source:
        # the fixtures were built against 127.0.0.1:5200; that registry is this one now
        asked.append((registry, repository))
        assert registry == "127.0.0.1:5200"
        return client.repository(base_registry.host, repository)

    policy = parse_policy(read_config=True, fail=["base-outdated"])
    rows = fixture_rows(["run-secrets-ssh-max", "base-current-max"], policy)
    checked = check_base_updates(rows, open_source, policy)
    outdated = [r for r in checked if r.repository.endswith("run-secrets-ssh-max")]
    current = [r for r in checked if r.repository.endswith("base-current-max")]
    assert len(outdated) == 2 and len(current) == 2
    for row in outdated:
        (f,) = [f for f in row.records["findings"] if f["id"] == "base-outdated"]
        assert f["evidence"] == {
            "image": "127.0.0.1:5200/base/busybox:1",
            "platform": "linux/amd64",
            "builtOn": BUSYBOX,
            "now": PLAIN_AMD64,
        }
        assert f["action"] == "fail"
        assert row.failures[-1].startswith("base-outdated: 127.0.0.1:5200/base/busybox:1 now")
    for row in current:
        assert not [f for f in row.records["findings"] if f["id"] == "base-outdated"]
        assert row.failures == ()
        # it is still unpinned, and was built on the image the tag names today
        (u,) = [f for f in row.records["findings"] if f["id"] == "unpinned-base"]
        assert u["evidence"]["resolvedDigest"] == PLAIN_AMD64
    assert asked == [("127.0.0.1:5200", "base/busybox")]  # once per image and platform


def test_lookup_failure_is_recorded_not_guessed(base_registry: RunningRegistry) -> None:
    client = RegistryClient(Transport(TransportOptions()))

    def open_source(registry: str, repository: str) -> Source:
        return client.repository(base_registry.host, "base/none")

    policy = parse_policy(read_config=True)
    (row, *_) = check_base_updates(
        fixture_rows(["run-secrets-ssh-max"], policy), open_source, policy
    )
    assert not [f for f in row.records["findings"] if f["id"] == "base-outdated"]
    (err,) = row.records["baseUpdateErrors"]
    assert err.startswith("127.0.0.1:5200/base/busybox:1: ")
