"""Batch digest resolution: many references in, one result per input, in input order.

Each reference is resolved ``HEAD``-first through :meth:`Source.resolve` (registries
only ``GET`` when they send no ``Docker-Content-Digest``).  With a platform the index is
fetched by digest and the matching platform manifest's digest is returned instead.
Work runs on a thread pool; one :class:`~ocitrace.source.Source` is opened per
repository and shared, so a repository costs one token exchange.  A failure is carried
in its own :class:`LookupResult` and never stops the others.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from .errors import NotFound, OcitraceError
from .oci import mediatypes as mt
from .oci.model import Descriptor, Index, Platform
from .reference import LayoutReference, Reference, parse_any
from .source import Fetched, Source

__all__ = ["LookupResult", "Opener", "SourcePool", "lookup_digests", "resolve_digest"]

#: Opens the Source for a parsed reference (its repository or layout).
Opener = Callable[[Reference | LayoutReference], Source]


@dataclass(frozen=True, slots=True)
class LookupResult:
    """One input line's answer: the descriptor found, or the error that stopped it."""

    input: str
    reference: Reference | LayoutReference | None = None
    descriptor: Descriptor | None = None
    error: OcitraceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.descriptor is not None

    @property
    def name(self) -> str:
        """Repository name as written in the reference (``host/repo`` or the layout URL)."""
        ref = self.reference
        if ref is None:
            return ""
        return ref.name

    @property
    def digest(self) -> str:
        return self.descriptor.digest if self.descriptor is not None else ""


class SourcePool:
    """One :class:`Source` per repository, opened on first use and shared between threads."""

    def __init__(self, opener: Opener) -> None:
        self._opener = opener
        self._lock = threading.Lock()
        self._sources: dict[str, Source] = {}
        self._locks: dict[str, threading.Lock] = {}

    def get(self, ref: Reference | LayoutReference) -> Source:
        key = ref.name
        with self._lock:
            if key in self._sources:
                return self._sources[key]
            repo_lock = self._locks.setdefault(key, threading.Lock())
        with repo_lock:  # open each repository once, without serialising the others
            with self._lock:
                if key in self._sources:
                    return self._sources[key]
            source = self._opener(ref)
            with self._lock:
                self._sources[key] = source
            return source


#: one platform, or several (the first one an index has wins)
PlatformChoice = Platform | Sequence[Platform]


def resolve_digest(
    source: Source, identifier: str, *, platform: PlatformChoice | None = None, what: str = ""
) -> Descriptor:
    """Descriptor for ``identifier`` (tag or digest); with ``platform``, the matching child.

    Without a platform this is one ``HEAD`` (or ``GET`` when the registry sends no digest).
    With one, the manifest is fetched by digest: of an index its first entry matching the
    platform (containerd rules, attestation entries skipped) is returned; a single
    manifest is returned when its config's platform matches (NotFound otherwise).
    """
    top = source.resolve(identifier)
    if not platform:
        return top
    fetched = source.manifest(top.digest)
    if mt.is_index(fetched.descriptor.media_type or top.media_type):
        index = Index.parse(fetched.data, desc=fetched.descriptor, where=source.name)
        return pick_platform(index, platform, what=what or identifier)
    check_single_platform(source, fetched, platform, what=what or identifier)
    return top


def check_single_platform(
    source: Source, fetched: Fetched, platform: PlatformChoice, *, what: str
) -> None:
    """A single manifest asked for by platform: its config must run on one of them, else
    NotFound naming the image's own platform (a config without one matches anything)."""
    from .oci.config import parse_config
    from .oci.model import Manifest
    from .oci.platform import format_platform, matches

    manifest = Manifest.parse(fetched.data, desc=fetched.descriptor, where=source.name)
    if manifest.config is None or manifest.config.media_type not in (
        mt.OCI_CONFIG,
        mt.DOCKER_CONFIG,
    ):
        return
    have = parse_config(source.blob(manifest.config), manifest.config.digest)
    if not have.has_platform:
        return
    wanted = [platform] if isinstance(platform, Platform) else list(platform)
    if any(matches(p, have.platform) for p in wanted):
        return
    raise NotFound(
        f"{what}: no manifest for platform {', '.join(format_platform(p) for p in wanted)}",
        input=what,
        hint=f"this is a single-platform image: {format_platform(have.platform)}",
    )


def pick_platform(index: Index, platform: PlatformChoice, *, what: str) -> Descriptor:
    """The first image entry of ``index`` that runs on ``platform`` (exact match preferred);
    with several platforms, the first of them that the index has.  None matching:
    :class:`~ocitrace.errors.NotFound` listing the index's platforms."""
    from .oci.platform import format_platform, matches, normalize

    wanted = [platform] if isinstance(platform, Platform) else list(platform)
    images = [d for d in index.manifests if not _is_attestation(d) and d.platform is not None]
    for plat in wanted:
        want = normalize(plat)
        for desc in images:
            assert desc.platform is not None
            have = normalize(desc.platform)
            if (have.os, have.architecture, have.variant) == (
                want.os,
                want.architecture,
                want.variant,
            ):
                return desc
        for desc in images:
            assert desc.platform is not None
            if matches(plat, desc.platform):
                return desc
    available = ", ".join(format_platform(d.platform) for d in images if d.platform) or "none"
    asked = ", ".join(format_platform(p) for p in wanted)
    raise NotFound(
        f"{what}: no manifest for platform {asked}",
        input=what,
        hint=f"platforms in this index: {available}",
    )


def _is_attestation(desc: Descriptor) -> bool:
    return desc.annotations.get(mt.REF_TYPE_ANNOTATION) == mt.ATTESTATION_MANIFEST


def lookup_digests(
    inputs: Iterable[str],
    opener: Opener,
    *,
    platform: PlatformChoice | None = None,
    platforms: Sequence[Platform] = (),
    concurrency: int = 8,
) -> Iterator[LookupResult]:
    """Resolve every input concurrently; yield results strictly in input order.

    ``platform`` / ``platforms``: as :func:`pick_platform` (the first one an index has).

    Results are yielded as soon as they and every earlier one are done, so a long
    stdin stream prints progressively.  Unexpected exceptions propagate (they are bugs);
    every :class:`OcitraceError` is captured in its result.  A list of one input is
    looked up in the calling thread (``ocitrace digest REF``: no worker to start).
    """
    pool = SourcePool(opener)
    choice: PlatformChoice | None = platform or tuple(platforms) or None

    def one(text: str) -> LookupResult:
        try:
            ref = parse_any(text)
        except OcitraceError as exc:
            return LookupResult(text, error=exc)
        try:
            desc = resolve_digest(pool.get(ref), ref.identifier, platform=choice, what=text)
        except OcitraceError as exc:
            return LookupResult(text, ref, error=exc)
        return LookupResult(text, ref, desc)

    if isinstance(inputs, Sequence) and len(inputs) == 1:
        yield one(inputs[0])
        return
    from concurrent.futures import Future, ThreadPoolExecutor

    workers = max(1, concurrency)
    ex = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="digest")
    pending: deque[Future[LookupResult]] = deque()
    try:
        # a bounded window in flight, so a huge stdin is neither loaded nor queued at once
        for text in inputs:
            pending.append(ex.submit(one, text))
            if len(pending) >= workers * 4:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BaseException:
        # Ctrl-C (or the consumer stopping early): drop the queue and do not wait for a
        # worker stuck in a hanging request; it finishes (or times out) on its own.
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown(wait=True)
