"""Serve OCI layouts under registry-style references, so layout runs compare with goldens."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ocitrace.inspect.inspection import Inspection
from ocitrace.layout import LayoutSource
from ocitrace.oci.model import Descriptor, Platform
from ocitrace.reference import parse_reference
from ocitrace.source import Fetched, Referrers


class TagMappedSource:
    """A LayoutSource whose tags are renamed (registry tag -> layout ref name)."""

    def __init__(self, path: Path, tags: dict[str, str]) -> None:
        self._layout = LayoutSource(path)
        self._tags = tags
        self.calls: list[str] = []

    @property
    def name(self) -> str:
        return self._layout.name

    def _map(self, ref: str) -> str:
        return self._tags.get(ref, ref)

    def resolve(self, ref: str) -> Descriptor:
        self.calls.append(f"resolve {ref}")
        return self._layout.resolve(self._map(ref))

    def manifest(self, ref: str) -> Fetched:
        self.calls.append(f"manifest {ref}")
        return self._layout.manifest(self._map(ref))

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        self.calls.append(f"blob {desc.digest}")
        return self._layout.blob(desc, max_size=max_size)

    def tags(self) -> Iterator[str]:
        return self._layout.tags()

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        return self._layout.referrers(digest, artifact_type)


def inspect_layout(
    pool: ThreadPoolExecutor,
    layout: Path,
    reference: str,
    layout_tag: str | None = None,
    platforms: tuple[Platform, ...] = (),
) -> tuple[Inspection, TagMappedSource]:
    """An Inspection of ``layout`` that prints names as ``reference``."""
    ref = parse_reference(reference)
    tags = {ref.identifier: layout_tag} if layout_tag else {}
    src = TagMappedSource(layout, tags)
    return Inspection(src, ref, pool, platforms=platforms), src
