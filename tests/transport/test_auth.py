"""The bearer/basic dance, driven by hand through the pure generator flow.

Challenge and token shapes follow distribution 2.8 (registry-notes/README.md) and the
distribution token spec (FORMATS.md §9.3).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from requests.structures import CaseInsensitiveDict

from ocitrace.errors import FormatError
from ocitrace.transport.auth import Authenticator, Flow, Token, TokenCache, parse_token_response
from ocitrace.transport.credentials import Credential, CredentialStore
from ocitrace.transport.messages import HttpRequest, Reply

API = "https://r.example"
REALM = "https://auth.r.example/token"  # same registrable domain as API
WALL = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reply(
    status: int, headers: dict[str, str] | None = None, body: object = None, url: str = ""
) -> Reply:
    data = json.dumps(body).encode() if body is not None else b""
    return Reply(status, CaseInsensitiveDict(headers or {}), url, data)


def bearer_challenge(scope: str | None, error: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{REALM}",service="svc"'
    if scope:
        value += f',scope="{scope}"'
    if error:
        value += f',error="{error}"'
    return {"WWW-Authenticate": value}


def basic_of(req: HttpRequest) -> tuple[str, str] | None:
    auth = req.header("Authorization")
    if not auth or not auth.startswith("Basic "):
        return None
    user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
    return user, pw


class Registry:
    """A scripted registry + token server: tokens are ``tok-<scope>-<n>``; ``password`` checks Basic."""

    def __init__(self, password: str | None = None, expires_in: int | None = None) -> None:
        self.password = password
        self.expires_in = expires_in
        self.issued = 0
        self.revoked: set[str] = set()

    def __call__(self, req: HttpRequest) -> Reply:
        if req.url.startswith(REALM):
            return self.token(req)
        path = urlsplit(req.url).path
        scope = f"repository:{path.split('/v2/')[1].rsplit('/manifests/', 1)[0]}:pull"
        auth = req.header("Authorization") or ""
        if auth == f"Bearer tok-{scope}" or (
            auth.startswith(f"Bearer tok-{scope}-") and auth[7:] not in self.revoked
        ):
            return reply(200, url=req.url)
        return reply(401, bearer_challenge(scope, "invalid_token" if auth else None), url=req.url)

    def token(self, req: HttpRequest) -> Reply:
        q = parse_qs(urlsplit(req.url).query)
        if self.password is not None and basic_of(req) != ("alice", self.password):
            return reply(401, body={"details": "invalid credentials"})
        self.issued += 1
        doc: dict[str, object] = {"token": f"tok-{q['scope'][0]}-{self.issued}"}
        if self.expires_in is not None:
            doc["expires_in"] = self.expires_in
        return reply(200, body=doc)


def drive(flow: Flow, respond: Callable[[HttpRequest], Reply]) -> list[tuple[HttpRequest, Reply]]:
    exchanges = []
    req = next(flow)
    while True:
        rep = respond(req)
        exchanges.append((req, rep))
        try:
            req = flow.send(rep)
        except StopIteration:
            return exchanges


def authenticator(clock: Clock, **creds: Any) -> Authenticator:
    store = CredentialStore(
        docker_config_dir="/nonexistent", environ={"HOME": "/nonexistent"}, **creds
    )
    return Authenticator(store, clock=clock, wall=lambda: WALL)


def get(repo: str) -> HttpRequest:
    return HttpRequest("GET", f"{API}/v2/{repo}/manifests/latest")


def scope(repo: str) -> str:
    return f"repository:{repo}:pull"


def test_anonymous_token_then_cache_then_new_scope() -> None:
    clock, registry = Clock(), Registry()
    auth = authenticator(clock)
    first = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), registry
    )
    assert [r.status for _, r in first] == [401, 200, 200]
    token_req = first[1][0]
    assert parse_qs(urlsplit(token_req.url).query) == {
        "service": ["svc"],
        "scope": ["repository:a/b:pull"],
    }
    assert token_req.header("Authorization") is None  # anonymous
    assert first[2][0].header("Authorization") == "Bearer tok-repository:a/b:pull-1"

    again = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), registry
    )
    assert [(q.url, r.status) for q, r in again] == [(f"{API}/v2/a/b/manifests/latest", 200)]

    # another repository: a token for the new scope, fetched before the request (no 401)
    other = drive(
        auth.flow(get("c/d"), registry="r.example", api_url=API, scope=scope("c/d")), registry
    )
    assert [r.status for _, r in other] == [200, 200]
    assert "scope=repository%3Ac%2Fd%3Apull" in other[0][0].url
    assert registry.issued == 2


def test_token_expiry_default_60s() -> None:
    clock, registry = Clock(), Registry()
    auth = authenticator(clock)

    def run() -> int:
        return len(
            drive(
                auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")),
                registry,
            )
        )

    run()
    clock.now += 50  # within 60 s minus slack
    assert run() == 1 and registry.issued == 1
    clock.now += 10
    assert run() == 2 and registry.issued == 2


def test_wrong_password_one_token_attempt_no_loop() -> None:
    clock, registry = Clock(), Registry(password="right")
    auth = authenticator(clock, username="alice", password="wrong")
    ex = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), registry
    )
    assert [r.status for _, r in ex] == [401, 401]
    assert basic_of(ex[1][0]) == ("alice", "wrong")
    # next request: registry known, token fetch tried once more, then the 401 is final
    ex2 = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), registry
    )
    assert [r.status for _, r in ex2] == [401, 401]


def test_revoked_cached_token_is_refreshed_once() -> None:
    clock, registry = Clock(), Registry(password="pw")
    auth = authenticator(clock, username="alice", password="pw")
    drive(auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), registry)
    registry.revoked.add("tok-repository:a/b:pull-1")
    ex = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), registry
    )
    assert [r.status for _, r in ex] == [401, 200, 200]
    assert ex[0][1].headers["WWW-Authenticate"].endswith('error="invalid_token"')
    assert ex[2][0].header("Authorization") == "Bearer tok-repository:a/b:pull-2"
    # a registry that rejects every token: bounded (cached, fresh, stop)
    registry.revoked.add("tok-repository:a/b:pull-2")
    registry.revoked.add("tok-repository:a/b:pull-3")
    ex = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), registry
    )
    assert [r.status for _, r in ex] == [401, 200, 401]


def test_identity_token_post_then_get_fallback() -> None:
    clock = Clock()
    auth = authenticator(clock, username="<token>", password="refresh-xyz")
    seen: list[HttpRequest] = []

    def respond(req: HttpRequest) -> Reply:
        seen.append(req)
        if req.url.startswith(API):
            if req.header("Authorization") == "Bearer via-get":
                return reply(200)
            return reply(401, bearer_challenge("repository:a/b:pull"))
        if req.method == "POST":
            return reply(404)
        return reply(200, body={"access_token": "via-get", "expires_in": 300})

    ex = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), respond
    )
    assert [(q.method, r.status) for q, r in ex] == [
        ("GET", 401),
        ("POST", 404),
        ("GET", 200),
        ("GET", 200),
    ]
    post = seen[1]
    assert post.url == REALM and post.header("Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qs((post.data or b"").decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-xyz"],
        "client_id": ["ocitrace"],
        "service": ["svc"],
        "scope": ["repository:a/b:pull"],
    }
    assert basic_of(seen[2]) == ("<token>", "refresh-xyz")


def test_basic_challenge_and_bad_basic_no_loop() -> None:
    clock = Clock()
    auth = authenticator(clock, username="bob", password="pw")

    def respond(req: HttpRequest) -> Reply:
        ok = basic_of(req) == ("bob", "pw")
        return reply(
            200 if ok else 401, {} if ok else {"WWW-Authenticate": 'Basic realm="ocitrace-test"'}
        )

    ex = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), respond
    )
    assert [r.status for _, r in ex] == [401, 200]
    # now known: Basic is sent up front
    ex = drive(
        auth.flow(get("x/y"), registry="r.example", api_url=API, scope=scope("x/y")), respond
    )
    assert [r.status for _, r in ex] == [200]
    wrong = authenticator(clock, username="bob", password="nope")
    ex = drive(
        wrong.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), respond
    )
    assert [r.status for _, r in ex] == [401, 401]


def test_other_origin_gets_no_auth_and_http_realm_gets_no_credentials() -> None:
    clock = Clock()
    auth = authenticator(clock, username="alice", password="pw")
    foreign = HttpRequest("GET", "https://storage.example/blob")
    ex = drive(
        auth.flow(foreign, registry="r.example", api_url=API, scope=None),
        lambda q: reply(401, bearer_challenge(None)),
    )
    assert len(ex) == 1 and ex[0][0].header("Authorization") is None

    def respond(req: HttpRequest) -> Reply:
        if req.url.startswith(API):
            return reply(
                401, {"WWW-Authenticate": 'Bearer realm="http://auth.example/token",service="svc"'}
            )
        return reply(200, body={"token": "t"})

    ex = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")), respond
    )
    assert ex[1][0].url.startswith("http://auth.example/token?")
    assert ex[1][0].header("Authorization") is None


def test_registry_token_sent_directly() -> None:
    clock = Clock()
    store = CredentialStore(docker_config_dir="/nonexistent", environ={"HOME": "/nonexistent"})
    auth = Authenticator(store, clock=clock)
    store._memo[("r.example", "a/b")] = Credential(registry_token="direct", source="test")
    ex = drive(
        auth.flow(get("a/b"), registry="r.example", api_url=API, scope=scope("a/b")),
        lambda q: (
            reply(200)
            if q.header("Authorization") == "Bearer direct"
            else reply(401, bearer_challenge(None))
        ),
    )
    assert [r.status for _, r in ex] == [401, 200]


def test_parse_token_response_rules() -> None:
    now = 500.0
    both = parse_token_response(
        b'{"token":"a","access_token":"b","expires_in":300}', now=now, wall=WALL
    )
    assert both.value == "a" and both.expires_at == 800.0
    only_access = parse_token_response(b'{"access_token":"b"}', now=now, wall=WALL)
    assert only_access.value == "b" and only_access.expires_at == 560.0  # default 60 s
    short = parse_token_response(b'{"token":"a","expires_in":10}', now=now, wall=WALL)
    assert short.expires_at == 560.0  # minimum 60 s, as docker's client
    issued = (WALL - timedelta(seconds=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    aged = parse_token_response(
        json.dumps({"token": "a", "expires_in": 300, "issued_at": issued}).encode(),
        now=now,
        wall=WALL,
    )
    assert aged.expires_at == 700.0
    skewed = (WALL + timedelta(hours=1)).isoformat()
    future = parse_token_response(
        json.dumps({"token": "a", "expires_in": 300, "issued_at": skewed}).encode(),
        now=now,
        wall=WALL,
    )
    assert future.expires_at == 800.0
    with pytest.raises(FormatError):
        parse_token_response(b"<html>", now=now)
    with pytest.raises(FormatError):
        parse_token_response(b'{"expires_in": 5}', now=now)


def test_token_cache_scope_separation() -> None:
    clock = Clock()
    cache = TokenCache(clock)
    cache.put(("r", REALM, "svc", ("repository:a:pull",)), Token("A", 1100.0))
    assert cache.get(("r", REALM, "svc", ("repository:b:pull",))) is None
    assert cache.get(("r", REALM, "other", ("repository:a:pull",))) is None
    assert cache.get(("r", REALM, "svc", ("repository:a:pull",))) == Token("A", 1100.0)
    clock.now = 1095.0  # within the 5 s slack
    assert cache.get(("r", REALM, "svc", ("repository:a:pull",))) is None
