"""Issue 12 item 3: credentials reach a Bearer realm only over HTTPS (or plain HTTP to a
loopback / insecure-listed realm) and only on the registry's host, its registrable domain
or an ``--auth-realm-host``; a public registry's realm never makes us contact an internal
or link-local address.  Non-loopback hosts are reached through a forward proxy
(``HostileServer``) that records what it was asked."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from ocitrace.errors import Unauthorized
from ocitrace.registry import RegistryClient
from ocitrace.transport import Transport, TransportOptions
from ocitrace.transport.realm import decide, is_internal_host, registrable_domain

from .helpers import OCI_MANIFEST, manifest_bytes
from .hostile import HostileServer, Reply, Seen

pytestmark = pytest.mark.timeout(30)

USER, PASSWORD = "alice", "s3cret-Pa55"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
TOKEN = "tok-realm"
MANIFEST = manifest_bytes()
REGISTRY = "registry.example.test"


def world(realm: str) -> Any:
    """A proxy playing every host: REGISTRY wants a token from ``realm``; any other host
    answers as a token issuer."""

    def handler(seen: Seen) -> Reply:
        if seen.target.startswith(f"http://{REGISTRY}/"):
            if seen.header("Authorization") != f"Bearer {TOKEN}":
                challenge = f'Bearer realm="{realm}",service="svc"'
                return Reply(401, {"WWW-Authenticate": challenge}, b"")
            return Reply(200, {"Content-Type": OCI_MANIFEST}, MANIFEST)
        body = json.dumps({"token": TOKEN}).encode()
        return Reply(200, {"Content-Type": "application/json"}, body)

    return handler


def fetch(realm: str, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> HostileServer:
    srv = HostileServer(world(realm))
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, srv.url)
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    opts = TransportOptions(
        retries=0,
        timeout=5.0,
        username=USER,
        password=PASSWORD,
        insecure_registries=frozenset({REGISTRY, *kw.pop("insecure", ())}),
        **kw,
    )
    try:
        RegistryClient(Transport(opts)).repository(REGISTRY, "a/b").manifest("v1")
    finally:
        srv.close()
    return srv


def token_requests(srv: HostileServer) -> list[Seen]:
    return [s for s in srv.seen if not s.target.startswith(f"http://{REGISTRY}/")]


def test_realm_in_another_domain_is_asked_anonymously(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ocitrace")
    srv = fetch("http://auth.elsewhere.test/token", monkeypatch, insecure={"auth.elsewhere.test"})
    (req,) = token_requests(srv)
    assert req.header("Authorization") is None
    assert "not sending credentials to token realm" in caplog.text
    assert "--auth-realm-host" in caplog.text


def test_realm_allowed_with_auth_realm_host_gets_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv = fetch(
        "http://auth.elsewhere.test/token",
        monkeypatch,
        insecure={"auth.elsewhere.test"},
        auth_realm_hosts=frozenset({"auth.elsewhere.test"}),
    )
    assert token_requests(srv)[0].header("Authorization") == BASIC


def test_realm_sharing_the_registrable_domain_gets_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv = fetch("http://auth.example.test/token", monkeypatch, insecure={"auth.example.test"})
    assert token_requests(srv)[0].header("Authorization") == BASIC


def test_plain_http_realm_in_the_domain_but_not_insecure_gets_no_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv = fetch("http://auth.example.test/token", monkeypatch)
    assert token_requests(srv)[0].header("Authorization") is None


@pytest.mark.parametrize(
    "realm",
    [
        "http://169.254.169.254/latest/meta-data/iam",
        "http://[fd00::1]/token",
        "http://10.0.0.1/token",
        "http://127.0.0.1:1/token",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[::ffff:169.254.169.254]/x",
    ],
)
def test_public_registry_realm_on_internal_address_is_never_contacted(
    realm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Unauthorized, match="refusing to contact token realm"):
        fetch(realm, monkeypatch)


def test_internal_realm_allowed_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    srv = fetch(
        "http://metadata.google.internal/token",
        monkeypatch,
        insecure={"metadata.google.internal"},
        auth_realm_hosts=frozenset({"metadata.google.internal"}),
    )
    assert token_requests(srv)[0].header("Authorization") == BASIC


def test_registrable_domains() -> None:
    assert registrable_domain("registry-1.docker.io") == "docker.io"
    assert registrable_domain("auth.docker.io") == "docker.io"
    assert registrable_domain("registry.gitlab.com") == "gitlab.com"
    assert registrable_domain("a.b.co.uk") == "b.co.uk"
    assert registrable_domain("x.ac.jp") == "x.ac.jp"
    assert registrable_domain("one.azurecr.io") == "one.azurecr.io"
    assert registrable_domain("co.uk") is None
    assert registrable_domain("10.0.0.1") is None


def test_decisions() -> None:
    ok = lambda url: False  # noqa: E731 - no plain http anywhere
    hub = decide("https://auth.docker.io/token", "https://registry-1.docker.io", plain_http_ok=ok)
    assert hub.contact and hub.credentials
    tenant = decide(
        "https://evil.azurecr.io/oauth2/token", "https://mine.azurecr.io", plain_http_ok=ok
    )
    assert tenant.contact and not tenant.credentials
    port = decide("https://127.0.0.1:9/t", "http://localhost:5000", plain_http_ok=ok)
    assert port.contact and port.credentials  # loopback registry, loopback realm over TLS
    clear = decide("http://auth.docker.io/token", "https://registry-1.docker.io", plain_http_ok=ok)
    assert clear.contact and not clear.credentials
    private = decide("https://192.168.1.1/t", "https://10.0.0.2:5000", plain_http_ok=ok)
    assert private.contact  # a private registry may use a private realm
    assert is_internal_host("169.254.169.254") and not is_internal_host("auth.docker.io")
