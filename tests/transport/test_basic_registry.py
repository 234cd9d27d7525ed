"""Basic auth end to end against docker-registry 2.8 (htpasswd mode) via the shared harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocitrace.transport import Transport, TransportOptions
from ocitrace.transport.credentials import CredentialStore

registry_support = pytest.importorskip("tests.support.registry")

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(
        not registry_support.registry_available(), reason="needs Debian's docker-registry"
    ),
]


@pytest.fixture(scope="module")
def htpasswd_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    reg = registry_support.start_registry(tmp_path_factory.mktemp("basic"), mode="htpasswd")
    try:
        yield reg
    finally:
        reg.stop()


def transport(**creds: Any) -> Transport:
    store = CredentialStore(
        docker_config_dir="/nonexistent", environ={"HOME": "/nonexistent"}, **creds
    )
    return Transport(TransportOptions(timeout=10.0, retries=1), credentials=store, environ={})


def test_blob_pull_with_basic_auth(htpasswd_registry: object, tmp_path: Path) -> None:
    reg = htpasswd_registry
    data = b"ocitrace transport basic-auth blob\n"
    digest = registry_support.push_blob(reg, "team/app", data)
    url = f"{reg.url}/v2/team/app/blobs/{digest}"  # type: ignore[attr-defined]
    scope = "repository:team/app:pull"
    with transport(username="alice", password="wonderland") as t:
        resp = t.request("GET", url, registry=reg.host, scope=scope)  # type: ignore[attr-defined]
        assert resp.status_code == 200
        assert b"".join(resp.iter_content(1024)) == data
        assert resp.headers["Docker-Content-Digest"] == digest
    with transport() as t:
        resp = t.request("GET", url, registry=reg.host, scope=scope, stream=False)  # type: ignore[attr-defined]
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == 'Basic realm="ocitrace-test"'
    with transport(username="alice", password="wrong") as t:
        assert t.request("GET", url, registry=reg.host, scope=scope).status_code == 401  # type: ignore[attr-defined]
