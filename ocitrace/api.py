"""The typed Python API: what every CLI command does, as method calls returning values.

One :class:`Client` holds one :class:`~ocitrace.transport.Transport` (connection pool,
token cache) and one :class:`~ocitrace.registry.RegistryClient` (referrers-API memo),
shared by every call and safe to use from many threads.  Methods return the library's
frozen dataclasses, never print, and raise the :mod:`ocitrace.errors` tree (template
errors from :mod:`ocitrace.template`).  Every method taking a reference accepts a string,
a :class:`~ocitrace.reference.Reference` or a :class:`~ocitrace.reference.LayoutReference`;
``oci-layout://DIR[:TAG|@DIGEST]`` works wherever a registry reference does, audit
targets included.

Runnable from a checkout (no network: a BuildKit fixture layout)::

    from ocitrace import Client

    ref = "oci-layout://fixtures/buildkit/multi-prov-max:v1"
    with Client() as oc:
        print(oc.resolve(ref).digest)
        for platform, record in oc.provenance(ref).items():
            print(platform, record.mode, record.source_repository, record.source_revision)
        print(oc.inspect_format(ref, "{{.Manifest.MediaType}}"))
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from .attest.provenance import ProvenanceRecord
from .audit.policy import parse_policy
from .audit.rows import Row, Summary, fold_by_image, summarize
from .audit.runner import AuditOptions, run_audit
from .audit.targets import AuditTarget, TargetKind, parse_target
from .audit.throttle import HostLimiter
from .audit.walk import TagFilter
from .discover import Discovery, discover, lookups_for
from .discover.select import ProvenanceFound, SbomDocument
from .discover.select import provenances as provenances_of
from .discover.select import sboms as sboms_of
from .errors import UsageError
from .inspect.format import render_format
from .inspect.inspection import Inspection
from .layout import LayoutSource
from .oci import mediatypes as mt
from .oci.model import Descriptor, Index, Platform
from .oci.platform import parse_platform
from .opener import open_source
from .reference import (
    LAYOUT_PREFIX,
    LayoutReference,
    Reference,
    parse_any,
    split_registry_prefix,
)
from .registry import Limits, RegistryClient
from .resolve import LookupResult, lookup_digests, pick_platform
from .source import Fetched, Source
from .transport import Transport, TransportOptions

__all__ = [
    "AuditResult",
    "Client",
    "PlatformLike",
    "ProvenanceFound",
    "RefLike",
    "SbomDocument",
    "provenances_of",
    "sboms_of",
]

log = logging.getLogger(__name__)

#: A reference as text (``host/repo:tag``, ``oci-layout://DIR:TAG``) or already parsed.
RefLike = str | Reference | LayoutReference
#: A platform as text (``linux/arm64/v8``) or a :class:`~ocitrace.oci.model.Platform`.
PlatformLike = str | Platform


@dataclass(frozen=True, slots=True)
class AuditResult:
    """An audit's rows (sorted by repository, tag, index order) and their counts."""

    rows: tuple[Row, ...]
    summary: Summary
    repositories: int
    images: int
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True when every row passed (no policy failure, no error)."""
        return self.summary.ok == self.summary.rows


def _platform(value: PlatformLike) -> Platform:
    return value if isinstance(value, Platform) else parse_platform(value)


def _parse(ref: RefLike) -> Reference | LayoutReference:
    return parse_any(ref) if isinstance(ref, str) else ref


def _typed(ref: RefLike) -> str:
    """The reference as the user wrote it (buildx's ``.Name``)."""
    if isinstance(ref, str):
        return ref
    return ref.original or str(ref)


class Client:
    """Registry and OCI-layout access with the CLI's connection options; a context manager.

    Options mirror the CLI's registry flags: ``insecure_registries`` (plain HTTP to these
    ``HOST[:PORT]``; loopback always allowed), ``ca_cert`` (PEM file), ``insecure_skip_tls_verify``,
    ``username``/``password`` (otherwise docker/containers config credentials), ``timeout``
    per HTTP request (seconds), ``max_blob_size`` (bytes; configs, attestation layers) and
    ``concurrency`` (requests in flight; also the connection pool size).
    """

    def __init__(
        self,
        *,
        insecure_registries: Iterable[str] = (),
        ca_cert: str | os.PathLike[str] | None = None,
        insecure_skip_tls_verify: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        max_blob_size: int | None = None,
        concurrency: int = 16,
        docker_config_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        _check_options(username, password, timeout, concurrency, max_blob_size)
        self.concurrency = concurrency
        options = TransportOptions(
            timeout=float(timeout),
            pool_size=concurrency + 1,  # +1: an audit lists catalogs beside its workers
            ca_cert=os.fspath(ca_cert) if ca_cert is not None else None,
            insecure_skip_verify=insecure_skip_tls_verify,
            insecure_registries=frozenset(
                (insecure_registries,)  # one host given as a plain string
                if isinstance(insecure_registries, str)
                else insecure_registries
            ),
            username=username,
            password=password,
            docker_config_dir=os.fspath(docker_config_dir) if docker_config_dir else None,
        )
        self.transport = Transport(options)
        self.limits = Limits(blob=max_blob_size or Limits().blob)
        self.registry = RegistryClient(self.transport, limits=self.limits)
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ocitrace")
        self._closed = False

    # --- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker pool and close the connection pool (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError("this ocitrace Client is closed", hint="make a new Client")

    # --- sources -----------------------------------------------------------------------

    def open(self, ref: RefLike) -> tuple[Source, Reference | LayoutReference]:
        """The :class:`~ocitrace.source.Source` holding ``ref`` and the parsed reference."""
        self._check_open()
        return open_source(_parse(ref), self.transport, client=self.registry)

    def resolve(self, ref: RefLike) -> Descriptor:
        """Media type, digest and size of ``ref`` (registries: one ``HEAD`` when possible)."""
        source, parsed = self.open(ref)
        return source.resolve(parsed.identifier)

    def manifest(self, ref: RefLike, platform: PlatformLike | None = None) -> Fetched:
        """The manifest or index exactly as stored; with ``platform``, that image's manifest."""
        source, parsed = self.open(ref)
        fetched = source.manifest(parsed.identifier)
        if platform is not None and mt.is_index(fetched.descriptor.media_type):
            child = pick_platform(Index.parse(fetched.data), _platform(platform), what=str(parsed))
            fetched = source.manifest(child.digest)
        return fetched

    def tags(self, repo: RefLike) -> list[str]:
        """Every tag of a repository (``[registry/]name`` or ``oci-layout://DIR``), sorted."""
        parsed = _parse(repo)
        if isinstance(parsed, Reference) and (parsed.tag is not None or parsed.digest is not None):
            raise UsageError(
                f"{_typed(repo)}: give a repository, not an image",
                input=_typed(repo),
                hint=f"tags({parsed.name!r})",
            )
        source, _ = self.open(parsed)
        return sorted(source.tags())

    def catalog(
        self, registry: str, prefix: str | None = None, *, page_size: int | None = None
    ) -> Iterator[str]:
        """Repository names of ``registry`` (``host[:port][/prefix]``), page by page, lazily.

        Errors (e.g. :class:`~ocitrace.errors.NotFound` where the catalog API is off) are
        raised while iterating.
        """
        self._check_open()
        host, own_prefix = split_registry_prefix(registry)
        if page_size is not None and page_size <= 0:
            raise UsageError("page_size must be positive", input=str(page_size))
        return self.registry.catalog(host, prefix or own_prefix or None, page_size=page_size)

    def digests(
        self,
        refs: Iterable[RefLike],
        platform: PlatformLike | None = None,
        *,
        index: bool = False,
    ) -> list[LookupResult]:
        """One result per reference, in input order: the descriptor, or the error that stopped it.

        A failure never stops the others (``result.error`` is an ``OcitraceError``).  With
        ``platform``, the digest of that platform's manifest in an index; ``index=True``
        asks for the top-level digest explicitly (the default) and excludes ``platform``.
        """
        self._check_open()
        if index and platform is not None:
            raise UsageError("index and platform exclude each other", input="index/platform")
        want = _platform(platform) if platform is not None else None

        def opener(parsed: Reference | LayoutReference) -> Source:
            return open_source(parsed, self.transport, client=self.registry)[0]

        texts = (ref if isinstance(ref, str) else str(ref) for ref in refs)
        return list(lookup_digests(texts, opener, platform=want, concurrency=self.concurrency))

    # --- inspect -----------------------------------------------------------------------

    def inspect(self, ref: RefLike, platforms: Sequence[PlatformLike] = ()) -> Inspection:
        """A lazy buildx-shaped view of ``ref`` (costs one request; the rest on demand).

        The returned :class:`~ocitrace.inspect.inspection.Inspection` fetches on this
        client's pool, so use it while the client is open.  ``platforms`` narrows to those
        images (:class:`~ocitrace.errors.NotFound` when none matches).
        """
        source, parsed = self.open(ref)
        ins = Inspection(source, parsed, self._pool, platforms=[_platform(p) for p in platforms])
        ins.check_platforms()
        return ins

    def inspect_listing(self, ref: RefLike, platforms: Sequence[PlatformLike] = ()) -> str:
        """``docker buildx imagetools inspect REF`` output, byte for byte."""
        return self.inspect(ref, platforms).listing()

    def inspect_format(
        self, ref: RefLike, template: str, platforms: Sequence[PlatformLike] = ()
    ) -> str:
        """``imagetools inspect --format TEMPLATE`` output (no newline added).

        Raises :class:`ocitrace.template.ParseError` / :class:`~ocitrace.template.ExecError`
        (``partial_output`` holds what ran before the failure).  Notes about missing
        provenance or SBOM are logged at INFO level.
        """
        ins = self.inspect(ref, platforms)
        out, err = io.StringIO(), io.StringIO()
        try:
            render_format(ins, _typed(ref), template, out, err)
        finally:
            for line in err.getvalue().splitlines():
                log.info("%s", line.removeprefix("ocitrace: note: "))
        return out.getvalue()

    # --- attestations --------------------------------------------------------------------

    def attestations(
        self,
        ref: RefLike,
        platforms: Sequence[PlatformLike] = (),
        *,
        referrers: bool = True,
        cosign: bool = True,
        cosign_repository: RefLike | None = None,
    ) -> Discovery:
        """Every attestation, signature and SBOM of ``ref``, from every store.

        ``referrers``/``cosign`` switch those lookups (BuildKit index entries are always
        read); ``cosign_repository`` is where cosign tags live (``COSIGN_REPOSITORY``).
        Signatures are counted, never verified.
        """
        source, parsed = self.open(ref)
        cosign_source = self.open(cosign_repository)[0] if cosign_repository is not None else None
        return discover(
            source,
            source.manifest(parsed.identifier),
            platforms=[_platform(p) for p in platforms] or None,
            lookups=lookups_for(referrers=referrers, cosign=cosign),
            cosign_source=cosign_source,
            max_blob_size=self.limits.blob,
            workers=self.concurrency,
            name=str(parsed),
        )

    def provenance(
        self, ref: RefLike, platform: PlatformLike | None = None, *, cosign: bool = True
    ) -> dict[str, ProvenanceRecord]:
        """The normalised provenance record per platform key (``linux/arm/v7``, or ``index``).

        The first record found wins for a platform; ``{}`` when there is none.  Use
        :func:`provenances_of` on :meth:`attestations` for every record and its store.
        """
        found = provenances_of(self.attestations(ref, _one(platform), cosign=cosign))
        out: dict[str, ProvenanceRecord] = {}
        for f in found:
            out.setdefault(f.attestation.platform, f.record)
        return out

    def sbom(
        self, ref: RefLike, platform: PlatformLike | None = None, *, cosign: bool = True
    ) -> dict[str, tuple[SbomDocument, ...]]:
        """The SBOM documents per platform key, the image's own first; ``{}`` when none."""
        out: dict[str, tuple[SbomDocument, ...]] = {}
        for doc in sboms_of(self.attestations(ref, _one(platform), cosign=cosign)):
            key = doc.attestation.platform
            out[key] = (*out.get(key, ()), doc)
        return out

    # --- audit -----------------------------------------------------------------------------

    def audit(
        self,
        targets: Iterable[RefLike],
        *,
        require: Iterable[str] = (),
        max_age: str | None = None,
        builder: str | None = None,
        source: str | None = None,
        require_mode: str | None = None,
        tags: str | None = None,
        exclude_tags: str | None = None,
        platforms: Sequence[PlatformLike] = (),
        referrers: bool = False,
        cosign: bool = False,
        by: str = "platform",
        now: datetime | None = None,
    ) -> AuditResult:
        """Audit registries, ``namespace/`` prefixes, repositories or images (``ocitrace audit``).

        ``oci-layout://DIR[:TAG|@DIGEST]`` targets are audited too (without a tag: every
        tag of the layout).  Policies as the CLI's flags (``require=["provenance", "sbom"]``, ``max_age="90d"``,
        regexes searched in ``builder``/``source``, ``require_mode="max"``); a bad one
        raises :class:`~ocitrace.errors.PolicyError` before any request.  Per-item failures
        become error rows; ``by="image"`` folds platform rows into one per image.
        """
        self._check_open()
        if by not in ("platform", "image"):
            raise UsageError(f"by must be 'platform' or 'image', not {by!r}", input=by)
        parsed_targets = [_audit_target(t) for t in targets]
        options = AuditOptions(
            policy=parse_policy(
                require=require,
                max_age=max_age,
                builder=builder,
                source=source,
                require_mode=require_mode,
            ),
            now=now or datetime.now(UTC),
            tag_filter=TagFilter.parse(tags, exclude_tags),
            platforms=tuple(_platform(p) for p in platforms),
            concurrency=self.concurrency,
            lookups=lookups_for(referrers=referrers, cosign=cosign),
            max_blob_size=self.limits.blob,
        )
        limiter = HostLimiter(self.concurrency)

        def open_repository(registry: str, repository: str) -> Source:
            if registry == _LAYOUT_REGISTRY:
                return LayoutSource(repository)
            return limiter.wrap(registry, self.registry.repository(registry, repository))

        report = run_audit(parsed_targets, self.registry, options, open_source=open_repository)
        rows = list(report.rows)
        if by == "image":
            rows = fold_by_image(rows)
        return AuditResult(
            tuple(rows), summarize(rows), report.repositories, report.images, report.interrupted
        )


#: audit "registry" of layout targets: RepositoryTask.name is then ``oci-layout://PATH``
_LAYOUT_REGISTRY = LAYOUT_PREFIX[:-1]


def _audit_target(target: RefLike) -> AuditTarget:
    """A registry target as ``parse_target`` reads it; a layout as one image, or all its tags.

    ``oci-layout://DIR`` without ``:TAG``/``@DIGEST`` audits every tag of ``index.json``.
    """
    if isinstance(target, Reference):
        return parse_target(target.go_string)
    if isinstance(target, str) and not target.startswith(LAYOUT_PREFIX):
        return parse_target(target)
    ref = parse_any(target) if isinstance(target, str) else target
    assert isinstance(ref, LayoutReference)
    text = _typed(target)
    explicit = ref.digest is not None or text.endswith(f":{ref.tag}")
    if not explicit:
        return AuditTarget(text, TargetKind.REPOSITORY, _LAYOUT_REGISTRY, ref.path)
    return AuditTarget(text, TargetKind.IMAGE, _LAYOUT_REGISTRY, ref.path, ref.identifier)


def _one(platform: PlatformLike | None) -> tuple[PlatformLike, ...]:
    return () if platform is None else (platform,)


def _check_options(
    username: str | None,
    password: str | None,
    timeout: float,
    concurrency: int,
    max_blob_size: int | None,
) -> None:
    if (username is None) != (password is None):
        raise UsageError(
            "username and password go together", input="username", hint="pass both or neither"
        )
    if timeout <= 0:
        raise UsageError(f"timeout must be positive, not {timeout!r}", input=str(timeout))
    if concurrency < 1:
        raise UsageError(
            f"concurrency must be at least 1, not {concurrency}", input=str(concurrency)
        )
    if max_blob_size is not None and max_blob_size <= 0:
        raise UsageError(
            f"max_blob_size must be positive, not {max_blob_size}", input=str(max_blob_size)
        )
