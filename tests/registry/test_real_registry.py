"""RegistryClient against Debian's docker-registry 2.8 in all four modes."""

from __future__ import annotations

import json
import logging

import pytest

from ocitrace.errors import NotFound, TooLarge, Unauthorized
from ocitrace.oci.model import Descriptor, Index, Manifest
from ocitrace.registry import Limits, RegistryClient, fallback_tag
from ocitrace.source import Source
from ocitrace.transport import Transport
from tests.registry.conftest import FIXTURES, Loaded, fixture_blob
from tests.support.registry import push_blob, push_manifest, sha256_digest

pytestmark = pytest.mark.registry


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_manifest_by_tag_and_digest_is_byte_exact(loaded: Loaded, name: str) -> None:
    media_type, digest = FIXTURES[name]
    repo = loaded.client().repository(loaded.reg.host, f"ocitrace/{name}")
    expected = fixture_blob(name, digest)

    by_tag = repo.manifest("v1")
    by_digest = repo.manifest(digest)

    for fetched in (by_tag, by_digest):
        assert fetched.data == expected
        assert fetched.descriptor == Descriptor(media_type, digest, len(expected))


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_resolve_by_tag_and_digest_uses_head(loaded: Loaded, name: str) -> None:
    media_type, digest = FIXTURES[name]
    repo = loaded.client().repository(loaded.reg.host, f"ocitrace/{name}")
    size = len(fixture_blob(name, digest))
    assert repo.resolve("v1") == Descriptor(media_type, digest, size)
    assert repo.resolve(digest) == Descriptor(media_type, digest, size)


def test_repository_client_is_a_source(loaded: Loaded) -> None:
    repo = loaded.client().repository(loaded.reg.host, "ocitrace/multi-plain")
    assert isinstance(repo, Source)
    assert repo.name == f"{loaded.reg.host}/ocitrace/multi-plain"


def test_children_of_docker_list_are_docker_manifests(loaded: Loaded) -> None:
    repo = loaded.client().repository(loaded.reg.host, "ocitrace/multi-docker")
    index = Index.parse(repo.manifest("v1").data)
    assert len(index.manifests) >= 2
    for child in index.manifests:
        fetched = repo.manifest(child.digest)
        assert fetched.descriptor.media_type == child.media_type
        assert fetched.descriptor.size == child.size
        assert fetched.data == fixture_blob("multi-docker", child.digest)


def test_blob_config_and_attestation_layer_verified(loaded: Loaded) -> None:
    _, digest = FIXTURES["multi-prov-max"]
    repo = loaded.client().repository(loaded.reg.host, "ocitrace/multi-prov-max")
    index = Index.parse(repo.manifest(digest).data)
    att = next(d for d in index.manifests if d.platform and d.platform.os == "unknown")
    manifest = Manifest.parse(repo.manifest(att.digest).data)
    for desc in (manifest.config, *manifest.layers):
        assert repo.blob(desc) == fixture_blob("multi-prov-max", desc.digest)
    big = max(manifest.layers, key=lambda d: d.size)
    with pytest.raises(TooLarge) as err:
        repo.blob(big, max_size=big.size - 1)
    assert err.value.limit == big.size - 1


def test_blob_with_wrong_size_in_descriptor_is_refused(loaded: Loaded) -> None:
    repo = loaded.client().repository(loaded.reg.host, "ocitrace/single-plain")
    manifest = Manifest.parse(repo.manifest("v1").data)
    cfg = manifest.config
    with pytest.raises(TooLarge):
        repo.blob(Descriptor(cfg.media_type, cfg.digest, cfg.size - 1))


def test_manifest_cap(loaded: Loaded) -> None:
    client = RegistryClient(Transport(loaded.options()), limits=Limits(manifest=100))
    with pytest.raises(TooLarge) as err:
        client.repository(loaded.reg.host, "ocitrace/multi-plain").manifest("v1")
    assert "100-byte limit" in str(err.value)


def test_unknown_tag_and_repository(loaded: Loaded) -> None:
    client = loaded.client()
    repo = client.repository(loaded.reg.host, "ocitrace/multi-plain")
    with pytest.raises(NotFound) as err:
        repo.manifest("nope")
    assert str(err.value) == f"{loaded.reg.host}/ocitrace/multi-plain:nope: not found"
    assert err.value.code == "MANIFEST_UNKNOWN"
    with pytest.raises(NotFound):
        repo.resolve("nope")
    missing = "sha256:" + "0" * 64
    with pytest.raises(NotFound) as err:
        repo.blob(Descriptor("application/octet-stream", missing, 3))
    assert err.value.code == "BLOB_UNKNOWN"


