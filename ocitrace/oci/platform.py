"""Platform parsing, normalisation, formatting and matching with containerd's rules.

Ported from ``containerd/platforms`` (``platforms.go`` Parse/Format/Normalize,
``database.go`` normalizeOS/normalizeArch, ``compare.go`` + ``variant.go`` Only).
buildx keys ``.Image``/``.Provenance``/``.SBOM`` by ``normalized_key`` (Format of
Normalize), while the default listing prints descriptor platforms unnormalised.

Deliberate differences from containerd, which consults the running host:

* an empty OS stays empty (containerd substitutes ``runtime.GOOS``), so it formats as
  ``unknown``;
* a one-word specifier (``linux`` or ``arm64``) is refused instead of completed with the
  host's architecture or OS;
* matching compares OS, architecture and variant only (``os.version``/``os.features``
  are ignored, as in containerd's classic matcher on non-Windows hosts).
"""

from __future__ import annotations

import dataclasses
import re

from ..errors import UsageError
from ..lazyre import lazy
from .model import Platform

__all__ = ["format_platform", "matches", "normalize", "normalized_key", "parse_platform"]

_OS_AND_VERSION_RE = lazy(r"([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?", re.ASCII)
_SPECIFIER_RE = lazy(r"[A-Za-z0-9_.-]+", re.ASCII)  # "." for arm64 v8.x
_HINT = "write a platform as os/arch[/variant], e.g. linux/amd64 or linux/arm/v7"


def parse_platform(specifier: str) -> Platform:
    """Parse ``os[(osversion)]/arch[/variant]`` like containerd ``platforms.Parse``.

    Like containerd, ``linux/arm`` leaves the variant empty (v7 implied) while
    ``linux/arm64/v8`` keeps ``v8``; aliases (``x86_64``, ``aarch64``, ``armhf``…)
    are normalised.  Raises :class:`~ocitrace.errors.UsageError`.
    """
    if "*" in specifier:
        raise _bad(specifier, "wildcards are not supported")
    parts = specifier.split("/", 3)
    os_match = _OS_AND_VERSION_RE.fullmatch(parts[0])
    if os_match is None:
        raise _bad(specifier, f"{parts[0]!r} is not a valid OS[(version)] component")
    for part in parts[1:]:
        if not _SPECIFIER_RE.fullmatch(part):
            raise _bad(specifier, f"{part!r} is not a valid component (A-Z a-z 0-9 _ . -)")
    os_name, os_version = _normalize_os(os_match.group(1)), os_match.group(2) or ""
    if len(parts) == 1:
        raise _bad(specifier, "an architecture is required")
    if len(parts) == 2:
        arch, variant = _normalize_arch(parts[1], "")
        if arch == "arm" and variant == "v7":
            variant = ""
    elif len(parts) == 3:
        arch, variant = _normalize_arch(parts[1], parts[2])
        if arch == "arm64" and variant == "":
            variant = "v8"
    else:
        raise _bad(specifier, "too many components")
    return Platform(os=os_name, architecture=arch, variant=variant, os_version=os_version)


def _bad(specifier: str, why: str) -> UsageError:
    return UsageError(f"invalid platform {specifier!r}: {why}", input=specifier, hint=_HINT)


def _normalize_os(os_name: str) -> str:
    lowered = os_name.lower()
    return "darwin" if lowered == "macos" else lowered


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    """containerd ``normalizeArch``."""
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        if variant in ("8", "v8", "v8.0"):
            variant = ""
        elif variant in ("9", "9.0", "v9.0"):
            variant = "v9"
        return "arm64", variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            variant = "v7"
        elif variant in ("5", "6", "8"):
            variant = "v" + variant
    return arch, variant


def normalize(p: Platform) -> Platform:
    """containerd ``Normalize``: canonical OS, architecture and variant (other fields kept)."""
    arch, variant = _normalize_arch(p.architecture, p.variant)
    return dataclasses.replace(p, os=_normalize_os(p.os), architecture=arch, variant=variant)


def format_platform(p: Platform) -> str:
    """containerd ``Format``: ``os/arch[/variant]``, ``unknown`` when the OS is empty."""
    if not p.os:
        return "unknown"
    return "/".join(part for part in (p.os, p.architecture, p.variant) if part)


def normalized_key(p: Platform) -> str:
    """The key buildx uses for per-platform maps: ``format_platform(normalize(p))``."""
    return format_platform(normalize(p))


# --- containerd Only(): can an image built for `have` run where `want` is asked? ---------


