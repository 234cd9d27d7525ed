"""The one Source interface shared by the registry client and the OCI-layout reader.

A :class:`Source` is bound to one repository (a registry repository or an on-disk OCI
image layout).  Everything above it — inspect, audit, attestations — is written against
this protocol only, so it works unchanged on ``oci-layout://`` references.

Contract for every implementation:

* bytes are returned exactly as stored, never re-serialised;
* anything fetched by digest is verified (sha256) and capped, raising
  :class:`~ocitrace.errors.DigestMismatch` / :class:`~ocitrace.errors.TooLarge`;
* missing content raises :class:`~ocitrace.errors.NotFound`;
* implementations are safe to call from several threads at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .oci.model import Descriptor


@dataclass(frozen=True, slots=True)
class Fetched:
    """A manifest (or index) as fetched: its descriptor and the exact bytes.

    ``descriptor.media_type`` is the Content-Type the registry answered (parameters
    stripped) or the layout's descriptor media type; ``descriptor.digest`` is the sha256 of
    ``data``; ``descriptor.size`` is ``len(data)``.
    """

    descriptor: Descriptor
    data: bytes


@dataclass(frozen=True, slots=True)
class Referrers:
    """Answer of a referrers lookup for one subject digest.

    ``via`` says how it was answered: ``"api"`` (OCI 1.1 referrers endpoint), ``"tag"``
    (the ``sha256-<hex>`` fallback tag) or ``"none"`` (neither exists).  ``checked`` lists
    human-readable notes of each place asked and its answer, e.g.
    ``("referrers API: 404", "tag sha256-abc…: not found")``.
    """

    manifests: tuple[Descriptor, ...]
    via: str
    checked: tuple[str, ...] = ()


@runtime_checkable
class Source(Protocol):
    """One repository's content, from a registry or an OCI layout."""

    @property
    def name(self) -> str:
        """Display name: ``host/repo`` for registries, ``oci-layout://PATH`` for layouts."""
        ...

    def resolve(self, ref: str) -> Descriptor:
        """Resolve a tag or ``sha256:`` digest to a descriptor (media type, digest, size).

        Registries: ``HEAD`` first, ``GET`` + hash when no digest header is given.
        """
        ...

    def manifest(self, ref: str) -> Fetched:
        """Fetch a manifest or index by tag or digest (verified when by digest)."""
        ...

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        """Fetch a blob into memory, verified against ``desc.digest`` and ``desc.size``."""
        ...

    def tags(self) -> Iterator[str]:
        """All tags (paged transparently)."""
        ...

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        """OCI 1.1 referrers of ``digest`` with the ``sha256-<hex>`` tag fallback."""
        ...


class SourceWrapper:
    """Base of every Source decorator (throttle, disk cache, per-image memo, shared fetches):
    each call goes to ``inner`` unchanged; a subclass overrides only what it changes.

    Wrappers stack (cache → throttle → registry); the contract above holds through them, as
    long as an override returns what ``inner`` would (bytes as stored, verified).
    """

    def __init__(self, inner: Source) -> None:
        self._inner = inner

    @property
    def inner(self) -> Source:
        """The wrapped Source."""
        return self._inner

    @property
    def name(self) -> str:
        return self._inner.name

    def resolve(self, ref: str) -> Descriptor:
        return self._inner.resolve(ref)

    def manifest(self, ref: str) -> Fetched:
        return self._inner.manifest(ref)

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        return self._inner.blob(desc, max_size=max_size)

    def tags(self) -> Iterator[str]:
        return self._inner.tags()

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        return self._inner.referrers(digest, artifact_type)
