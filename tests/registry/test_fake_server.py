"""RegistryClient against scripted servers: what a real 2.8 registry cannot be made to do."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator

import pytest

from ocitrace.errors import (
    Denied,
    DigestMismatch,
    FormatError,
    IntegrityError,
    NotFound,
    ReferenceError,
    RegistryError,
    TooLarge,
    TooManyRequests,
    Unauthorized,
)
from ocitrace.oci.model import Descriptor
from ocitrace.registry import Limits, RegistryClient, RepositoryClient, fallback_tag
from ocitrace.transport import Transport, TransportOptions
from tests.support.fakeserver import Answer, FakeServer, Seen, error_answer, json_answer

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": []}).encode()
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
OTHER = "sha256:" + "1" * 64


def make_client(server: FakeServer, **limits: int) -> tuple[RegistryClient, RepositoryClient]:
    client = RegistryClient(Transport(TransportOptions(retries=0)), limits=Limits(**limits))
    return client, client.repository(server.host, "r")


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Seen], Answer]], FakeServer]]:
    servers: list[FakeServer] = []

    def start(handler: Callable[[Seen], Answer]) -> FakeServer:
        servers.append(FakeServer(handler))
        return servers[-1]

    yield start
    for srv in servers:
        srv.close()


Serve = Callable[[Callable[[Seen], Answer]], FakeServer]


# --- manifests: digests and caps ------------------------------------------------------


def test_manifest_by_digest_with_other_bytes_is_refused(serve: Serve) -> None:
    srv = serve(lambda seen: json_answer(MANIFEST, OCI_MANIFEST))
    _, repo = make_client(srv)
    with pytest.raises(DigestMismatch) as err:
        repo.manifest(OTHER)
    assert err.value.expected == OTHER
    assert err.value.actual == DIGEST
    assert str(err.value).startswith(f"{srv.host}/r@{OTHER}: manifest hashes to {DIGEST}")


def test_manifest_by_tag_with_wrong_digest_header_is_refused(serve: Serve) -> None:
    srv = serve(
        lambda seen: json_answer(MANIFEST, OCI_MANIFEST, **{"Docker-Content-Digest": OTHER})
    )
    _, repo = make_client(srv)
    with pytest.raises(DigestMismatch) as err:
        repo.manifest("v1")
    assert (err.value.expected, err.value.actual) == (OTHER, DIGEST)


def test_manifest_by_tag_is_hashed_and_typed(serve: Serve) -> None:
    srv = serve(
        lambda seen: json_answer(
            MANIFEST, OCI_MANIFEST + "; charset=utf-8", **{"Docker-Content-Digest": DIGEST}
        )
    )
    _, repo = make_client(srv)
    fetched = repo.manifest("v1")
    assert fetched.data == MANIFEST
    assert fetched.descriptor == Descriptor(OCI_MANIFEST, DIGEST, len(MANIFEST))
    accept = srv.seen[-1].headers["Accept"]
    for media_type in (
        OCI_INDEX,
        OCI_MANIFEST,
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.artifact.manifest.v1+json",
    ):
        assert media_type in accept


def test_content_type_disagreeing_with_body_is_refused(serve: Serve) -> None:
    srv = serve(lambda seen: json_answer(MANIFEST, OCI_INDEX))
    _, repo = make_client(srv)
    with pytest.raises(FormatError, match=r"served as .*index.* but its mediaType is"):
        repo.manifest("v1")


def test_oversize_manifest(serve: Serve) -> None:
    big = json.dumps({"mediaType": OCI_MANIFEST, "pad": "x" * 5000}).encode()
    srv = serve(lambda seen: json_answer(big, OCI_MANIFEST))
    _, repo = make_client(srv, manifest=4096)
    with pytest.raises(TooLarge) as err:
        repo.manifest("v1")
    assert err.value.limit == 4096
    assert str(err.value) == f"{srv.host}/r:v1: manifest exceeds the 4096-byte limit"


def test_resolve_head_then_get_when_no_digest_header(serve: Serve) -> None:
    srv = serve(lambda seen: json_answer(MANIFEST, OCI_MANIFEST))
    _, repo = make_client(srv)
    assert repo.resolve("v1") == Descriptor(OCI_MANIFEST, DIGEST, len(MANIFEST))
    assert [s.method for s in srv.seen] == ["HEAD", "GET"]


def test_resolve_by_digest_with_other_header_is_refused(serve: Serve) -> None:
    srv = serve(
        lambda seen: json_answer(MANIFEST, OCI_MANIFEST, **{"Docker-Content-Digest": OTHER})
    )
    _, repo = make_client(srv)
    with pytest.raises(DigestMismatch):
        repo.resolve(DIGEST)
    assert [s.method for s in srv.seen] == ["HEAD"]


def test_bad_tag_is_refused_before_any_request(serve: Serve) -> None:
    srv = serve(lambda seen: Answer(500))
    _, repo = make_client(srv)
    for ref in ("../../etc", "sha256:abc", "-x"):
        with pytest.raises(ReferenceError):
            repo.manifest(ref)
    assert srv.seen == []


# --- blobs ------------------------------------------------------------------------------


def test_blob_checks(serve: Serve) -> None:
    data = b"0123456789" * 10
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    srv = serve(lambda seen: Answer(200, {"Content-Type": "application/octet-stream"}, data))
    _, repo = make_client(srv)
    assert repo.blob(Descriptor("x", digest, len(data))) == data
    with pytest.raises(DigestMismatch):
        repo.blob(Descriptor("x", OTHER, len(data)))
    with pytest.raises(TooLarge, match="larger than its descriptor size"):
        repo.blob(Descriptor("x", digest, 10))
    with pytest.raises(IntegrityError, match="is 100 bytes, its descriptor says 200"):
        repo.blob(Descriptor("x", digest, 200))
    requests_before = len(srv.seen)
    with pytest.raises(TooLarge) as err:
        repo.blob(Descriptor("x", digest, len(data)), max_size=50)
    assert err.value.limit == 50
    assert len(srv.seen) == requests_before  # refused from the descriptor, nothing fetched


def test_blob_larger_than_cap_without_size(serve: Serve) -> None:
    data = b"z" * 3000
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    srv = serve(lambda seen: Answer(200, {}, data))
    _, repo = make_client(srv, blob=1000)
    with pytest.raises(TooLarge, match="exceeds the 1000-byte limit"):
        repo.blob(Descriptor("x", digest, 0))


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "cls", "message"),
    [
        (
            Answer(404, {"Content-Type": "text/plain"}, b"404 page not found\n"),
            NotFound,
            "not found",
        ),
        (error_answer(404, "MANIFEST_UNKNOWN", "manifest unknown"), NotFound, "not found"),
        (
            error_answer(401, "UNAUTHORIZED", "authentication required"),
            Unauthorized,
            "unauthorized (UNAUTHORIZED: authentication required)",
        ),
        (
            error_answer(403, "DENIED", "requested access to the resource is denied"),
            Denied,
            "access denied (DENIED: requested access to the resource is denied)",
        ),
        (
            error_answer(429, "TOOMANYREQUESTS", "slow down", **{"Retry-After": "7"}),
            TooManyRequests,
            "too many requests (retry after 7s)",
        ),
        (
            Answer(502, {}, b"<html>bad gateway</html>" + b"x" * 100_000),
            RegistryError,
            "registry answered 502 (<html>bad gateway</html>",
        ),
    ],
)
def test_error_mapping(serve: Serve, answer: Answer, cls: type[Exception], message: str) -> None:
    srv = serve(lambda seen: answer)
    _, repo = make_client(srv)
    with pytest.raises(cls) as err:
        repo.manifest("v1")
    assert type(err.value) is cls
    assert str(err.value).startswith(f"{srv.host}/r:v1: {message}")
    assert "\n" not in str(err.value)
    if cls is TooManyRequests:
        assert err.value.retry_after == 7  # type: ignore[attr-defined]


# --- paging -----------------------------------------------------------------------------


def _pages(pages: dict[str, tuple[list[str], str | None]], key: str) -> Callable[[Seen], Answer]:
    def handler(seen: Seen) -> Answer:
        names, link = pages[seen.path]
        headers = {"Content-Type": "application/json"}
        if link:
            headers["Link"] = link
        return Answer(200, headers, json.dumps({key: names}).encode())

    return handler


def test_tags_follow_relative_and_absolute_links_and_sort(serve: Serve) -> None:
    pages: dict[str, tuple[list[str], str | None]] = {}
    srv = serve(_pages(pages, "tags"))
    pages["/v2/r/tags/list"] = (["v2", "b"], '</v2/r/tags/list?n=2&last=v2>; rel="next"')
    pages["/v2/r/tags/list?n=2&last=v2"] = (
        ["a", "v10"],
        f'<{srv.url}/v2/r/tags/list?n=2&last=v10>; rel="next"',
    )
    pages["/v2/r/tags/list?n=2&last=v10"] = (["a", "latest"], None)
    _, repo = make_client(srv)
    assert list(repo.tags()) == ["a", "b", "latest", "v10", "v2"]
    assert len(srv.seen) == 3


def test_cross_host_link_is_refused(serve: Serve) -> None:
    pages: dict[str, tuple[list[str], str | None]] = {
        "/v2/r/tags/list": (["a"], '<http://evil.example:5000/v2/r/tags/list?last=a>; rel="next"')
    }
    srv = serve(_pages(pages, "tags"))
    _, repo = make_client(srv)
    with pytest.raises(RegistryError, match="refusing pagination link to another host"):
        list(repo.tags())
    assert len(srv.seen) == 1


def test_link_loop_is_stopped(serve: Serve) -> None:
    pages: dict[str, tuple[list[str], str | None]] = {
        "/v2/r/tags/list": (["a"], '</v2/r/tags/list?last=a>; rel="next"'),
        "/v2/r/tags/list?last=a": (["b"], '</v2/r/tags/list?last=a>; rel="next"'),
    }
    srv = serve(_pages(pages, "tags"))
    _, repo = make_client(srv)
    with pytest.raises(RegistryError, match="pagination loops"):
        list(repo.tags())
    assert len(srv.seen) == 2


def test_catalog_pages_and_prefix(serve: Serve) -> None:
    pages: dict[str, tuple[list[str], str | None]] = {
        "/v2/_catalog?n=2": (["a/x", "b/y"], '</v2/_catalog?last=b%2Fy&n=2>; rel="next"'),
        "/v2/_catalog?last=b%2Fy&n=2": (
            ["b/z", "c/w"],
            '</v2/_catalog?last=c%2Fw&n=2>; rel="next"',
        ),
        "/v2/_catalog?last=c%2Fw&n=2": ([], None),
    }
    srv = serve(_pages(pages, "repositories"))
    client, _ = make_client(srv)
    assert list(client.catalog(srv.host, page_size=2)) == ["a/x", "b/y", "b/z", "c/w"]
    assert list(client.catalog(srv.host, "b/", page_size=2)) == ["b/y", "b/z"]


# --- referrers ------------------------------------------------------------------------


def _index(*descs: dict[str, object]) -> bytes:
    return json.dumps(
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list(descs)}
    ).encode()


SBOM = {
    "mediaType": OCI_MANIFEST,
    "digest": "sha256:" + "a" * 64,
    "size": 10,
    "artifactType": "application/spdx+json",
}
SIG = {
    "mediaType": OCI_MANIFEST,
    "digest": "sha256:" + "b" * 64,
    "size": 11,
    "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
}


def test_referrers_api_answer_filtered_client_side(serve: Serve) -> None:
    srv = serve(lambda seen: json_answer(_index(SBOM, SIG), OCI_INDEX))
    _, repo = make_client(srv)
    both = repo.referrers(DIGEST)
    assert both.via == "api"
    assert [d.artifact_type for d in both.manifests] == [SBOM["artifactType"], SIG["artifactType"]]
    only = repo.referrers(DIGEST, "application/spdx+json")
    assert [d.digest for d in only.manifests] == [SBOM["digest"]]
    assert srv.seen[-1].path == f"/v2/r/referrers/{DIGEST}?artifactType=application%2Fspdx%2Bjson"


def test_referrers_api_filter_applied_by_server_is_trusted(serve: Serve) -> None:
    srv = serve(
        lambda seen: json_answer(
            _index(SBOM, SIG), OCI_INDEX, **{"OCI-Filters-Applied": "artifactType"}
        )
    )
    _, repo = make_client(srv)
    assert len(repo.referrers(DIGEST, "application/spdx+json").manifests) == 2


def test_referrers_api_pages(serve: Serve) -> None:
    def handler(seen: Seen) -> Answer:
        if seen.path == f"/v2/r/referrers/{DIGEST}":
            return json_answer(
                _index(SBOM), OCI_INDEX, Link=f'</v2/r/referrers/{DIGEST}?page=2>; rel="next"'
            )
        return json_answer(_index(SIG), OCI_INDEX)

    srv = serve(handler)
    _, repo = make_client(srv)
    assert [d.digest for d in repo.referrers(DIGEST).manifests] == [SBOM["digest"], SIG["digest"]]


def test_referrers_404_falls_back_to_tag_and_is_remembered(serve: Serve) -> None:
    tag = fallback_tag(DIGEST)
    fallback = _index(SIG)

    def handler(seen: Seen) -> Answer:
        if seen.route.startswith("/v2/r/referrers/"):
            return Answer(404, {"Content-Type": "text/plain"}, b"404 page not found\n")
        if seen.route == f"/v2/r/manifests/{tag}":
            return json_answer(fallback, OCI_INDEX)
        return error_answer(404, "MANIFEST_UNKNOWN", "manifest unknown")

    srv = serve(handler)
    client, repo = make_client(srv)
    first = repo.referrers(DIGEST)
    assert first.via == "tag"
    assert [d.digest for d in first.manifests] == [SIG["digest"]]
    assert first.checked == ("referrers API: 404", f"tag {tag}: 1 found")
    assert client.referrers_api(srv.host, "r") is False

    again = client.repository(srv.host, "r").referrers(DIGEST)
    assert again.via == "tag"
    referrer_calls = [p for p in srv.routes() if "/referrers/" in p]
    assert len(referrer_calls) == 1  # the second lookup did not ask the API again

    none = repo.referrers(OTHER)
    assert none.via == "none"
    assert none.manifests == ()
    assert none.checked[-1] == f"tag {fallback_tag(OTHER)}: not found"


def test_fallback_tag_schema() -> None:
    assert fallback_tag("sha256:" + "ab" * 32) == "sha256-" + "ab" * 32
    assert fallback_tag("sha512:" + "c" * 128) == "sha512-" + "c" * 64


def test_blob_redirect_to_other_host_is_followed_without_credentials(serve: Serve) -> None:
    data = b"layer bytes"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    storage = serve(lambda seen: Answer(200, {}, data))
    registry = serve(
        lambda seen: (
            Answer(307, {"Location": f"{storage.url}/blob?sig=abc"})
            if seen.route.startswith("/v2/r/blobs/")
            else Answer(404)
        )
    )
    client = RegistryClient(
        Transport(TransportOptions(retries=0, username="u", password="p")), limits=Limits()
    )
    assert client.repository(registry.host, "r").blob(Descriptor("x", digest, len(data))) == data
    assert storage.seen[0].path == "/blob?sig=abc"
    assert "Authorization" not in storage.seen[0].headers


def test_concurrent_use_shares_one_memo(serve: Serve) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def handler(seen: Seen) -> Answer:
        if "/referrers/" in seen.route:
            return Answer(404, {}, b"404 page not found\n")
        if seen.method == "HEAD":
            return Answer(
                200,
                {
                    "Content-Type": OCI_MANIFEST,
                    "Docker-Content-Digest": DIGEST,
                    "Content-Length": str(len(MANIFEST)),
                },
            )
        return error_answer(404, "MANIFEST_UNKNOWN", "manifest unknown")

    srv = serve(handler)
    client, _ = make_client(srv)
    with ThreadPoolExecutor(8) as pool:
        resolved = list(
            pool.map(lambda i: client.repository(srv.host, "r").resolve(f"t{i}"), range(32))
        )
        referrers = list(
            pool.map(lambda i: client.repository(srv.host, "r").referrers(DIGEST), range(32))
        )
    assert {d.digest for d in resolved} == {DIGEST}
    assert {r.via for r in referrers} == {"none"}
    api_calls = [p for p in srv.routes() if "/referrers/" in p]
    assert 1 <= len(api_calls) <= 8  # at most one per worker racing the first answer
    assert client.referrers_api(srv.host, "r") is False
