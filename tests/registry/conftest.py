"""Fixtures for registry tests: one registry per auth mode with the BuildKit fixtures pushed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ocitrace.registry import RegistryClient
from ocitrace.transport import Transport, TransportOptions
from tests.support.registry import (
    MODES,
    RunningRegistry,
    fixture_dir,
    push_layout,
    registry_available,
    start_registry,
)

#: fixture → (top-level media type, digest), from fixtures/buildkit/README.md (checked
#: there against what a real registry served for the same push).
FIXTURES: dict[str, tuple[str, str]] = {
    "multi-docker": (
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "sha256:22e5a7324930519b2c61d6b636eb05b255ddecefc430aaaefefc2c1a3017f31d",
    ),
    "single-docker": (
        "application/vnd.docker.distribution.manifest.v2+json",
        "sha256:c1c8b61222af5d8388e85443851051bd1acaa25c900ee610909bdd260b24fe4a",
    ),
    "multi-plain": (
        "application/vnd.oci.image.index.v1+json",
        "sha256:2587dcbc8748ec49858e1099408ae048ad70785feeba4ce4d01bc464743cf790",
    ),
    "single-plain": (
        "application/vnd.oci.image.manifest.v1+json",
        "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246",
    ),
    "multi-prov-max": (
        "application/vnd.oci.image.index.v1+json",
        "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511",
    ),
}


def fixture_blob(name: str, digest: str) -> bytes:
    return (fixture_dir(name) / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()


@dataclass
class Loaded:
    """A registry with every fixture pushed as ``ocitrace/<fixture>:v1``."""

    reg: RunningRegistry

    def options(self, **kw: object) -> TransportOptions:
        base: dict[str, object] = {"retries": 0}
        if self.reg.username:
            base.update(username=self.reg.username, password=self.reg.password)
        if self.reg.ca_cert:
            base["ca_cert"] = str(self.reg.ca_cert)
        base.update(kw)
        return TransportOptions(**base)  # type: ignore[arg-type]

    def client(self, **kw: object) -> RegistryClient:
        return RegistryClient(Transport(self.options(**kw)))


@pytest.fixture(scope="module", params=MODES)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    if not registry_available():
        pytest.skip("Debian's docker-registry (/usr/bin/docker-registry) is not installed")
    mode = str(request.param)
    reg = start_registry(tmp_path_factory.mktemp(f"reg-{mode}"), mode=mode)
    for name in FIXTURES:
        push_layout(reg, fixture_dir(name), f"ocitrace/{name}", "v1")
    yield Loaded(reg)
    reg.stop()
