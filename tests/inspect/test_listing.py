"""Default listing and --raw against real buildx goldens, from OCI layouts (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ocitrace.oci.platform import parse_platform

from .goldens import (
    BUILDKIT,
    QUIRKS_CASES,
    QUIRKS_LAYOUT,
    fixtures,
    golden,
    quirks_layout_tags,
    sort_annotation_blocks,
)
from .layoutsrc import inspect_layout


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(8) as p:
        yield p


@pytest.mark.parametrize("fixture", fixtures())
def test_default_listing_matches_buildx(pool: ThreadPoolExecutor, fixture: str) -> None:
    ins, src = inspect_layout(pool, BUILDKIT / fixture, f"127.0.0.1:5200/ocitrace/{fixture}:v1")
    assert ins.listing().encode() == golden(fixture, "default")
    assert src.calls == ["manifest v1"]  # the listing needs nothing beyond the top level


@pytest.mark.parametrize("fixture", fixtures())
def test_raw_matches_buildx(pool: ThreadPoolExecutor, fixture: str) -> None:
    ins, src = inspect_layout(pool, BUILDKIT / fixture, f"127.0.0.1:5200/ocitrace/{fixture}:v1")
    assert ins.raw() == golden(fixture, "raw")
    assert len(src.calls) == 1


QUIRK_LISTINGS = [
    ("multi.default", "multi-v1"),
    ("multi.format-Manifest-whole", "multi-v1"),
    ("single.default", "single-v1"),
    ("single-att.default", "single-att-v1"),
    ("noplatform.default", "noplatform-v1"),
    ("dsse.default", "dsse-v1"),
    ("nested.default", "nested-v1"),
    ("urls.default", "urls-v1"),
    ("dup-platform.default", "dup-platform-v1"),
    ("no-mediatype.default", "no-mediatype-v1"),
]


@pytest.mark.parametrize(("case", "tag"), QUIRK_LISTINGS)
def test_quirk_listings(pool: ThreadPoolExecutor, case: str, tag: str) -> None:
    ins, _ = inspect_layout(pool, QUIRKS_LAYOUT, quirks_layout_tags()[tag], tag)
    expected = (QUIRKS_CASES / f"{case}.txt").read_text()
    # buildx prints annotation lines in random (Go map) order; ours are sorted
    assert ins.listing() == sort_annotation_blocks(expected)
    assert sort_annotation_blocks(ins.listing()) == ins.listing()


def test_listing_by_digest_names_entries_by_digest(pool: ThreadPoolExecutor) -> None:
    digest = "sha256:d4a3e8fb8330d24f77d9c30f577b87ab79976ebc702172cff362d136889ede20"
    ins, _ = inspect_layout(pool, QUIRKS_LAYOUT, f"127.0.0.1:5100/quirks/multi@{digest}")
    expected = (QUIRKS_CASES / "multi.by-index-digest.default.txt").read_text()
    assert ins.listing() == sort_annotation_blocks(expected)


def test_listing_by_tag_and_digest_keeps_tag(pool: ThreadPoolExecutor) -> None:
    digest = "sha256:d4a3e8fb8330d24f77d9c30f577b87ab79976ebc702172cff362d136889ede20"
    ins, _ = inspect_layout(pool, QUIRKS_LAYOUT, f"127.0.0.1:5100/quirks/multi:v1@{digest}")
    expected = (QUIRKS_CASES / "multi.by-tag-and-digest.default.txt").read_text()
    assert ins.listing() == sort_annotation_blocks(expected)


def test_listing_without_tag_adds_latest(pool: ThreadPoolExecutor) -> None:
    ins, _ = inspect_layout(pool, QUIRKS_LAYOUT, "127.0.0.1:5100/quirks/single", "single-v1")
    assert ins.listing() == (QUIRKS_CASES / "single.default-no-tag.txt").read_text()


def test_platform_narrows_listing_to_image_and_its_attestation(pool: ThreadPoolExecutor) -> None:
    full, _ = inspect_layout(
        pool, BUILDKIT / "multi-prov-max", "127.0.0.1:5200/ocitrace/multi-prov-max:v1"
    )
    ins, _ = inspect_layout(
        pool,
        BUILDKIT / "multi-prov-max",
        "127.0.0.1:5200/ocitrace/multi-prov-max:v1",
        platforms=(parse_platform("linux/arm64"),),
    )
    out = ins.listing()
    blocks = full.listing().split("\n               \n")
    # the arm64 image and the attestation manifest pointing at it, nothing else
    arm = [b for b in blocks if "linux/arm64" in b]
    assert len(arm) == 1
    arm_digest = arm[0].split("@")[1].split("\n")[0]
    assert out.count("  Name:") == 2
    assert arm_digest in out
    assert f"vnd.docker.reference.digest: {arm_digest}" in out
    assert "linux/amd64" not in out and "linux/arm/v7" not in out
