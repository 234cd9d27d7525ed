"""Bearer flow end to end: Debian's docker-registry 2.8 in token mode + tests/support/token_issuer.py.

The registry and issuer decide what is authorised; these tests check that the transport
gets the right tokens (anonymous for public repos, Basic for users, one exchange per scope).
Launch follows registry-notes: ``addr 127.0.0.1:0`` and read the "listening on" line.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from ocitrace.transport import Transport, TransportOptions
from ocitrace.transport.credentials import CredentialStore

ISSUER = Path(__file__).resolve().parents[1] / "support" / "token_issuer.py"
SERVICE, ISS = "ocitrace-test-registry", "ocitrace-test-issuer"

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(
        shutil.which("docker-registry") is None, reason="needs Debian's docker-registry"
    ),
    pytest.mark.skipif(not ISSUER.exists(), reason="needs tests/support/token_issuer.py"),
]


def _wait_listening(stream: IO[str], proc: subprocess.Popen[str]) -> int:
    for line in stream:
        if m := re.search(r"listening on 127\.0\.0\.1:(\d+)", line):
            return int(m.group(1))
    raise RuntimeError(f"server exited ({proc.wait()}) without listening")


@dataclass
class TokenRegistry:
    netloc: str
    token_log: Path

    def token_requests(self) -> list[dict[str, object]]:
        if not self.token_log.exists():
            return []
        return [json.loads(line) for line in self.token_log.read_text().splitlines()]


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenRegistry]:
    d = tmp_path_factory.mktemp("tokreg")
    subprocess.run([sys.executable, str(ISSUER), "init", str(d / "tok")], check=True)
    log = d / "tokens.jsonl"
    issuer = subprocess.Popen(
        [
            sys.executable,
            str(ISSUER),
            "serve",
            str(d / "tok"),
            "--port",
            "0",
            "--issuer",
            ISS,
            "--service",
            SERVICE,
            "--user",
            "alice:wonderland",
            "--public",
            "public/*",
            "--log",
            str(log),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    procs = [issuer]
    try:
        assert issuer.stderr is not None
        issuer_port = _wait_listening(issuer.stderr, issuer)
        config = d / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {d / 'data'}\n"
            "http:\n  addr: 127.0.0.1:0\n  secret: fixed\n"
            f"auth:\n  token:\n    realm: http://127.0.0.1:{issuer_port}/token\n    service: {SERVICE}\n"
            f"    issuer: {ISS}\n    rootcertbundle: {d / 'tok' / 'signing-cert.pem'}\n"
        )
        reg = subprocess.Popen(
            ["docker-registry", "serve", str(config)], stderr=subprocess.PIPE, text=True
        )
        procs.append(reg)
        assert reg.stderr is not None
        port = _wait_listening(reg.stderr, reg)
        yield TokenRegistry(f"127.0.0.1:{port}", log)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)


def transport(**creds: Any) -> Transport:
    store = CredentialStore(
        docker_config_dir="/nonexistent", environ={"HOME": "/nonexistent"}, **creds
    )
    return Transport(TransportOptions(timeout=10.0, retries=1), credentials=store, environ={})


def tags(t: Transport, reg: TokenRegistry, repo: str) -> int:
    url = f"{t.base_url(reg.netloc)}/v2/{repo}/tags/list"
    return t.request(
        "GET", url, registry=reg.netloc, scope=f"repository:{repo}:pull", stream=False
    ).status_code


def test_anonymous_public_pull_and_private_refused(token_registry: TokenRegistry) -> None:
    before = len(token_registry.token_requests())
    with transport() as t:
        # authorised but absent: 404 NAME_UNKNOWN proves the token was accepted
        assert tags(t, token_registry, "public/app") == 404
        assert tags(t, token_registry, "public/app") == 404  # cached token, no new exchange
        assert tags(t, token_registry, "private/app") == 401
    new = token_registry.token_requests()[before:]
    assert new == [
        {"user": None, "scopes": ["repository:public/app:pull"], "status": 200},
        {"user": None, "scopes": ["repository:private/app:pull"], "status": 200},
    ]


def test_user_gets_private_and_catalog_wrong_password_is_401(token_registry: TokenRegistry) -> None:
    before = len(token_registry.token_requests())
    with transport(username="alice", password="wonderland") as t:
        assert tags(t, token_registry, "private/app") == 404
        base = t.base_url(token_registry.netloc)
        resp = t.request(
            "GET",
            f"{base}/v2/_catalog",
            registry=token_registry.netloc,
            scope="registry:catalog:*",
            stream=False,
        )
        assert resp.status_code == 200 and resp.json() == {"repositories": []}
    with transport(username="alice", password="wrong") as t:
        assert tags(t, token_registry, "private/app") == 401
    new = token_registry.token_requests()[before:]
    assert new == [
        {"user": "alice", "scopes": ["repository:private/app:pull"], "status": 200},
        {"user": "alice", "scopes": ["registry:catalog:*"], "status": 200},
        {"user": "alice", "scopes": ["repository:private/app:pull"], "status": 401},
    ]


def test_ping_without_scope(token_registry: TokenRegistry) -> None:
    with transport() as t:
        resp = t.request(
            "GET", f"{t.base_url(token_registry.netloc)}/v2/", registry=token_registry.netloc
        )
        assert resp.status_code == 200


def test_identity_token_from_docker_config_falls_back_to_get(
    token_registry: TokenRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The issuer answers the OAuth2 refresh_token POST with 400 (it only knows grant_type=password);
    the transport then asks with GET + Basic, as containerd does for ACR."""
    (tmp_path / "config.json").write_text(
        json.dumps(
            {"auths": {token_registry.netloc: {"username": "alice", "identitytoken": "wonderland"}}}
        )
    )
    store = CredentialStore(docker_config_dir=str(tmp_path), environ={"HOME": str(tmp_path)})
    before = len(token_registry.token_requests())
    caplog.set_level(logging.DEBUG, logger="ocitrace.transport")
    with Transport(TransportOptions(timeout=10.0, retries=1), credentials=store, environ={}) as t:
        assert tags(t, token_registry, "private/app") == 404
    assert re.search(r"POST http://127\.0\.0\.1:\d+/token -> 400", caplog.text)
    assert "wonderland" not in caplog.text
    assert token_registry.token_requests()[before:] == [
        {"user": "alice", "scopes": ["repository:private/app:pull"], "status": 200},
    ]
