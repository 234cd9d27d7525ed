"""Transport against purpose-built local HTTP servers: retries, redirects, UA, observation."""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from ocitrace import __version__
from ocitrace.errors import TransportError
from ocitrace.transport import Transport, TransportOptions
from ocitrace.transport.credentials import CredentialStore
from ocitrace.transport.ratelimit import RateLimit

from .servers import Answer, Seen, serve


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make(sleeps: Sleeps, **kw: Any) -> Transport:
    opts = TransportOptions(
        **{"timeout": 5.0, "retries": 3, "backoff": 0.1, "max_backoff": 5.0, **kw}
    )
    store = CredentialStore(
        username=kw.get("username"),
        password=kw.get("password"),
        docker_config_dir="/nonexistent",
        environ={"HOME": "/nonexistent"},
    )
    return Transport(opts, credentials=store, sleep=sleeps)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def scripted(*answers: Answer) -> Iterator[Answer]:
    yield from answers
    while True:
        yield answers[-1]


def test_429_with_retry_after_then_200(sleeps: Sleeps) -> None:
    answers = scripted((429, {"Retry-After": "2"}, b"slow down"), (200, {}, b"ok"))
    with serve(lambda seen: next(answers)) as srv, make(sleeps) as t:
        resp = t.request("GET", f"http://{srv.netloc}/v2/", registry=srv.netloc, stream=False)
    assert resp.status_code == 200 and resp.content == b"ok"
    assert len(srv.requests) == 2
    assert sleeps.calls == [pytest.approx(2.0, abs=0.05)]  # the per-host gate waited Retry-After


def test_503_retries_are_bounded(sleeps: Sleeps) -> None:
    with serve(lambda seen: (503, {}, b"down")) as srv, make(sleeps, retries=2) as t:
        resp = t.request("GET", f"http://{srv.netloc}/v2/", registry=srv.netloc)
    assert resp.status_code == 503
    assert len(srv.requests) == 3
    assert len(sleeps.calls) == 2 and all(0.0 < s <= 0.2 for s in sleeps.calls)


def test_retry_after_longer_than_max_backoff_returns_429_at_once(sleeps: Sleeps) -> None:
    with serve(lambda seen: (429, {"Retry-After": "3600"}, b"")) as srv, make(sleeps) as t:
        resp = t.request("GET", f"http://{srv.netloc}/v2/", registry=srv.netloc)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "3600"
    assert len(srv.requests) == 1 and sleeps.calls == []


def test_404_is_not_retried_and_user_agent_is_sent(sleeps: Sleeps) -> None:
    with serve(lambda seen: (404, {}, b"")) as srv, make(sleeps) as t:
        resp = t.request("GET", f"http://{srv.netloc}/v2/x/manifests/y", registry=srv.netloc)
    assert resp.status_code == 404 and len(srv.requests) == 1
    assert srv.requests[0].headers["User-Agent"] == f"ocitrace/{__version__}"
    assert "Cookie" not in srv.requests[0].headers


def test_connection_refused_on_loopback_is_not_retried(sleeps: Sleeps) -> None:
    """Nothing listens on that loopback port, and nothing will between retries (issue 9)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with make(sleeps, retries=2) as t, pytest.raises(TransportError) as info:
        t.request("GET", f"http://127.0.0.1:{port}/v2/?token=secret", registry=f"127.0.0.1:{port}")
    msg = str(info.value)
    assert msg.startswith(f"GET http://127.0.0.1:{port}/v2/?token=REDACTED: cannot connect (")
    assert "secret" not in msg and "\n" not in msg
    assert sleeps.calls == []


def test_timeout_message_counts_the_attempts(sleeps: Sleeps) -> None:
    """A listener that never answers: each attempt waits --timeout, and the message says
    how many there were (the run took about attempts x timeout, not timeout)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepted by the kernel, never read or answered
        netloc = f"127.0.0.1:{listener.getsockname()[1]}"
        with make(sleeps, retries=2, timeout=0.2) as t, pytest.raises(TransportError) as info:
            t.request("GET", f"http://{netloc}/v2/", registry=netloc)
        assert (
            str(info.value)
            == f"GET http://{netloc}/v2/: timed out after 0.2s on each of 3 attempts"
        )
        assert len(sleeps.calls) == 2
        with make(sleeps, retries=0, timeout=0.2) as t, pytest.raises(TransportError) as info:
            t.request("GET", f"http://{netloc}/v2/", registry=netloc)
        assert str(info.value) == f"GET http://{netloc}/v2/: timed out after 0.2s"


