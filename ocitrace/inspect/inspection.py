"""One ``inspect`` run over one reference: the top manifest in hand, the rest on demand.

Construction costs exactly one request (the top-level manifest or index by tag or
digest).  Everything else is memoised and fetched only when first asked for, a whole
tree level at a time, concurrently: child manifests → configs and attestation layers.
:meth:`Inspection.prefetch` lets a caller that knows what it will need (the CLI scans
the template) start configs and layers in the same round trip.

Values here are plain Python (``ConfigFile``, predicates as JSON values); ``model.py`` wraps
them in Go types for the template engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from ..inspect.listing import render_listing
from ..oci import mediatypes as mt
from ..oci.model import Descriptor, Index, Manifest, Platform
from ..reference import LayoutReference, Reference
from ..source import Fetched, Source

# The default listing needs the top-level bytes only: the tree walk, the fetcher (and
# concurrent.futures), image configs and attestation decoders are imported on first use,
# which keeps them out of `ocitrace inspect REF`'s start-up (tests/test_startup_imports.py).
if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from .fetcher import Fetcher
    from .image import ConfigFile
    from .tree import Tree, Walk

__all__ = ["IndexSummary", "Inspection", "SBOMResult"]


@dataclass(frozen=True, slots=True)
class IndexSummary:
    """buildx's ``.Manifest`` for an index: the body's fields plus the resolved digest/size."""

    schema_version: int
    media_type: str
    digest: str
    size: int
    manifests: tuple[Descriptor, ...] | None
    annotations: dict[str, str] | None


@dataclass(frozen=True, slots=True)
class SBOMResult:
    """``sbomStub``: the first SPDX predicate and the others, in layer order."""

    spdx: Any
    additional: tuple[Any, ...] = ()


class _Memo:
    __slots__ = ("lock", "values")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, Any] = {}


class Inspection:
    """Lazy view of one image (index or manifest) in ``source``."""

    def __init__(
        self,
        source: Source,
        ref: Reference | LayoutReference,
        pool: Executor | Callable[[], Executor],
        *,
        platforms: Sequence[Platform] = (),
    ) -> None:
        self.source = source
        self.ref = ref
        self.platforms = tuple(platforms)
        self._pool = pool
        self.top: Fetched = source.manifest(ref.identifier)
        self._memo = _Memo()
        self._lazy: dict[str, Any] = {}  # "fetcher", "tree": made on first use
        self._lazy_lock = threading.Lock()

    @property
    def _fetcher(self) -> Fetcher:
        """The memoised fetcher on the pool (made, and the pool asked for, on first use)."""
        with self._lazy_lock:
            fetcher: Fetcher | None = self._lazy.get("fetcher")
            if fetcher is None:
                from .fetcher import Fetcher

                pool = self._pool() if callable(self._pool) else self._pool
                fetcher = self._lazy["fetcher"] = Fetcher(self.source, pool)
            return fetcher

    @property
    def tree(self) -> Tree:
        """The walks of the index below the top level (memoised; made on first use)."""
        fetcher = self._fetcher
        with self._lazy_lock:
            tree: Tree | None = self._lazy.get("tree")
            if tree is None:
                from .tree import Tree

                tree = self._lazy["tree"] = Tree(fetcher, self.top, self.platforms)
            return tree

    # --- names -------------------------------------------------------------------------

    @property
    def display_name(self) -> str:
        """The normalised reference (``:latest`` added), as buildx's ``Name:`` line."""
        return str(self.ref)

    def child_name(self, digest: str) -> str:
        """``repo:tag@digest`` for a registry (tag kept), ``oci-layout://dir@digest`` for a layout."""
        if isinstance(self.ref, Reference):
            return str(self.ref.with_default_tag().with_digest(digest))
        return str(self.ref.with_digest(digest))

    # --- raw and default listing ---------------------------------------------------------

    def raw(self) -> bytes:
        """The top-level bytes exactly as stored."""
        return self.top.data

    def chosen_raw(self) -> bytes:
        """``--raw``: the top-level bytes, or with platforms the stored bytes of the image
        they choose (the first one, in index order), as ``manifest --platform`` prints it."""
        if not self.platforms:
            return self.top.data
        self.check_platforms()
        node = next(iter(self.tree.shape().images.values()))
        if node.descriptor.digest == self.top.descriptor.digest:
            return self.top.data
        return self.source.manifest(node.descriptor.digest).data

    @property
    def is_index(self) -> bool:
        return mt.is_index(self.top.descriptor.media_type)

    def index(self) -> Index:
        """The top-level index (only when :attr:`is_index`)."""
        return Index.parse(self.top.data, desc=self.top.descriptor)

    def listing(self) -> str:
        """buildx's default output (entries narrowed to the requested platforms, if any)."""
        desc = self.top.descriptor
        entries: tuple[Descriptor, ...] | None = None
        if self.is_index:
            entries = self.index().manifests
            if self.platforms:
                entries = self._narrow(entries, self.tree.shape())
        return render_listing(
            self.display_name, desc.media_type, desc.digest, entries, self.child_name
        )

    def _narrow(self, entries: tuple[Descriptor, ...], walk: Walk) -> tuple[Descriptor, ...]:
        """Keep images on a requested platform, their attestations, and indexes holding them."""
        from .tree import reference_digest

        kept = {node.descriptor.digest for node in walk.images.values()}
        keep_attestation = {d.digest for d in entries if reference_digest(d) in kept}
        keep_index = set()
        for digest in kept:
            parent = walk.parents.get(digest)
            while parent is not None and parent != self.top.descriptor.digest:
                keep_index.add(parent)
                parent = walk.parents.get(parent)
        return tuple(d for d in entries if d.digest in kept | keep_attestation | keep_index)

    def check_platforms(self) -> None:
        """Raise NotFound when ``--platform`` leaves no image."""
        if self.platforms and not self.tree.shape().images:
            from ..oci.platform import format_platform
            from .tree import Tree

            wanted = ", ".join(format_platform(p) for p in self.platforms)
            have = ", ".join(Tree(self._fetcher, self.top).keys()) or "none"
            raise NotFound(
                f"{self.display_name}: no image for platform {wanted} (available: {have})",
                input=self.display_name,
                hint="pick one of the available platforms",
            )

    # --- template model pieces -----------------------------------------------------------

    def is_multi(self) -> bool:
        """buildx's shape rule: more than one distinct platform key among images."""
        return len(self.tree.keys()) > 1

    def manifest_value(self) -> Descriptor | IndexSummary:
        """``.Manifest``: the resolved descriptor, or the index summary."""
        desc = self.top.descriptor
        if not self.is_index:
            return desc
        from .jsondoc import loads

        idx = self.index()  # parses (and so validates) the bytes first
        body = loads(self.top.data, f"index {desc.digest}")
        manifests = idx.manifests if body.get("manifests") is not None else None
        annotations = dict(idx.annotations) if body.get("annotations") is not None else None
        return IndexSummary(
            idx.schema_version, idx.media_type, desc.digest, desc.size, manifests, annotations
        )

    def prefetch(
        self, *, image: bool = False, provenance: bool = False, sbom: bool = False
    ) -> None:
        """Start every fetch the named fields need in one concurrent round (no waiting on them)."""
        if not (image or provenance or sbom):
            return
        from .attestations import provenance_layers, sbom_layers
        from .fetcher import MAX_ATTESTATION_SIZE, MAX_CONFIG_SIZE

        walk = self.tree.full() if self.is_index else self.tree.shape()
        for node in walk.images.values():
            if image:
                cfg = self._manifest_of(node.descriptor).config
                if cfg is not None:
                    self._fetcher.blob(cfg, MAX_CONFIG_SIZE)
            atts = [
                self.tree.manifest(d) for d in walk.attestations.get(node.descriptor.digest, [])
            ]
            layers = (provenance_layers(atts) if provenance else []) + (
                sbom_layers(atts) if sbom else []
            )
            for layer in layers:
                self._fetcher.blob(layer, MAX_ATTESTATION_SIZE)

    def _manifest_of(self, desc: Descriptor) -> Manifest:
        if desc.digest == self.top.descriptor.digest:
            return Manifest.parse(self.top.data, desc=self.top.descriptor)
        return self.tree.manifest(desc)

    def images(self) -> dict[str, ConfigFile | None]:
        """Image configs by platform key (configs fetched concurrently; memoised)."""
        with self._memo.lock:
            if "images" in self._memo.values:
                cached: dict[str, ConfigFile | None] = self._memo.values["images"]
                return cached
        from .fetcher import MAX_CONFIG_SIZE
        from .image import decode_image

        self.prefetch(image=True)
        walk = self.tree.shape()
        futures: dict[str, tuple[str, Future[bytes]] | None] = {}
        for key, node in walk.images.items():
            cfg = self._manifest_of(node.descriptor).config
            futures[key] = (
                None if cfg is None else (cfg.digest, self._fetcher.blob(cfg, MAX_CONFIG_SIZE))
            )
        result = {
            key: (decode_image(f[1].result(), f[0]) if f is not None else None)
            for key, f in futures.items()
        }
        with self._memo.lock:
            self._memo.values["images"] = result
        return result

    def provenance(self) -> dict[str, Any]:
        """SLSA predicate by platform key, only for platforms that have one."""

        from .attestations import provenance_layers

        def pick(atts: list[Manifest]) -> list[Descriptor]:
            return provenance_layers(atts)[-1:]

        found = self._predicates("provenance", pick)
        return {key: preds[-1] for key, preds in found.items()}

    def sbom(self) -> dict[str, SBOMResult]:
        """SPDX predicates by platform key, only for platforms that have one."""
        from .attestations import sbom_layers

        found = self._predicates("sbom", sbom_layers)
        return {key: SBOMResult(preds[0], tuple(preds[1:])) for key, preds in found.items()}

    def _predicates(self, what: str, pick: Any) -> dict[str, list[Any]]:
        with self._memo.lock:
            if what in self._memo.values:
                cached: dict[str, list[Any]] = self._memo.values[what]
                return cached
        from .attestations import decode_predicate
        from .fetcher import MAX_ATTESTATION_SIZE

        walk = self.tree.full() if self.is_index else self.tree.shape()
        futures: dict[str, list[tuple[Descriptor, Future[bytes]]]] = {}
        for key, node in walk.images.items():
            atts = [
                self.tree.manifest(d) for d in walk.attestations.get(node.descriptor.digest, [])
            ]
            layers: list[Descriptor] = pick(atts)
            if layers:
                futures[key] = [
                    (lay, self._fetcher.blob(lay, MAX_ATTESTATION_SIZE)) for lay in layers
                ]
        result = {
            key: [decode_predicate(f.result(), lay) for lay, f in pairs]
            for key, pairs in futures.items()
        }
        with self._memo.lock:
            self._memo.values[what] = result
        return result

    def missing_note(self, what: str, found: Sequence[str]) -> str | None:
        """One line naming what was looked for and where, when some platform lacks it."""
        from .attestations import SLSA_PREFIX, SPDX_TYPE

        keys = self.tree.keys()
        missing = [k for k in keys if k not in found]
        if not missing:
            return None
        kind = (
            f"SLSA provenance (in-toto layer with predicate type {SLSA_PREFIX}*)"
            if what == "provenance"
            else f"SPDX SBOM (in-toto layer with predicate type {SPDX_TYPE})"
        )
        where = ", ".join(missing) if missing else "the image"
        if not keys:
            where = "the image (no platform found)"
        return (
            f"no {kind} for {where} of {self.display_name}: looked in the attestation manifests "
            f"referencing each image (vnd.docker.reference.digest) in its index"
        )