def test_tags_sorted(loaded: Loaded) -> None:
    reg = loaded.reg
    repo_name = "ocitrace/tagged"
    data = fixture_blob("single-plain", FIXTURES["single-plain"][1])
    # the fixture's blobs must be present in this repository first
    from tests.support.registry import fixture_dir, push_layout

    push_layout(reg, fixture_dir("single-plain"), repo_name, "v1")
    for tag in ("zeta", "alpha", "v10", "v2", "Upper"):
        push_manifest(reg, repo_name, tag, data, FIXTURES["single-plain"][0])
    tags = list(loaded.client().repository(reg.host, repo_name).tags())
    assert tags == sorted(["Upper", "alpha", "v1", "v10", "v2", "zeta"])


def test_catalog_pages(loaded: Loaded, caplog: pytest.LogCaptureFixture) -> None:
    client = loaded.client()
    caplog.set_level(logging.DEBUG, logger="ocitrace.transport.core")
    names = list(client.catalog(loaded.reg.host, page_size=2))
    pages = [r for r in caplog.messages if "/v2/_catalog" in r and "-> 200" in r]
    expected = sorted(f"ocitrace/{n}" for n in FIXTURES)
    assert [n for n in names if n in expected] == expected
    assert len(pages) >= 3  # 5+ repositories, 2 per page
    assert list(client.catalog(loaded.reg.host, "ocitrace/multi-")) == [
        "ocitrace/multi-docker",
        "ocitrace/multi-plain",
        "ocitrace/multi-prov-max",
    ]


def test_referrers_fall_back_to_tag_on_plain_404(loaded: Loaded) -> None:
    """2.8 has no referrers API: one 404, then the sha256-<hex> tag, remembered per repo."""
    reg = loaded.reg
    repo_name = "ocitrace/referred"
    media_type, subject = FIXTURES["single-plain"]
    subject_data = fixture_blob("single-plain", subject)
    from tests.support.registry import fixture_dir, push_layout

    push_layout(reg, fixture_dir("single-plain"), repo_name, "v1")
    empty = push_blob(reg, repo_name, b"{}")
    artifact = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.example.sbom",
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": empty,
                "size": 2,
            },
            "layers": [
                {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2}
            ],
            "subject": {"mediaType": media_type, "digest": subject, "size": len(subject_data)},
        }
    ).encode()
    artifact_digest = push_manifest(reg, repo_name, sha256_digest(artifact), artifact, media_type)
    fallback = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": media_type,
                    "digest": artifact_digest,
                    "size": len(artifact),
                    "artifactType": "application/vnd.example.sbom",
                }
            ],
        }
    ).encode()
    client = loaded.client()
    repo = client.repository(reg.host, repo_name)
    assert repo.referrers(subject).via == "none"
    push_manifest(
        reg, repo_name, fallback_tag(subject), fallback, "application/vnd.oci.image.index.v1+json"
    )

    found = repo.referrers(subject)
    assert found.via == "tag"
    assert [d.digest for d in found.manifests] == [artifact_digest]
    assert found.checked[0] == "referrers API: not supported (remembered)"
    assert repo.referrers(subject, "application/vnd.other").manifests == ()

    fresh = loaded.client().repository(reg.host, repo_name).referrers(subject)
    assert fresh.checked[0] == "referrers API: 404"
    assert fresh.via == "tag"


def test_digest_of_other_repository_is_not_found(loaded: Loaded) -> None:
    repo = loaded.client().repository(loaded.reg.host, "ocitrace/single-plain")
    # a digest this repository does not hold is NotFound, never another manifest's bytes
    with pytest.raises(NotFound):
        repo.manifest(FIXTURES["multi-plain"][1])


def test_wrong_password(loaded: Loaded) -> None:
    if loaded.reg.username is None:
        pytest.skip("this mode has no users")
    client = RegistryClient(Transport(loaded.options(password="not-the-password")))
    with pytest.raises(Unauthorized) as err:
        client.repository(loaded.reg.host, "ocitrace/single-plain").manifest("v1")
    assert err.value.status == 401
    assert str(err.value).startswith(f"{loaded.reg.host}/ocitrace/single-plain:v1: unauthorized")
