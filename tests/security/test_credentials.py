"""Credentials go only to the registry's own scheme+host+port (and, for the token dance, to
its realm — over plain HTTP only on loopback or an opted-in host); they never appear in
logs, reprs or error messages."""

from __future__ import annotations

import base64
import json
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocitrace.errors import OcitraceError, RegistryError, TransportError, Unauthorized
from ocitrace.oci.model import Descriptor
from ocitrace.registry import RegistryClient
from ocitrace.transport import Credential, Transport, TransportOptions
from ocitrace.transport.messages import HttpRequest

from .helpers import OCI_MANIFEST, client, manifest_bytes, sha
from .hostile import HostileServer, Reply, Seen

pytestmark = pytest.mark.timeout(30)

USER, PASSWORD = "alice", "s3cret-Pa55"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
TOKEN = "tok-ZXhhbXBsZQ"
MANIFEST = manifest_bytes()


def creds(**kw: Any) -> dict[str, Any]:
    return {"username": USER, "password": PASSWORD, **kw}


def basic_registry(then: Reply) -> HostileServer:
    """A registry wanting Basic auth; authorised requests get ``then``."""

    def handler(seen: Seen) -> Reply:
        if seen.header("Authorization") != BASIC:
            return Reply(401, {"WWW-Authenticate": 'Basic realm="r"'}, b"")
        return then

    return HostileServer(handler)


def bearer_registry(realm: str) -> HostileServer:
    """A registry wanting a Bearer token from ``realm``; serves MANIFEST with it."""

    def handler(seen: Seen) -> Reply:
        if seen.header("Authorization") != f"Bearer {TOKEN}":
            challenge = f'Bearer realm="{realm}",service="svc"'
            return Reply(401, {"WWW-Authenticate": challenge}, b"")
        return Reply(200, {"Content-Type": OCI_MANIFEST}, MANIFEST)

    return HostileServer(handler)


