"""ocitrace.oci.platform against containerd/platforms' own test tables.

Expectations are copied from containerd's platforms_test.go (TestParseSelector),
compare_test.go (TestOnly), variant_test.go and database.go, and BUILDX.md's list of
platform-key normalisations.
"""

from __future__ import annotations

import pytest

from ocitrace.errors import UsageError
from ocitrace.oci.model import Platform
from ocitrace.oci.platform import (
    _arm64_variant_match,
    _generic_variant_match,
    _numbered_variant_match,
    _parse_variant,
    format_platform,
    matches,
    normalize,
    normalized_key,
    parse_platform,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [  # containerd TestParseSelector (the cases not depending on the host)
        ("linux/arm64", Platform("linux", "arm64")),
        ("linux/arm64/v8", Platform("linux", "arm64", "v8")),
        ("linux/arm", Platform("linux", "arm")),
        ("linux/arm/v6", Platform("linux", "arm", "v6")),
        ("linux/arm/v7", Platform("linux", "arm", "v7")),
        ("Linux/x86_64", Platform("linux", "amd64")),
        ("linux/s390x", Platform("linux", "s390x")),
        ("windows(10.0.17763)/amd64", Platform("windows", "amd64", os_version="10.0.17763")),
        ("macOS/arm64", Platform("darwin", "arm64")),
        ("linux/armhf", Platform("linux", "arm")),
        ("linux/armel", Platform("linux", "arm", "v6")),
        ("linux/i386", Platform("linux", "386")),
    ],
)
def test_parse_platform(spec: str, expected: Platform) -> None:
    assert parse_platform(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "/linux/arm",
        "linux/arm/",
        "linux /arm",
        "linux/&arm",
        "linux/arm/foo/bar",
        "*",
        "linux/*",
        "linux",
    ],
)
def test_parse_platform_invalid(spec: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_platform(spec)
    assert info.value.input == spec
    assert "os/arch" in info.value.hint


@pytest.mark.parametrize(
    ("arch", "variant", "want_arch", "want_variant"),
    [  # containerd database.go normalizeArch; BUILDX.md "Platform keys"
        ("x86_64", "", "amd64", ""),
        ("x86-64", "", "amd64", ""),
        ("AMD64", "V1", "amd64", ""),
        ("amd64", "v2", "amd64", "v2"),
        ("aarch64", "", "arm64", ""),
        ("arm64", "8", "arm64", ""),
        ("arm64", "v8", "arm64", ""),
        ("arm64", "v8.0", "arm64", ""),
        ("arm64", "v8.2", "arm64", "v8.2"),
        ("arm64", "9", "arm64", "v9"),
        ("arm64", "9.0", "arm64", "v9"),
        ("arm64", "v9.0", "arm64", "v9"),
        ("arm", "", "arm", "v7"),
        ("arm", "7", "arm", "v7"),
        ("arm", "6", "arm", "v6"),
        ("arm", "5", "arm", "v5"),
        ("arm", "8", "arm", "v8"),
        ("armhf", "", "arm", "v7"),
        ("armel", "", "arm", "v6"),
        ("i386", "whatever", "386", ""),
        ("s390x", "", "s390x", ""),
        ("riscv64", "rva23u64", "riscv64", "rva23u64"),
    ],
)
def test_normalize_arch(arch: str, variant: str, want_arch: str, want_variant: str) -> None:
    p = normalize(Platform("Linux", arch, variant, os_version="1.2", os_features=("f",)))
    assert p == Platform("linux", want_arch, want_variant, os_version="1.2", os_features=("f",))


def test_normalize_os() -> None:
    assert normalize(Platform("MacOS", "arm64")).os == "darwin"
    assert normalize(Platform("", "amd64")).os == ""  # no host default, unlike containerd


@pytest.mark.parametrize(
    ("platform", "formatted", "key"),
    [
        (Platform("linux", "arm64", "v8"), "linux/arm64/v8", "linux/arm64"),
        (Platform("linux", "arm"), "linux/arm", "linux/arm/v7"),
        (Platform("linux", "amd64", "v1"), "linux/amd64/v1", "linux/amd64"),
        (Platform("linux", "x86_64"), "linux/x86_64", "linux/amd64"),
        (Platform("windows", "amd64", os_version="10.0.17763"), "windows/amd64", "windows/amd64"),
        (Platform("", "amd64"), "unknown", "unknown"),
        (Platform("unknown", "unknown"), "unknown/unknown", "unknown/unknown"),
        (Platform("linux", "", "v7"), "linux/v7", "linux/v7"),  # Go path.Join drops empties
    ],
)
def test_format_and_key(platform: Platform, formatted: str, key: str) -> None:
    assert format_platform(platform) == formatted
    assert normalized_key(platform) == key


ONLY_CASES: dict[str, tuple[list[str], list[str]]] = {  # containerd compare_test.go TestOnly
    "linux/amd64": (
        ["linux/amd64", "linux/386"],
        ["linux/amd64/v2", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
    ),
    "linux/amd64/v2": (
        ["linux/amd64", "linux/amd64/v1", "linux/amd64/v2", "linux/386"],
        [
            "linux/amd64/v3",
            "linux/amd64/v4",
            "linux/arm/v7",
            "linux/arm64",
            "windows/amd64",
            "windows/arm",
        ],
    ),
    "linux/386": (
        ["linux/386"],
        ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
    ),
    "windows/amd64": (
        ["windows/amd64", "windows(10.0.17763)/amd64"],
        ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"],
    ),
    "linux/arm/v8": (
        ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8"],
        ["linux/amd64", "linux/arm/v4", "linux/arm64", "windows/amd64", "windows/arm"],
    ),
    "linux/arm/v7": (
        ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7"],
        [
            "linux/amd64",
            "linux/arm/v4",
            "linux/arm/v8",
            "linux/arm64",
            "windows/amd64",
            "windows/arm",
        ],
    ),
    "linux/arm/v6": (
        ["linux/arm/v5", "linux/arm/v6"],
        ["linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v7", "linux/arm/v8", "linux/arm64"],
    ),
    "linux/arm/v5": (
        ["linux/arm/v5"],
        ["linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v6", "linux/arm/v7", "linux/arm64"],
    ),
    "linux/arm/v4": (
        ["linux/arm/v4"],
        ["linux/amd64", "linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm64"],
    ),
    "linux/arm64/v9": (
        [
            "linux/arm",
            "linux/arm/v5",
            "linux/arm/v6",
            "linux/arm/v7",
            "linux/arm/v8",
            "linux/arm64",
            "linux/arm64/v8",
            "linux/arm64/v8.1",
            "linux/arm64/v8.2",
            "linux/arm64/v8.3",
            "linux/arm64/v8.4",
            "linux/arm64/v8.5",
            "linux/arm64/v9",
            "linux/arm64/v9.0",
        ],
        ["linux/amd64", "linux/arm/v4", "windows/amd64", "windows/arm", "linux/arm64/v8.6"],
    ),
    "linux/arm64/v8.1": (
        [
            "linux/arm",
            "linux/arm/v5",
            "linux/arm/v6",
            "linux/arm/v7",
            "linux/arm/v8",
            "linux/arm64",
            "linux/arm64/v8",
            "linux/arm64/v8.1",
        ],
        [
            "linux/amd64",
            "linux/arm/v4",
            "linux/arm/v9",
            "linux/arm64/v9",
            "windows/amd64",
            "windows/arm",
        ],
    ),
    "linux/arm64": (
        [
            "linux/arm",
            "linux/arm/v5",
            "linux/arm/v6",
            "linux/arm/v7",
            "linux/arm/v8",
            "linux/arm64",
            "linux/arm64/v8",
        ],
        [
            "linux/amd64",
            "linux/arm/v4",
            "linux/arm/v9",
            "linux/arm64/v9",
            "windows/amd64",
            "windows/arm",
        ],
    ),
}

ONLY_PARAMS = [
    (want, have, expected)
    for want, (yes, no) in ONLY_CASES.items()
    for expected, haves in ((True, yes), (False, no))
    for have in haves
]


@pytest.mark.parametrize(("want", "have", "expected"), ONLY_PARAMS)
def test_matches_like_containerd_only(want: str, have: str, expected: bool) -> None:
    assert matches(parse_platform(want), parse_platform(have)) is expected


def test_matches_raw_descriptor_platforms() -> None:
    # descriptors are not parsed through parse_platform: aliases and odd case still match
    assert matches(parse_platform("linux/arm64"), Platform("linux", "aarch64", "v8"))
    assert matches(parse_platform("linux/amd64"), Platform("Linux", "x86_64"))
    assert matches(parse_platform("linux/arm/v7"), Platform("linux", "armhf"))
    assert not matches(parse_platform("linux/amd64"), Platform("unknown", "unknown"))
    assert matches(Platform("linux", "ppc64le", "power10"), Platform("linux", "ppc64le", "power8"))
    assert matches(Platform("linux", "ppc64le", "power10"), Platform("linux", "ppc64le"))
    assert not matches(
        Platform("linux", "ppc64le", "power8"), Platform("linux", "ppc64le", "power10")
    )


@pytest.mark.parametrize(
    ("variant", "parsed"),
    [  # containerd variant_test.go TestParseVersionedVariant
        ("v3", ("v", (3,), "")),
        ("v8.5", ("v", (8, 5), "")),
        ("power10", ("power", (10,), "")),
        ("rva23u64", ("rva", (23,), "u64")),
        ("10.0.17763.1", ("", (10, 0, 17763, 1), "")),
        ("v8.3.1", ("v", (8, 3, 1), "")),
        ("", None),
        ("custom", None),
        ("v99999999999999999999", None),
    ],
)
def test_parse_variant(variant: str, parsed: tuple[str, tuple[int, ...], str] | None) -> None:
    got = _parse_variant(variant)
    assert (None if got is None else (got.prefix, got.numbers, got.suffix)) == parsed


@pytest.mark.parametrize(
    ("host", "image", "ok"),
    [  # containerd variant_test.go TestGenericVariantMatch
        ("power10", "power10", True),
        ("power10", "power8", True),
        ("power8", "power10", False),
        ("power10", "", True),
        ("", "", True),
        ("", "power8", False),
        ("power10", "rva20u64", False),
        ("rva23u64", "rva20s64", False),
        ("rva23u64", "rva20u64", True),
    ],
)
def test_generic_variant_match(host: str, image: str, ok: bool) -> None:
    assert _generic_variant_match(host, image) is ok


@pytest.mark.parametrize(
    ("host", "image", "ok"),
    [  # containerd variant_test.go TestArm64VariantMatch
        ("v9.6", "v8.9", True),
        ("v9.6", "v8.10", False),
        ("v9", "v8.5", True),
        ("v9", "v8.6", False),
        ("v8.1", "v9", False),
        ("v9.8", "v9.0", True),
        ("v9.8", "v8.9", True),
        ("", "v8", True),
        ("v9.6", "v8.9.1", False),
    ],
)
def test_arm64_variant_match(host: str, image: str, ok: bool) -> None:
    assert _arm64_variant_match(host, image) is ok


def test_numbered_variant_match_huge() -> None:
    # containerd TestNumberedVariantMatchHuge
    assert _numbered_variant_match("v1000000000", "v999999999", "v1")
    assert not _numbered_variant_match("v5", "v6", "v1")
