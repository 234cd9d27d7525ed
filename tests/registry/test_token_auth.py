"""Token auth against docker-registry + token_issuer: scopes per repository, anonymous pulls."""

from __future__ import annotations

import pytest

from ocitrace.errors import Unauthorized
from ocitrace.registry import RegistryClient
from ocitrace.transport import Transport, TransportOptions
from tests.conftest import RegistryFactory
from tests.support.registry import fixture_dir, push_layout

pytestmark = pytest.mark.registry
SINGLE = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"


def test_one_token_per_repository_scope(registry_factory: RegistryFactory) -> None:
    reg = registry_factory("token")
    for repo in ("team/a", "team/b"):
        push_layout(reg, fixture_dir("single-plain"), repo, "v1")
    before = len(reg.token_requests())
    client = RegistryClient(Transport(TransportOptions(username="alice", password="wonderland")))
    a = client.repository(reg.host, "team/a")
    b = client.repository(reg.host, "team/b")

    assert a.resolve("v1").digest == SINGLE
    assert a.manifest("v1").descriptor.digest == SINGLE
    assert list(a.tags()) == ["v1"]
    after_a = reg.token_requests()[before:]
    assert [r["scopes"] for r in after_a] == [["repository:team/a:pull"]]

    assert b.resolve("v1").digest == SINGLE
    assert a.resolve("v1").digest == SINGLE  # back to a: its token is still cached
    after_b = reg.token_requests()[before:]
    assert [r["scopes"] for r in after_b] == [
        ["repository:team/a:pull"],
        ["repository:team/b:pull"],
    ]
    assert all(r["user"] == "alice" and r["status"] == 200 for r in after_b)

    assert list(client.catalog(reg.host)) == ["team/a", "team/b"]
    assert reg.token_requests()[-1]["scopes"] == ["registry:catalog:*"]


def test_anonymous_pull_of_public_repository_only(registry_factory: RegistryFactory) -> None:
    reg = registry_factory("token", public="public/*")
    push_layout(reg, fixture_dir("single-plain"), "public/app", "v1")
    push_layout(reg, fixture_dir("single-plain"), "private/app", "v1")
    client = RegistryClient(Transport(TransportOptions(docker_config_dir=str(reg.root / "none"))))

    assert client.repository(reg.host, "public/app").manifest("v1").descriptor.digest == SINGLE
    with pytest.raises(Unauthorized) as err:
        client.repository(reg.host, "private/app").manifest("v1")
    assert str(err.value).startswith(f"{reg.host}/private/app:v1: unauthorized")
    assert err.value.code == "UNAUTHORIZED"
