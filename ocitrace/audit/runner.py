"""Run an audit on a bounded worker pool; survive per-item errors and Ctrl-C.

Three kinds of job share one pool: expanding a target (catalog), listing a repository's
tags, auditing an image.  Each finished job schedules the next, so tag lists and image
walks of different repositories overlap.  An error becomes an error row for its target,
repository or image and the rest continue.  On ``KeyboardInterrupt`` pending jobs are
cancelled and the report holds what was finished, marked ``interrupted``.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import OcitraceError
from ..lazylog import getLogger
from ..oci.model import Platform
from ..source import Source
from .cache import CachingSource, RowRecords
from .image import DEFAULT_LOOKUPS, IMAGE_FAN_OUT, MAX_ATTESTATION_SIZE, audit_image
from .policy import Policy
from .rows import Row, pack_row
from .signing import SIGNATURE_LOOKUPS
from .targets import AuditTarget
from .walk import Catalog, ImageTask, RepositoryTask, TagFilter, image_tasks, repositories

if TYPE_CHECKING:  # pragma: no cover
    from ..verify.engine import Verifier
    from ..verify.model import Policy as SignerPolicy

__all__ = ["AuditOptions", "AuditReport", "Progress", "run_audit"]

log = getLogger(__name__)  # logging itself: imported when a record is emitted


class Progress(Protocol):
    """Progress sink (tqdm in the CLI); called from the coordinating thread only."""

    def add_total(self, n: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _NoProgress:
    def add_total(self, n: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


@dataclass(frozen=True, slots=True)
class AuditOptions:
    policy: Policy
    now: datetime
    tag_filter: TagFilter = field(default_factory=TagFilter)
    platforms: tuple[Platform, ...] = ()
    concurrency: int = 16  # requests in flight per host (the CLI's throttle enforces it)
    workers: int = 0  # image jobs at once; 0: 2 × concurrency (see :meth:`pool_size`)
    lookups: frozenset[str] = DEFAULT_LOOKUPS  # discover's stores: buildkit, referrers, cosign
    max_blob_size: int = MAX_ATTESTATION_SIZE

    def pool_size(self) -> int:
        """Workers: twice the request slots, so while some wait for a slot (or parse,
        hash and write the cache) others keep every slot busy; an image's requests form a
        chain (HEAD → index → attestation → layers), so one worker per slot leaves
        slots idle between links."""
        return self.workers or 2 * max(1, self.concurrency)


@dataclass(frozen=True, slots=True)
class AuditReport:
    rows: tuple[Row, ...]
    repositories: int
    images: int
    interrupted: bool = False


#: Opens the Source for (registry, repository); the CLI wraps it in the disk cache.
SourceOpener = Callable[[str, str], Source]


def run_audit(
    targets: Sequence[AuditTarget],
    client: Catalog,
    options: AuditOptions,
    *,
    open_source: SourceOpener | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit every image the targets cover; rows sorted by repository, tag, index order."""
    return _Run(targets, client, options, open_source or client.repository, progress).run()


