"""Shared pytest fixtures: a real registry (Debian's docker-registry) in several modes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.registry import RunningRegistry, registry_available, start_registry

RegistryFactory = Callable[..., RunningRegistry]


def _require_registry() -> None:
    if not registry_available():
        pytest.skip("Debian's docker-registry (/usr/bin/docker-registry) is not installed")


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """One anonymous registry for the whole session (use unique repository names)."""
    _require_registry()
    reg = start_registry(tmp_path_factory.mktemp("registry"), mode="anonymous")
    yield reg
    reg.stop()


@pytest.fixture
def registry_factory(tmp_path: Path) -> Iterator[RegistryFactory]:
    """``registry_factory(mode, **kw)`` starts a fresh registry, stopped after the test."""
    _require_registry()
    started: list[RunningRegistry] = []

    def make(mode: str = "anonymous", **kw: object) -> RunningRegistry:
        reg = start_registry(tmp_path / f"{mode}-{len(started)}", mode=mode, **kw)  # type: ignore[arg-type]
        started.append(reg)
        return reg

    yield make
    for reg in started:
        reg.stop()