def token_server(seen: Seen) -> Reply:
    return Reply(200, {"Content-Type": "application/json"}, json.dumps({"token": TOKEN}).encode())


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    """A forward proxy standing in for every non-loopback host name (it issues tokens)."""
    with HostileServer(token_server) as srv:
        for name in ("HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, srv.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.setenv(name, "127.0.0.1,localhost")
        for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        yield srv


def env_client(**kw: Any) -> RegistryClient:
    """A client whose transport honours proxy variables from the environment."""
    return RegistryClient(Transport(TransportOptions(retries=0, timeout=5.0, **kw)))


# --- redirects and pagination ---------------------------------------------------------


def test_redirect_chain_to_other_hosts_carries_no_authorization() -> None:
    data = b"blob bytes"
    with HostileServer(lambda s: Reply(200, {}, data)) as storage:
        with HostileServer(
            lambda s: Reply(302, {"Location": f"{storage.url}/final?sig=x"}, b"")
        ) as hop:
            location = {"Location": f"{hop.url}/hop"}
            with basic_registry(Reply(307, location, b"")) as reg:
                got = (
                    client(**creds())
                    .repository(reg.netloc, "a/b")
                    .blob(Descriptor("application/octet-stream", sha(data), len(data)))
                )
            assert got == data
            assert reg.seen[-1].header("Authorization") == BASIC
            assert [s.header("Authorization") for s in hop.seen] == [None]
        assert [s.header("Authorization") for s in storage.seen] == [None]


def test_redirect_back_to_the_registry_after_another_host_stays_anonymous() -> None:
    """registry → other host → registry: once off-origin, Authorization is gone for good."""
    state: dict[str, str] = {}

    def handler(seen: Seen) -> Reply:
        if seen.path == "/back":
            return Reply(200, {}, b"ok")
        if seen.header("Authorization") != BASIC:
            return Reply(401, {"WWW-Authenticate": 'Basic realm="r"'}, b"")
        return Reply(307, {"Location": f"{state['other']}/bounce"}, b"")

    with HostileServer(handler) as reg:
        with HostileServer(lambda s: Reply(307, {"Location": f"{reg.url}/back"}, b"")) as other:
            state["other"] = other.url
            data = b"ok"
            client(**creds()).repository(reg.netloc, "a/b").blob(
                Descriptor("application/octet-stream", sha(data), 2)
            )
            assert other.seen[0].header("Authorization") is None
        assert reg.requests_to("/back")[0].header("Authorization") is None


def test_pagination_link_to_another_host_is_refused() -> None:
    with HostileServer(lambda s: Reply(200, {}, b"{}")) as other:
        page = json.dumps({"name": "a/b", "tags": ["v1"]}).encode()
        link = {
            "Content-Type": "application/json",
            "Link": f'<{other.url}/v2/a/b/tags/list?n=1>; rel="next"',
        }
        reg = basic_registry(Reply(200, link, page))
        with reg, pytest.raises(RegistryError, match="another host"):
            list(client(**creds()).repository(reg.netloc, "a/b").tags())
        assert other.seen == []


def test_pagination_link_to_another_port_or_scheme_is_refused() -> None:
    page = json.dumps({"repositories": ["a"]}).encode()
    for target in ("http://127.0.0.1:1/v2/_catalog?last=a", "https://{netloc}/v2/_catalog?last=a"):
        state: dict[str, str] = {}

        def handler(seen: Seen, target: str = target, state: dict[str, str] = state) -> Reply:
            link = target.format(netloc=state["netloc"])
            headers = {"Content-Type": "application/json", "Link": f'<{link}>; rel="next"'}
            return Reply(200, headers, page)

        with HostileServer(handler) as reg:
            state["netloc"] = reg.netloc
            with pytest.raises(RegistryError, match="another host"):
                list(client().catalog(reg.netloc))


def test_cookies_are_never_sent_back() -> None:
    def handler(seen: Seen) -> Reply:
        headers = {"Content-Type": OCI_MANIFEST, "Set-Cookie": "session=abc; Path=/"}
        return Reply(200, headers, MANIFEST)

    with HostileServer(handler) as reg:
        repo = client().repository(reg.netloc, "a/b")
        repo.manifest("v1")
        repo.manifest("v1")
    assert all(s.header("Cookie") is None for s in reg.seen)


# --- HTTPS → plain HTTP ---------------------------------------------------------------


def test_https_to_plain_http_redirect_on_a_remote_host_is_refused(
    server_tls: ssl.SSLContext, pki: tuple[Path, Path, Path]
) -> None:
    moved = {"Location": "http://blobs.example.test/data?X-Amz-Signature=SIGNED"}
    with HostileServer(lambda s: Reply(307, moved, b""), tls=server_tls) as reg:
        c = client(ca_cert=str(pki[0]))
        with pytest.raises(
            TransportError, match="refusing redirect from HTTPS to plain HTTP"
        ) as info:
            c.repository(reg.netloc, "a/b").blob(Descriptor("x", sha(b"d"), 1))
    assert "SIGNED" not in str(info.value)
    assert "--insecure-registry" in (info.value.hint or "")


def test_https_to_loopback_http_redirect_is_allowed(
    server_tls: ssl.SSLContext, pki: tuple[Path, Path, Path]
) -> None:
    with HostileServer(lambda s: Reply(200, {}, b"d")) as plain:
        moved = {"Location": f"{plain.url}/data"}
        with HostileServer(lambda s: Reply(307, moved, b""), tls=server_tls) as reg:
            repo = client(ca_cert=str(pki[0])).repository(reg.netloc, "a/b")
            assert repo.blob(Descriptor("x", sha(b"d"), 1)) == b"d"


def test_https_to_http_redirect_allowed_for_an_insecure_registry_host(
    server_tls: ssl.SSLContext, pki: tuple[Path, Path, Path], proxy: HostileServer
) -> None:
    moved = {"Location": "http://blobs.example.test/data"}
    with HostileServer(lambda s: Reply(307, moved, b""), tls=server_tls) as reg:
        c = env_client(ca_cert=str(pki[0]), insecure_registries=frozenset({"blobs.example.test"}))
        with pytest.raises(OcitraceError):  # the proxy answers a token JSON: wrong digest
            c.repository(reg.netloc, "a/b").blob(Descriptor("x", sha(b"d"), 0))
    assert [s.target for s in proxy.seen] == ["http://blobs.example.test/data"]


# --- token realms -----------------------------------------------------------------------


def test_plain_http_realm_on_a_remote_host_gets_no_credentials(
    proxy: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ocitrace")
    with bearer_registry("http://auth.example.test/token") as reg:
        fetched = env_client(**creds()).repository(reg.netloc, "a/b").manifest("v1")
    assert fetched.data == MANIFEST
    (token_req,) = proxy.seen
    assert token_req.target.startswith("http://auth.example.test/token?")
    assert token_req.header("Authorization") is None
    assert "not sending credentials to plain-http token realm" in caplog.text


def test_plain_http_realm_on_an_insecure_host_gets_credentials(proxy: HostileServer) -> None:
    with bearer_registry("http://auth.example.test/token") as reg:
        # another host than the registry's (127.0.0.1): credentials need --auth-realm-host
        c = env_client(
            insecure_registries=frozenset({"auth.example.test"}),
            auth_realm_hosts=frozenset({"auth.example.test"}),
            **creds(),
        )
        c.repository(reg.netloc, "a/b").manifest("v1")
    assert proxy.seen[0].header("Authorization") == BASIC


def test_plain_http_realm_on_loopback_gets_credentials() -> None:
    with HostileServer(token_server) as issuer:
        with bearer_registry(f"{issuer.url}/token") as reg:
            client(**creds()).repository(reg.netloc, "a/b").manifest("v1")
        assert issuer.seen[0].header("Authorization") == BASIC
        assert issuer.seen[0].headers.get("Host") == issuer.netloc


def test_https_realm_on_another_host_gets_basic_credentials(
    server_tls: ssl.SSLContext, pki: tuple[Path, Path, Path]
) -> None:
    """The normal token flow: the realm may live elsewhere, over TLS."""
    with HostileServer(token_server, tls=server_tls) as issuer:
        realm = f"https://localhost:{issuer.port}/token"
        with bearer_registry(realm) as reg:
            # a CA makes loopback registries HTTPS; --insecure-registry keeps this one plain
            c = client(ca_cert=str(pki[0]), insecure_registries=frozenset({reg.netloc}), **creds())
            c.repository(reg.netloc, "a/b").manifest("v1")
        assert issuer.seen[0].header("Authorization") == BASIC


def test_unusable_realm_scheme_is_ignored() -> None:
    with bearer_registry("file:///etc/passwd") as reg:
        with pytest.raises(OcitraceError):
            client(**creds()).repository(reg.netloc, "a/b").manifest("v1")
        assert all(s.header("Authorization") is None for s in reg.seen)


# --- secrets out of logs, reprs and messages -------------------------------------------


def test_secrets_never_logged_or_in_messages(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ocitrace")
    with HostileServer(token_server) as issuer:
        realm = f"{issuer.url}/token?access_token=REALMSECRET"
        with bearer_registry(realm) as reg:
            repo = client(**creds()).repository(reg.netloc, "a/b")
            repo.manifest("v1")
            dead = "http://u:USERINFO@127.0.0.1:1/b?X-Amz-Signature=SIGSECRET&token=QSECRET"
            moved = HostileServer(lambda s: Reply(307, {"Location": dead}, b""))
            with moved, pytest.raises(TransportError) as info:
                client(**creds()).repository(moved.netloc, "a/b").blob(
                    Descriptor("x", sha(b"d"), 1)
                )
    # ocitrace's own records (urllib3's DEBUG lines carry raw URLs; the CLI keeps them off)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("ocitrace"))
    assert "GET" in logged
    text = logged + str(info.value) + repr(info.value) + str(info.value.input)
    for secret in (
        PASSWORD,
        TOKEN,
        BASIC.split()[1],
        "REALMSECRET",
        "USERINFO",
        "SIGSECRET",
        "QSECRET",
    ):
        assert secret not in text, secret
    assert "REDACTED" in str(info.value)


def test_reprs_hide_secrets() -> None:
    opts = TransportOptions(username=USER, password=PASSWORD)
    cred = Credential(USER, PASSWORD, "IDTOKEN", "REGTOKEN", source="test")
    req = HttpRequest("GET", "https://h/x?sig=SIG", {"Authorization": BASIC}, b"refresh_token=R")
    for shown in (repr(opts), repr(cred), repr(req), str(req)):
        for secret in (PASSWORD, "IDTOKEN", "REGTOKEN", "SIG", BASIC.split()[1], "refresh_token=R"):
            assert secret not in shown
    assert USER in repr(cred)


def test_explicit_credentials_only_for_the_named_registries() -> None:
    """``--username`` creds bound to the registries on the command line never reach another
    registry that an input list (stdin digests, audit targets) happens to name."""
    ok = Reply(200, {"Content-Type": OCI_MANIFEST}, MANIFEST)
    with basic_registry(ok) as named, basic_registry(ok) as other:
        c = client(credential_registries=frozenset({named.netloc}), **creds())
        assert c.repository(named.netloc, "a/b").manifest("v1").data == MANIFEST
        with pytest.raises(Unauthorized):
            c.repository(other.netloc, "a/b").manifest("v1")
        assert all(s.header("Authorization") is None for s in other.seen)
        # unbound (the default), the same credential goes to every registry
        assert client(**creds()).repository(other.netloc, "a/b").manifest("v1").data == MANIFEST
