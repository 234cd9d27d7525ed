"""Deeply nested JSON from the network (Python's decoder recurses) is a FormatError or a
registry error, never a RecursionError traceback."""

from __future__ import annotations

import json

import pytest

from ocitrace.errors import FormatError, NotFound, OcitraceError
from ocitrace.oci.model import Index, Manifest, parse_manifest_or_index
from ocitrace.registry import Limits
from ocitrace.registry.errormap import parse_error_body
from ocitrace.transport.auth import parse_token_response

from .helpers import OCI_INDEX, OCI_MANIFEST, client, nested, sha
from .hostile import HostileServer, Reply, Seen

pytestmark = pytest.mark.timeout(30)

BOMB = nested(200_000)  # 1.2 MB: under every listing/manifest cap
ARRAY_BOMB = b"[" * 500_000 + b"]" * 500_000
BIG = Limits(listing=4 * 1024 * 1024)


@pytest.mark.parametrize("bomb", [BOMB, ARRAY_BOMB], ids=["object", "array"])
def test_model_parsers(bomb: bytes) -> None:
    for parse in (Index.parse, Manifest.parse, lambda b: parse_manifest_or_index(b, OCI_INDEX)):
        with pytest.raises(FormatError):
            parse(bomb)


def test_token_reply() -> None:
    with pytest.raises(FormatError):
        parse_token_response(BOMB, now=0.0)


def test_error_body_falls_back_to_text() -> None:
    parsed = parse_error_body(BOMB[:65536])
    assert parsed.code == "" and parsed.text.startswith('{"a":')


@pytest.mark.parametrize("ctype", [OCI_MANIFEST, OCI_INDEX, "application/json", ""])
def test_manifest(ctype: str) -> None:
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": ctype}, BOMB))
    with srv, pytest.raises(FormatError):
        client().repository(srv.netloc, "a/b").manifest("v1")


def test_manifest_by_digest() -> None:
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": OCI_INDEX}, BOMB))
    with srv, pytest.raises(FormatError):
        client().repository(srv.netloc, "a/b").manifest(sha(BOMB))


def test_tag_list_and_catalog() -> None:
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": "application/json"}, BOMB))
    with srv:
        c = client(BIG)
        with pytest.raises(FormatError):
            list(c.repository(srv.netloc, "a/b").tags())
        with pytest.raises(FormatError):
            list(c.catalog(srv.netloc))


def test_referrers_api_and_fallback_tag() -> None:
    def handler(seen: Seen) -> Reply:
        if "/referrers/" in seen.path:
            return Reply(200, {"Content-Type": OCI_INDEX}, BOMB)
        return Reply(200, {"Content-Type": OCI_INDEX}, BOMB)

    srv = HostileServer(handler)
    with srv, pytest.raises(FormatError):
        client(BIG).repository(srv.netloc, "a/b").referrers(sha(b"subject"))

    def no_api(seen: Seen) -> Reply:
        if "/referrers/" in seen.path:
            return Reply(404, {}, b"")
        return Reply(200, {"Content-Type": OCI_INDEX}, BOMB)

    srv = HostileServer(no_api)
    with srv, pytest.raises(FormatError):
        client(BIG).repository(srv.netloc, "a/b").referrers(sha(b"subject"))


def test_error_body_bomb_still_maps_to_not_found() -> None:
    srv = HostileServer(lambda s: Reply(404, {"Content-Type": "application/json"}, BOMB))
    with srv, pytest.raises(NotFound):
        client().repository(srv.netloc, "a/b").manifest("v1")


def test_token_reply_bomb() -> None:
    def handler(seen: Seen) -> Reply:
        if seen.path == "/token":  # under the 1 MiB token-reply cap
            return Reply(200, {"Content-Type": "application/json"}, nested(100_000))
        realm = f"http://{seen.header('Host')}/token"
        return Reply(401, {"WWW-Authenticate": f'Bearer realm="{realm}"'}, b"")

    srv = HostileServer(handler)
    with srv, pytest.raises(OcitraceError) as info:
        client().repository(srv.netloc, "a/b").manifest("v1")
    assert isinstance(info.value, FormatError)


def test_moderately_nested_json_still_parses() -> None:
    """Nesting that real documents use (a few hundred levels) is fine."""
    deep = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "annotations": {},
        "x": json.loads(nested(300)),
    }
    data = json.dumps(deep).encode()
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": OCI_MANIFEST}, data))
    with srv:
        assert client().repository(srv.netloc, "a/b").manifest("v1").data == data
