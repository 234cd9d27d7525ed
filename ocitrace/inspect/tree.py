"""The index tree as buildx's loader sees it: images keyed by platform, attestations by subject.

Mirrors ``util/imagetools/loader.go`` ``fetch``: indexes are walked recursively; an image
manifest descriptor carrying ``com.docker.reference.digest`` (checked first) or
``vnd.docker.reference.digest`` is an attestation of that digest; every other image
manifest is an image keyed by ``normalized_key`` of its descriptor platform, or of its
config's ``os``/``architecture``/``variant`` when the descriptor has none.

Unlike buildx, the walk is level by level and fetches only what is asked for: the
*shape* walk fetches just nested indexes and the manifests + configs of platform-less
images (what the platform keys need); the *full* walk also fetches every image and
attestation manifest.  Each level is one concurrent round trip.  Where buildx's result
depends on goroutine timing (two images with one platform key; several attestation
manifests for one image) document order is used: the later entry wins.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..oci import mediatypes as mt
from ..oci.config import parse_config
from ..oci.model import Descriptor, Index, Manifest, Platform
from ..oci.platform import normalized_key
from ..reference import validate_digest
from ..source import Fetched
from .fetcher import MAX_CONFIG_SIZE, Fetcher

__all__ = ["ImageNode", "Tree", "Walk", "reference_digest"]

#: buildx ``annotationReferences``, in the order they are checked.
REFERENCE_ANNOTATIONS = (mt.REF_DIGEST_ANNOTATION_COM, mt.REF_DIGEST_ANNOTATION)
#: manifest media types buildx's loader treats as images (the artifact manifest is ignored).
_IMAGE_TYPES = frozenset({mt.OCI_MANIFEST, mt.DOCKER_MANIFEST})


def reference_digest(desc: Descriptor) -> str | None:
    """The subject digest an attestation descriptor points at, or None for an image."""
    for key in REFERENCE_ANNOTATIONS:
        if key in desc.annotations:
            return validate_digest(desc.annotations[key], input=desc.annotations[key])
    return None


@dataclass(frozen=True, slots=True)
class ImageNode:
    """One image manifest of the tree and its normalised platform key."""

    key: str
    descriptor: Descriptor


@dataclass(frozen=True, slots=True)
class Walk:
    """Result of a walk, in document order.

    ``images`` maps platform key → image (later entries win), ``attestations`` maps an
    image digest → its attestation manifest descriptors, ``kept`` holds the digests of
    every descriptor that survives the platform filter (for the listing).
    """

    images: dict[str, ImageNode]
    attestations: dict[str, list[Descriptor]]
    nodes: tuple[Descriptor, ...] = ()
    parents: dict[str, str] = field(default_factory=dict)  # child digest -> index digest


class Tree:
    """Lazy, memoised walks of the index below ``top`` (thread-safe)."""

    def __init__(self, fetcher: Fetcher, top: Fetched, want: Sequence[Platform] = ()) -> None:
        self._fetcher = fetcher
        self.top = top
        self._want = frozenset(normalized_key(p) for p in want)
        self._lock = threading.Lock()
        self._shape: Walk | None = None
        self._full: Walk | None = None
        fetcher.seed(top)

    @property
    def is_index(self) -> bool:
        return mt.is_index(self.top.descriptor.media_type)

    def shape(self) -> Walk:
        """Platform keys and attestation links; fetches only what the keys need."""
        with self._lock:
            if self._full is not None:
                return self._full
            if self._shape is None:
                self._shape = self._walk(full=False)
            return self._shape

    def full(self) -> Walk:
        """Like :meth:`shape`, with every child manifest fetched (concurrently)."""
        with self._lock:
            if self._full is None:
                self._full = self._walk(full=True)
            return self._full

    def keys(self) -> list[str]:
        """Sorted platform keys of the images (after the platform filter)."""
        return sorted(self.shape().images)

    def manifest(self, desc: Descriptor) -> Manifest:
        """A child image/attestation manifest (memoised fetch)."""
        fetched = self._fetcher.manifest(desc).result()
        return Manifest.parse(fetched.data, desc=fetched.descriptor)

    def _walk(self, *, full: bool) -> Walk:
        images: dict[str, ImageNode] = {}
        attestations: dict[str, list[Descriptor]] = {}
        nodes: list[tuple[tuple[int, ...], Descriptor]] = []
        parents: dict[str, str] = {}
        if not self.is_index:
            return self._single_walk()
        pending: list[tuple[tuple[int, ...], Descriptor]] = [
            ((i,), d) for i, d in enumerate(_index(self.top).manifests)
        ]
        for d in _index(self.top).manifests:
            parents[d.digest] = self.top.descriptor.digest
        platforms: dict[str, Platform] = {}
        while pending:
            fetched = self._fetch_level(pending, full=full)
            platforms.update(self._config_platforms(pending, fetched))
            following: list[tuple[tuple[int, ...], Descriptor]] = []
            for path, d in pending:
                nodes.append((path, d))
                if mt.is_index(d.media_type):
                    for i, child in enumerate(_index(fetched[d.digest]).manifests):
                        following.append(((*path, i), child))
                        parents[child.digest] = d.digest
            pending = following
        for _, d in sorted(nodes, key=lambda n: n[0]):
            if d.media_type not in _IMAGE_TYPES:
                continue
            subject = reference_digest(d)
            if subject is not None:
                attestations.setdefault(subject, [])
                if d not in attestations[subject]:
                    attestations[subject].append(d)
                continue
            plat = d.platform or platforms.get(d.digest)
            if plat is None:
                continue
            key = normalized_key(plat)
            if not self._want or key in self._want:
                images[key] = ImageNode(key, d)
        ordered = tuple(d for _, d in sorted(nodes, key=lambda n: n[0]))
        return Walk(images, attestations, ordered, parents)

    def _single_walk(self) -> Walk:
        """A top-level manifest: one image whose key needs its config."""
        d = self.top.descriptor
        cfg = Manifest.parse(self.top.data, desc=d).config
        if cfg is None:
            return Walk({}, {}, (d,))
        plat = config_platform(self._fetcher.blob(cfg, MAX_CONFIG_SIZE).result(), cfg.digest)
        key = normalized_key(plat)
        if self._want and key not in self._want:
            return Walk({}, {}, (d,))
        return Walk({key: ImageNode(key, d)}, {}, (d,))

    def _fetch_level(
        self, pending: Sequence[tuple[tuple[int, ...], Descriptor]], *, full: bool
    ) -> dict[str, Fetched]:
        need = [
            d
            for _, d in pending
            if mt.is_index(d.media_type)
            or (
                d.media_type in _IMAGE_TYPES
                and (full or (d.platform is None and reference_digest(d) is None))
            )
        ]
        return {d.digest: f for d, f in zip(need, self._fetcher.manifests(need), strict=True)}

    def _config_platforms(
        self, pending: Sequence[tuple[tuple[int, ...], Descriptor]], fetched: dict[str, Fetched]
    ) -> dict[str, Platform]:
        """Platforms read from configs of platform-less images (one concurrent round)."""
        todo: list[tuple[str, Descriptor]] = []
        for _, d in pending:
            if d.media_type in _IMAGE_TYPES and d.platform is None and reference_digest(d) is None:
                cfg = Manifest.parse(fetched[d.digest].data, desc=d).config
                if cfg is not None:
                    todo.append((d.digest, cfg))
        futures = [(dg, cfg, self._fetcher.blob(cfg, MAX_CONFIG_SIZE)) for dg, cfg in todo]
        return {dg: config_platform(f.result(), cfg.digest) for dg, cfg, f in futures}


def _index(fetched: Fetched) -> Index:
    return Index.parse(fetched.data, desc=fetched.descriptor)


def config_platform(raw: bytes, digest: str = "") -> Platform:
    """``os``/``architecture``/``variant`` of an image config, as buildx's readPlatformFromConfig."""
    plat = parse_config(raw, digest).platform
    return Platform(os=plat.os, architecture=plat.architecture, variant=plat.variant)