class _Run:
    """State of one audit run; touched only by the coordinating thread."""

    def __init__(
        self,
        targets: Sequence[AuditTarget],
        client: Catalog,
        options: AuditOptions,
        opener: SourceOpener,
        progress: Progress | None,
    ) -> None:
        self.targets = targets
        self.client = client
        self.options = options
        self.opener = opener
        self.progress = progress or _NoProgress()
        self.sources: dict[str, Source] = {}
        self.rows: list[tuple[tuple[str, str, int], Row]] = []
        self.pending: dict[Future[Any], Callable[[Future[Any]], None]] = {}
        # finished futures, in completion order: O(1) per job, where ``wait()`` over all
        # pending futures costs a lock round per future per call (quadratic, and the
        # coordinator then starves behind busy workers instead of handing out work)
        self.done: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        self.repo_count = 0
        self.image_count = 0
        # image jobs not yet handed to the pool: at most ``window`` are in it at once, so
        # a 10,000-image namespace does not hold 10,000 futures (and their locks) queued
        self.backlog: deque[tuple[Callable[[], Any], Callable[[Future[Any]], None]]] = deque()
        self.window = 4 * options.pool_size()
        self.images_in_pool = 0
        # one Verifier per signer policy (keys parsed and trusted roots loaded once)
        self.verifiers: dict[SignerPolicy, Verifier] = {}
        self.verifiers_lock = threading.Lock()

    def run(self) -> AuditReport:
        ex = ThreadPoolExecutor(max_workers=self.options.pool_size(), thread_name_prefix="audit")
        interrupted = False
        try:
            for target in self.targets:
                self._submit(
                    ex,
                    partial(_list_repositories, target, self.client),
                    self._on_repos(ex, target),
                )
            while self.pending:
                fut = self.done.get()  # interruptible by Ctrl-C
                self.pending.pop(fut)(fut)
                self._fill(ex)
        except KeyboardInterrupt:
            interrupted = True
            for fut in self.pending:
                fut.cancel()
        finally:
            ex.shutdown(wait=not interrupted, cancel_futures=True)
        ordered = [row for _, row in sorted(self.rows, key=lambda kr: kr[0])]
        return AuditReport(tuple(ordered), self.repo_count, self.image_count, interrupted)

    def _submit(
        self, ex: ThreadPoolExecutor, fn: Callable[[], Any], then: Callable[[Future[Any]], None]
    ) -> None:
        fut = ex.submit(fn)
        self.pending[fut] = then
        fut.add_done_callback(self.done.put)

    def _fill(self, ex: ThreadPoolExecutor) -> None:
        """Hand image jobs from the backlog to the pool while fewer than ``window`` are in it."""
        while self.backlog and self.images_in_pool < self.window:
            fn, then = self.backlog.popleft()
            self.images_in_pool += 1
            self._submit(ex, fn, then)

    def _add(self, row: Row, order: int = 0) -> None:
        self.rows.append(((row.repository, row.tag, order), row))

    def _source(self, registry: str, repository: str) -> Source:
        key = f"{registry}/{repository}"
        if key not in self.sources:
            self.sources[key] = self.opener(registry, repository)
        return self.sources[key]

    def _on_repos(
        self, ex: ThreadPoolExecutor, target: AuditTarget
    ) -> Callable[[Future[Any]], None]:
        def then(fut: Future[Any]) -> None:
            try:
                repos: list[RepositoryTask] = fut.result()
            except Exception as exc:
                self._add(Row(repository=target.text, tag="", error=_message(exc), exception=exc))
                return
            for repo in repos:
                self.repo_count += 1
                try:
                    source = self._source(repo.registry, repo.repository)
                except OcitraceError as exc:
                    self._add(Row(repository=repo.name, tag="", error=str(exc), exception=exc))
                    continue
                tf = self.options.tag_filter
                self._submit(
                    ex,
                    partial(image_tasks, repo, source, tf),
                    self._on_tags(ex, repo, source),
                )

        return then

    def _on_tags(
        self, ex: ThreadPoolExecutor, repo: RepositoryTask, source: Source
    ) -> Callable[[Future[Any]], None]:
        def then(fut: Future[Any]) -> None:
            try:
                tasks: list[ImageTask] = fut.result()
            except Exception as exc:
                self._add(
                    Row(repository=repo.name, tag="", error=f"tags: {_message(exc)}", exception=exc)
                )
                return
            self.progress.add_total(len(tasks))
            for task in tasks:
                self.image_count += 1
                self.backlog.append((partial(self._audit_one, source, task), self._on_image(task)))

        return then

    def _audit_one(self, source: Source, task: ImageTask) -> list[Row]:
        """Worker side: walk the image and build its rows (decoding happens here too).

        With a disk cache and no signature verification (whose answers are not derived
        from the digest alone), the rows an image digest gave before under the same
        policy and options are taken from the cache's records: the tag's ``HEAD`` is
        the only request and nothing is decoded again.  The rows' records come back
        packed (:class:`~.rows.PackedRecords`): an audit's memory stays ~flat in images."""
        opts = self.options
        resolved = opts.policy.resolve(task.name)
        verifier = self._verifier(resolved.signature_policy())
        head_first = isinstance(source, CachingSource) and source.may_answer()
        records, key = None, None
        if isinstance(source, CachingSource) and verifier is None:
            records = RowRecords(
                source.cache,
                (
                    opts.platforms,
                    sorted(opts.lookups),
                    opts.max_blob_size,
                    opts.policy.reads_config,
                ),
            )
            if head_first or task.identifier.startswith("sha256:"):
                digest = (
                    task.identifier
                    if task.identifier.startswith("sha256:")
                    else source.resolve_once(task.identifier).digest
                )
                key = records.key(digest, resolved)
                hit = records.load(key, task, resolved, opts.now)
                if hit is not None:
                    return [pack_row(r) for r in hit]
        from .records import platform_rows  # (decoders: not loaded by a run of cache hits)

        # an image's own requests fan out only while the pool has workers to spare: with
        # more images in it than workers, the other images keep every request slot busy
        # and a fan-out thread per image would only cost CPU (its start, GIL hand-offs)
        fan_out = IMAGE_FAN_OUT if self.images_in_pool < opts.pool_size() else 1
        result = audit_image(
            source,
            task,
            workers=fan_out,
            platforms=opts.platforms,
            lookups=opts.lookups | SIGNATURE_LOOKUPS if verifier is not None else opts.lookups,
            max_blob_size=opts.max_blob_size,
            head_first=head_first,
            read_config=opts.policy.reads_config,
            verifier=verifier,
        )
        # every row is kept until the run ends (sorted output): its decoded records are
        # packed here, in the worker, to compressed JSON (see PackedRecords); the cache's
        # record keeps that JSON text as it is
        rows = [pack_row(r) for r in platform_rows(result, self.options.policy, self.options.now)]
        if records is not None:
            key = records.key(result.digest, resolved)
            records.store(key, rows, resolved, opts.now)
        return rows

    def _verifier(self, policy: SignerPolicy | None) -> Verifier | None:
        """The repository's verifier (None: its signatures are not verified)."""
        if policy is None:
            return None
        with self.verifiers_lock:
            verifier = self.verifiers.get(policy)
            if verifier is None:
                from ..verify.engine import Verifier

                verifier = self.verifiers[policy] = Verifier(policy)
            return verifier

    def _on_image(self, task: ImageTask) -> Callable[[Future[Any]], None]:
        def then(fut: Future[Any]) -> None:
            self.images_in_pool -= 1
            self.progress.advance()
            try:
                rows: list[Row] = fut.result()
            except Exception as exc:
                self._add(
                    Row(
                        repository=task.name,
                        tag=task.tag or task.identifier,
                        error=_message(exc),
                        exception=exc,
                    )
                )
                return
            for i, row in enumerate(rows):
                self._add(row, i)

        return then


def _message(exc: BaseException) -> str:
    """One line for an error row; unexpected exceptions are logged with their traceback."""
    if not isinstance(exc, OcitraceError):
        log.error("unexpected error", exc_info=exc)
        return f"{type(exc).__name__}: {exc}"
    return " ".join(str(exc).split())


def _list_repositories(target: AuditTarget, client: Catalog) -> list[RepositoryTask]:
    return list(repositories(target, client))