def matches(want: Platform, have: Platform) -> bool:
    """containerd ``platforms.Only(want).Match(have)``.

    Same OS, and either the same architecture with a compatible (equal or older)
    variant, or the fallback architecture: ``amd64`` runs ``386``; ``arm64`` runs
    ``arm`` up to ``v8``; ``arm/vN`` runs ``arm/v5``…``vN``; ``arm64/v9.x`` runs
    ``v9.0``…``v9.x`` and ``v8.0``…``v8.(x+5)`` (capped at ``v8.9``).  An empty
    variant means the architecture's floor (``amd64`` v1, ``arm64`` v8, ``arm`` v7
    after normalisation).
    """
    w, h = normalize(want), normalize(have)
    if w.os != h.os:
        return False
    if h.architecture == w.architecture:
        return _same_arch_match(w.architecture, w.variant, h.variant)
    if w.architecture == "amd64" and h.architecture == "386":
        return True
    if w.architecture == "arm64" and h.architecture == "arm":
        return _numbered_variant_match("v8", h.variant, "v5")
    return False


def _same_arch_match(arch: str, host_variant: str, image_variant: str) -> bool:
    if arch == "amd64":
        return _numbered_variant_match(host_variant, image_variant, "v1")
    if arch == "arm":
        return _numbered_variant_match(host_variant, image_variant, "v5")
    if arch == "arm64":
        return _arm64_variant_match(host_variant, image_variant)
    return _generic_variant_match(host_variant, image_variant)


class _Variant:
    """A variant split around its dotted numbers: ``v8.3`` → ("v", (8, 3), "").

    A plain class, not a dataclass: building one at import costs start-up."""

    __slots__ = ("numbers", "prefix", "suffix")

    def __init__(self, prefix: str, numbers: tuple[int, ...], suffix: str) -> None:
        self.prefix = prefix
        self.numbers = numbers
        self.suffix = suffix


_VARIANT_RE = lazy(r"([^0-9]*)([0-9]+(?:\.[0-9]+)*)(.*)", re.ASCII | re.DOTALL)


def _parse_variant(variant: str) -> _Variant | None:
    """containerd ``parseVersionedVariant`` (numbers beyond int64 make it unversioned)."""
    m = _VARIANT_RE.fullmatch(variant)
    if m is None:
        return None
    numbers = tuple(int(n) for n in m.group(2).split("."))
    if any(n >= 2**63 for n in numbers):
        return None
    return _Variant(m.group(1), numbers, m.group(3))


def _compare_versions(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Component-wise comparison, a missing trailing component counting as 0."""
    width = max(len(a), len(b))
    pa, pb = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (pa > pb) - (pa < pb)


def _same_shape(host: str, image: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    h, i = _parse_variant(host), _parse_variant(image)
    if h is None or i is None or h.prefix != i.prefix or h.suffix != i.suffix:
        return None
    return h.numbers, i.numbers


def _numbered_variant_match(host: str, image: str, floor: str) -> bool:
    """containerd ``numberedVariantMatch``: floor ≤ image ≤ host; empty means the floor."""
    host, image = host or floor, image or floor
    if host == image:
        return True
    shapes = _same_shape(host, image)
    floor_v = _parse_variant(floor)
    if shapes is None or floor_v is None:
        return False
    host_n, image_n = shapes
    return (
        _compare_versions(image_n, floor_v.numbers) >= 0 and _compare_versions(image_n, host_n) <= 0
    )


def _generic_variant_match(host: str, image: str) -> bool:
    """containerd ``genericVariantMatch``: an image without variant runs anywhere."""
    if image == host or image == "":
        return True
    shapes = _same_shape(host, image)
    return shapes is not None and _compare_versions(shapes[1], shapes[0]) <= 0


_ARM64_MAX_V8_MINOR = 9


def _arm64_variant_match(host: str, image: str) -> bool:
    """containerd ``arm64VariantMatch`` (v9.x runs v8 up to .x+5, capped at v8.9)."""
    host, image = host or "v8", image or "v8"
    if host == image:
        return True
    h, i = _parse_variant(host), _parse_variant(image)
    if h is None or i is None:
        return False
    if (h.prefix, h.suffix, i.prefix, i.suffix) != ("v", "", "v", "") or max(
        len(h.numbers), len(i.numbers)
    ) > 2:
        return False
    h_major, h_minor = h.numbers[0], h.numbers[1] if len(h.numbers) > 1 else 0
    i_major, i_minor = i.numbers[0], i.numbers[1] if len(i.numbers) > 1 else 0
    if i_major == h_major:
        return i_minor <= h_minor
    if h_major == 9 and i_major == 8:
        return i_minor <= min(h_minor + 5, _ARM64_MAX_V8_MINOR)
    return False
