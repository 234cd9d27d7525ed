"""Everything fetched by digest is verified before use; digests, tags and repository names
are validated before they reach a URL; hostile catalog names never become requests."""

from __future__ import annotations

import json

import pytest

from ocitrace.errors import DigestMismatch, IntegrityError, OcitraceError, ReferenceError
from ocitrace.oci.model import Descriptor

from .helpers import OCI_INDEX, OCI_MANIFEST, client, manifest_bytes, sha
from .hostile import HostileServer, Reply, Seen

pytestmark = pytest.mark.timeout(30)

GOOD = manifest_bytes(b'{"architecture":"amd64","os":"linux"}')
EVIL = manifest_bytes(b'{"architecture":"arm64","os":"linux"}')


def test_manifest_by_digest_must_hash_to_it() -> None:
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": OCI_MANIFEST}, EVIL))
    with srv, pytest.raises(DigestMismatch) as info:
        client().repository(srv.netloc, "a/b").manifest(sha(GOOD))
    assert info.value.expected == sha(GOOD)
    assert info.value.actual == sha(EVIL)


def test_tag_pull_checks_docker_content_digest_header() -> None:
    headers = {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": sha(GOOD)}
    srv = HostileServer(lambda s: Reply(200, headers, EVIL))
    with srv, pytest.raises(DigestMismatch) as info:
        client().repository(srv.netloc, "a/b").manifest("v1")
    assert info.value.expected == sha(GOOD)


def test_head_by_digest_announcing_another_digest_is_refused() -> None:
    headers = {
        "Content-Type": OCI_MANIFEST,
        "Docker-Content-Digest": sha(EVIL),
        "Content-Length": str(len(EVIL)),
    }
    srv = HostileServer(lambda s: Reply(200, headers, EVIL))
    with srv, pytest.raises(DigestMismatch):
        client().repository(srv.netloc, "a/b").resolve(sha(GOOD))


def test_head_without_digest_falls_back_to_a_hashed_get() -> None:
    def handler(seen: Seen) -> Reply:
        return Reply(200, {"Content-Type": OCI_MANIFEST}, GOOD)

    with HostileServer(handler) as srv:
        desc = client().repository(srv.netloc, "a/b").resolve("v1")
    assert desc.digest == sha(GOOD)
    assert desc.size == len(GOOD)
    assert [s.method for s in srv.seen] == ["HEAD", "GET"]


def test_blob_through_cross_host_redirect_is_verified() -> None:
    wanted = b"the real config"
    with HostileServer(lambda s: Reply(200, {}, b"tampered config")) as storage:
        with HostileServer(
            lambda s: Reply(307, {"Location": f"{storage.url}/blob?sig=x"}, b"")
        ) as srv:
            desc = Descriptor("application/octet-stream", sha(wanted), len(b"tampered config"))
            with pytest.raises(DigestMismatch):
                client().repository(srv.netloc, "a/b").blob(desc)
        assert len(storage.seen) == 1


def test_blob_shorter_than_its_descriptor_is_refused() -> None:
    data = b"abc"
    srv = HostileServer(lambda s: Reply(200, {}, data))
    with srv, pytest.raises(IntegrityError, match="descriptor says 10"):
        client().repository(srv.netloc, "a/b").blob(
            Descriptor("application/octet-stream", sha(data), 10)
        )


@pytest.mark.parametrize(
    "ref",
    [
        "../../../v2/_catalog",
        "a/../b",
        "v1?x=1",
        "v1#frag",
        "v1%2F..",
        "sha256:../../etc/passwd",
        "sha256:" + "A" * 64,
        "sha256:" + "a" * 63,
        "md5:" + "a" * 32,
        ".hidden",
        "x" * 129,
    ],
)
def test_bad_refs_never_reach_the_network(ref: str) -> None:
    with HostileServer(lambda s: Reply(200, {"Content-Type": OCI_MANIFEST}, GOOD)) as srv:
        repo = client().repository(srv.netloc, "a/b")
        for call in (repo.manifest, repo.resolve):
            with pytest.raises(OcitraceError):
                call(ref)
        with pytest.raises(OcitraceError):
            repo.blob(Descriptor("application/octet-stream", ref, 1))
        with pytest.raises(OcitraceError):
            repo.referrers(ref)
        assert srv.seen == []


@pytest.mark.parametrize(
    "name", ["../x", "a/../../b", "a?b", "a#b", "A/b", "a//b", "a/b/", "a%2fb", "a b", ""]
)
def test_bad_repository_names_are_refused(name: str) -> None:
    with pytest.raises(ReferenceError):
        client().repository("127.0.0.1:1", name)


@pytest.mark.parametrize("registry", ["evil.com/x", "host?x", "user@host", "host#x", ""])
def test_bad_registry_names_are_refused(registry: str) -> None:
    with pytest.raises(ReferenceError):
        client().repository(registry, "a/b")


def test_hostile_catalog_names_are_skipped() -> None:
    names = ["good/one", "../../etc", "a?b=c", "UPPER", "x/../y", "fine", 5, "\x1b[2Jclear"]
    body = json.dumps({"repositories": names}).encode()
    with HostileServer(lambda s: Reply(200, {"Content-Type": "application/json"}, body)) as srv:
        assert list(client().catalog(srv.netloc)) == ["good/one", "fine"]


def test_hostile_tags_are_refused_when_used() -> None:
    """A tag list may say anything; a tag only becomes a URL after validation."""
    body = json.dumps({"name": "a/b", "tags": ["v1", "../../x", "a?b"]}).encode()
    with HostileServer(lambda s: Reply(200, {"Content-Type": "application/json"}, body)) as srv:
        repo = client().repository(srv.netloc, "a/b")
        tags = list(repo.tags())
        assert tags == ["../../x", "a?b", "v1"]
        for tag in tags[:2]:
            with pytest.raises(ReferenceError):
                repo.manifest(tag)
        assert [s.path for s in srv.seen] == ["/v2/a/b/tags/list"]


def test_server_text_in_errors_is_escaped() -> None:
    body = json.dumps({"errors": [{"code": "DENIED", "message": "no\x1b[2J\nway\u202e"}]}).encode()
    srv = HostileServer(lambda s: Reply(403, {"Content-Type": "application/json"}, body))
    with srv, pytest.raises(OcitraceError) as info:
        client().repository(srv.netloc, "a/b").manifest("v1")
    text = str(info.value)
    assert "\x1b" not in text and "\n" not in text and "\u202e" not in text
    assert "no\\x1b[2J\\nway\\u202e" in text
    assert "\x1b" not in (info.value.detail or "")  # type: ignore[attr-defined]


def test_manifest_media_type_with_control_characters_is_refused() -> None:
    body = json.dumps({"schemaVersion": 2, "mediaType": "evil\x1b]0;pwned\x07"}).encode()
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": "text/plain"}, body))
    with srv, pytest.raises(OcitraceError) as info:
        client().repository(srv.netloc, "a/b").manifest("v1")
    assert "\x1b" not in str(info.value)


def test_index_media_type_mismatch_is_a_format_error() -> None:
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}).encode()
    srv = HostileServer(lambda s: Reply(200, {"Content-Type": OCI_MANIFEST}, body))
    with srv, pytest.raises(OcitraceError, match="served as"):
        client().repository(srv.netloc, "a/b").manifest("v1")
