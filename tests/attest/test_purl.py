"""Package URLs as BuildKit (RefToPURL) and syft write them."""

from __future__ import annotations

import pytest

from ocitrace.attest import parse_purl
from ocitrace.errors import FormatError


def test_buildkit_image_purl() -> None:
    p = parse_purl("pkg:docker/127.0.0.1%3A5200/base/busybox@1?platform=linux%2Famd64")
    assert (p.type, p.namespace, p.name, p.version) == (
        "docker",
        "127.0.0.1:5200/base",
        "busybox",
        "1",
    )
    assert p.qualifiers == {"platform": "linux/amd64"}
    assert p.image_ref() == "127.0.0.1:5200/base/busybox:1"


def test_subject_purl_with_variant() -> None:
    p = parse_purl(
        "pkg:docker/127.0.0.1%3A5200/ocitrace/multi-prov-max@v1?platform=linux%2Farm%2Fv7"
    )
    assert p.qualifiers["platform"] == "linux/arm/v7"
    assert p.image_ref() == "127.0.0.1:5200/ocitrace/multi-prov-max:v1"


def test_digest_qualifier_and_familiar_names() -> None:
    # RefToPURL: canonical refs get a digest qualifier; FamiliarName drops docker.io/library
    p = parse_purl("pkg:docker/alpine@3.20?digest=sha256%3Aabc&platform=linux%2Farm64")
    assert (p.namespace, p.name) == ("", "alpine")
    assert p.image_ref() == "alpine:3.20@sha256:abc"
    assert parse_purl("pkg:docker/docker/dockerfile@1").image_ref() == "docker/dockerfile:1"


def test_syft_purls() -> None:
    p = parse_purl("pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12")
    assert (p.type, p.namespace, p.name, p.version) == (
        "deb",
        "debian",
        "tzdata",
        "2024a-0+deb12u1",
    )
    assert p.qualifiers == {"arch": "all", "distro": "debian-12"}
    scoped = parse_purl("pkg:npm/%40scope/pkg@1.0.0#lib/x")
    assert (scoped.namespace, scoped.name, scoped.subpath) == ("@scope", "pkg", "lib/x")
    assert parse_purl("pkg:PyPI/idna").type == "pypi"


@pytest.mark.parametrize("bad", ["docker/alpine", "pkg:", "pkg:docker", "pkg:docker/"])
def test_bad_purls(bad: str) -> None:
    with pytest.raises(FormatError):
        parse_purl(bad)
