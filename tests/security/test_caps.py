"""Every body read from the network is capped: endless bodies without Content-Length,
oversize bodies with an honest Content-Length, per kind of read."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace.errors import NotFound, TooLarge, TransportError
from ocitrace.oci.model import Descriptor
from ocitrace.registry import Limits
from ocitrace.transport.core import TOKEN_REPLY_CAP

from .helpers import OCI_INDEX, OCI_MANIFEST, client, sha, transport
from .hostile import HostileServer, Reply, Seen, endless

pytestmark = pytest.mark.timeout(30)

KIB = 1024
SMALL = Limits(manifest=64 * KIB, blob=128 * KIB, listing=32 * KIB)


def _endless_json(_: Seen) -> Reply:
    return Reply(200, {"Content-Type": OCI_MANIFEST}, stream=endless(b" " * 8192))


def test_manifest_by_tag_endless_body_stops_at_the_manifest_cap() -> None:
    with HostileServer(_endless_json) as srv:
        repo = client(SMALL).repository(srv.netloc, "a/b")
        with pytest.raises(TooLarge) as info:
            repo.manifest("latest")
    assert info.value.limit == SMALL.manifest
    assert "a/b:latest" in str(info.value)


def test_manifest_default_cap_is_4_mib() -> None:
    with HostileServer(_endless_json) as srv, pytest.raises(TooLarge) as info:
        client().repository(srv.netloc, "a/b").manifest("latest")
    assert info.value.limit == 4 * 1024 * 1024


def test_manifest_with_honest_oversize_content_length() -> None:
    body = b" " * (SMALL.manifest + 1)
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": OCI_MANIFEST}, body))
    with srv, pytest.raises(TooLarge):
        client(SMALL).repository(srv.netloc, "a/b").manifest("v1")


def test_blob_endless_body_stops_at_descriptor_size() -> None:
    desc = Descriptor("application/octet-stream", sha(b"x" * 1000), 1000)
    srv = HostileServer(lambda s: Reply(stream=endless(b"x" * 4096)))
    with srv, pytest.raises(TooLarge) as info:
        client(SMALL).repository(srv.netloc, "a/b").blob(desc)
    assert info.value.limit == 1000  # the descriptor's size, not the 128 KiB blob cap


def test_blob_of_unknown_size_stops_at_the_blob_cap_and_max_size() -> None:
    desc = Descriptor("application/octet-stream", sha(b""), 0)
    with HostileServer(lambda s: Reply(stream=endless(b"x" * 4096))) as srv:
        repo = client(SMALL).repository(srv.netloc, "a/b")
        with pytest.raises(TooLarge) as info:
            repo.blob(desc)
        assert info.value.limit == SMALL.blob
        with pytest.raises(TooLarge) as info:
            repo.blob(desc, max_size=10 * KIB)
        assert info.value.limit == 10 * KIB


def test_blob_larger_than_the_cap_is_refused_before_any_request() -> None:
    desc = Descriptor("application/octet-stream", sha(b"y"), SMALL.blob + 1)
    srv = HostileServer(lambda s: Reply(200, {}, b"y"))
    with srv, pytest.raises(TooLarge):
        client(SMALL).repository(srv.netloc, "a/b").blob(desc)
    assert srv.seen == []


@pytest.mark.parametrize("path", ["tags/list", "catalog", "referrers"])
def test_listings_are_capped(path: str) -> None:
    subject = sha(b"subject")

    def handler(seen: Seen) -> Reply:
        ctype = OCI_INDEX if "/referrers/" in seen.path else "application/json"
        return Reply(200, {"Content-Type": ctype}, stream=endless(b" " * 4096))

    with HostileServer(handler) as srv:
        c = client(SMALL)
        repo = c.repository(srv.netloc, "a/b")
        with pytest.raises(TooLarge) as info:
            if path == "tags/list":
                list(repo.tags())
            elif path == "catalog":
                list(c.catalog(srv.netloc))
            else:
                repo.referrers(subject)
    assert info.value.limit == SMALL.listing


def test_error_body_is_read_to_64_kib_only() -> None:
    """A 404 whose body never ends still becomes NotFound promptly."""
    srv = HostileServer(lambda s: Reply(404, {}, stream=endless(b"e" * 4096)))
    with srv, pytest.raises(NotFound) as info:
        client(SMALL).repository(srv.netloc, "a/b").manifest("v1")
    assert len(srv.seen) == 1
    assert info.value.status == 404
    assert "eeee" in (info.value.detail or "")  # the start of the body was read


def test_huge_token_reply_is_capped() -> None:
    def handler(seen: Seen) -> Reply:
        if seen.path == "/token":
            return Reply(200, {"Content-Type": "application/json"}, stream=endless(b" " * 8192))
        realm = f"http://{seen.header('Host')}/token"
        return Reply(401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="s"'}, b"")

    with HostileServer(handler) as srv, pytest.raises(TooLarge) as info:
        client(SMALL).repository(srv.netloc, "a/b").manifest("v1")
    assert info.value.limit == TOKEN_REPLY_CAP


def test_request_without_streaming_is_capped() -> None:
    with HostileServer(lambda s: Reply(200, {}, stream=endless())) as srv:
        t = transport()
        with pytest.raises(TooLarge) as info:
            t.request("GET", f"{srv.url}/v2/", registry=srv.netloc, stream=False, max_body=KIB)
        assert info.value.limit == KIB
        ok = HostileServer(lambda s: Reply(200, {}, b"small"))
        with ok:
            resp = t.request("GET", f"{ok.url}/v2/", registry=ok.netloc, stream=False)
            assert resp.content == b"small"


def test_gzip_bomb_is_capped_on_decoded_bytes() -> None:
    """We ask for identity; a server that gzips anyway is capped on what it expands to."""
    import gzip

    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)  # ~64 KiB on the wire
    headers = {"Content-Type": OCI_MANIFEST, "Content-Encoding": "gzip"}
    srv = HostileServer(lambda s: Reply(200, headers, bomb))
    with srv, pytest.raises(TooLarge) as info:
        client(SMALL).repository(srv.netloc, "a/b").manifest("v1")
    assert info.value.limit == SMALL.manifest
    assert srv.seen[0].header("Accept-Encoding") == "identity"


def _drip(seen: Seen, keep_alive: bool = False) -> Reply:
    def gen() -> Iterator[bytes]:
        for _ in range(10_000):
            time.sleep(0.05)
            yield b" "

    headers = {"Content-Type": OCI_MANIFEST, "Content-Length": "10000"}
    return Reply(200, headers, stream=gen, keep_alive=keep_alive)


def _dripping_read(srv: HostileServer, **kw: object) -> float:
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"took longer than 0.4s") as info:  # 0.25 + size/rate
        client(SMALL, timeout=0.25, **kw).repository(srv.netloc, "a/b").manifest("v1")
    assert "--timeout" in (info.value.hint or "")
    return time.monotonic() - started


@pytest.mark.parametrize("keep_alive", [False, True])
def test_a_dripping_body_hits_the_body_deadline(keep_alive: bool) -> None:
    """Each byte arrives within the socket timeout; the whole body may not take forever."""
    with HostileServer(lambda seen: _drip(seen, keep_alive)) as srv:
        assert _dripping_read(srv) < 5


def test_a_dripping_body_over_tls_hits_the_body_deadline(
    server_tls: ssl.SSLContext, pki: tuple[Path, Path, Path]
) -> None:
    with HostileServer(_drip, tls=server_tls) as srv:
        assert _dripping_read(srv, ca_cert=str(pki[0])) < 5


def test_a_dripping_reply_read_by_the_transport_hits_its_deadline() -> None:
    with HostileServer(_drip) as srv:
        started = time.monotonic()
        with pytest.raises(TransportError, match="took too long"):
            transport(timeout=0.25).request(
                "GET", f"{srv.url}/v2/", registry=srv.netloc, stream=False, max_body=KIB
            )
        assert time.monotonic() - started < 5


def test_a_dripping_error_body_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ocitrace.registry.errormap.ERROR_BODY_DEADLINE", 0.5)

    def handler(seen: Seen) -> Reply:
        return Reply(404, _drip(seen).headers, stream=_drip(seen).stream)

    with HostileServer(handler) as srv:
        started = time.monotonic()
        with pytest.raises(NotFound):
            client(timeout=5.0).repository(srv.netloc, "a/b").manifest("v1")
        assert time.monotonic() - started < 4
