"""Issue 12 item 5: tag listings (sorted in memory) stop at MAX_LISTING_ENTRIES with a
TooLarge naming the repository; distinct Warning headers are bounded."""

from __future__ import annotations

import json

import pytest

from ocitrace.errors import TooLarge
from ocitrace.registry import client as client_module

from .helpers import client, transport
from .hostile import HostileServer, Reply, Seen

pytestmark = pytest.mark.timeout(30)


def test_paged_tags_beyond_the_cap_stop_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_LISTING_ENTRIES", 1000)

    def handler(seen: Seen) -> Reply:
        page = int(seen.target.rsplit("=", 1)[-1]) if "page=" in seen.target else 0
        tags = [f"t{page}-{i}" for i in range(400)]
        headers = {
            "Content-Type": "application/json",
            "Link": f'</v2/a/b/tags/list?page={page + 1}>; rel="next"',
        }
        return Reply(200, headers, json.dumps({"name": "a/b", "tags": tags}).encode())

    with HostileServer(handler) as srv:
        with pytest.raises(TooLarge, match="more than 1000 tags") as info:
            list(client().repository(srv.netloc, "a/b").tags())
        assert len(srv.seen) == 3  # stopped at once, not after 300 pages
    assert info.value.input == f"{srv.netloc}/a/b"


def test_one_page_with_too_many_entries_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "MAX_LISTING_ENTRIES", 100)
    body = json.dumps({"name": "a/b", "tags": [f"t{i}" for i in range(1000)]}).encode()
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": "application/json"}, body))
    with srv, pytest.raises(TooLarge, match="page holds more than 100 entries"):
        list(client().repository(srv.netloc, "a/b").tags())


def test_distinct_warnings_are_bounded() -> None:
    count = {"n": 0}

    def handler(seen: Seen) -> Reply:
        count["n"] += 1
        return Reply(200, {"Warning": f'299 - "warning {count["n"]} ' + "x" * 2000 + '"'}, b"")

    t = transport()
    with HostileServer(handler) as srv:
        for _ in range(50):
            t.request("GET", f"{srv.url}/v2/", registry=srv.netloc).close()
    assert len(t.warnings) == 32
    assert all(len(w) <= 500 for w in t.warnings)