def _basic(user: str, pw: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


def test_cross_host_redirect_never_carries_credentials(
    sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    """Registry on 127.0.0.1:A (Basic auth) redirects a blob to localhost:B (another origin)."""
    with serve(lambda seen: (200, {}, b"blob-bytes")) as storage:
        signed = f"http://localhost:{storage.port}/data?X-Amz-Signature=sekrit&X-Amz-Expires=60"

        def registry(seen: Seen) -> Answer:
            if seen.headers.get("Authorization") != _basic("alice", "pw"):
                return 401, {"WWW-Authenticate": 'Basic realm="ocitrace-test"'}, b""
            if seen.path.startswith("/v2/a/blobs/"):
                return 307, {"Location": signed}, b""
            if seen.path == "/v2/a/manifests/moved":
                return 301, {"Location": "/v2/a/manifests/latest"}, b""  # same origin, relative
            return 200, {}, b"{}"

        with serve(registry) as reg, make(sleeps, username="alice", password="pw") as t:
            caplog.set_level(logging.DEBUG, logger="ocitrace.transport")
            blob = t.request(
                "GET",
                f"http://{reg.netloc}/v2/a/blobs/sha256:00",
                registry=reg.netloc,
                scope="repository:a:pull",
            )
            assert blob.status_code == 200 and blob.content == b"blob-bytes"
            moved = t.request(
                "GET",
                f"http://{reg.netloc}/v2/a/manifests/moved",
                registry=reg.netloc,
                scope="repository:a:pull",
            )
            assert moved.status_code == 200
    assert [r.headers.get("Authorization") for r in reg.requests] == [
        None,
        _basic("alice", "pw"),
        _basic("alice", "pw"),
        _basic("alice", "pw"),
    ]
    assert [r.path for r in reg.requests][-2:] == [
        "/v2/a/manifests/moved",
        "/v2/a/manifests/latest",
    ]
    assert len(storage.requests) == 1
    assert "Authorization" not in storage.requests[0].headers
    assert storage.requests[0].path == "/data?X-Amz-Signature=sekrit&X-Amz-Expires=60"
    text = caplog.text
    assert (
        "sekrit" not in text
        and "cHc" not in text
        and base64.b64encode(b"alice:pw").decode() not in text
    )
    assert (
        f"GET http://localhost:{storage.port}/data?X-Amz-Signature=REDACTED&X-Amz-Expires=60 -> 200"
        in text
    )


def test_redirect_loop_is_bounded(sleeps: Sleeps) -> None:
    with (
        serve(lambda seen: (302, {"Location": seen.path}, b"")) as srv,
        make(sleeps) as t,
        pytest.raises(TransportError, match="more than 5 redirects"),
    ):
        t.request("GET", f"http://{srv.netloc}/loop", registry=srv.netloc)
    assert len(srv.requests) == 6


def test_rate_limit_and_warning_headers_observed(sleeps: Sleeps) -> None:
    headers = {
        "ratelimit-limit": "100;w=21600",
        "ratelimit-remaining": "99;w=21600",
        "Warning": '299 - "deprecated"',
    }
    with serve(lambda seen: (200, headers, b"")) as srv, make(sleeps) as t:
        t.request("HEAD", f"http://{srv.netloc}/v2/a/manifests/x", registry=srv.netloc)
        t.request("HEAD", f"http://{srv.netloc}/v2/a/manifests/x", registry=srv.netloc)
        assert t.rate_limits == {srv.netloc: RateLimit(100, 99, 21600)}
        assert t.warnings == ("deprecated",)


def test_429_pauses_later_requests_to_the_same_host_only(sleeps: Sleeps) -> None:
    """The Retry-After mark is shared: any worker's next request to that host waits too."""
    answers = scripted((429, {"Retry-After": "3"}, b""), (200, {}, b""))
    with (
        serve(lambda seen: next(answers)) as limited,
        serve(lambda seen: (200, {}, b"")) as other,
        make(sleeps) as t,
    ):
        t.request("GET", f"http://{limited.netloc}/v2/", registry=limited.netloc)
        t.request("GET", f"http://{other.netloc}/v2/", registry=other.netloc)
        assert len(sleeps.calls) == 1  # the other host is not paused
        t.request("GET", f"http://{limited.netloc}/v2/", registry=limited.netloc)
    # fake sleep lets no real time pass, so the second request still finds the host closed
    assert sleeps.calls == [pytest.approx(3.0, abs=0.1), pytest.approx(3.0, abs=0.1)]
