"""The typed Python API: what every CLI command does, as method calls returning values.

:class:`Client` is the only place where the library is wired together: it owns the
:class:`~ocitrace.transport.Transport` (connection pool, token cache), the
:class:`~ocitrace.registry.RegistryClient` (referrers-API memo), the size caps
(:class:`~ocitrace.oci.limits.Limits`) and a worker pool, all built on first use and shared
by every call (safe from many threads).  The CLI is flags + one ``Client`` call + printing.

Methods return the library's frozen dataclasses, never print, and raise the
:mod:`ocitrace.errors` tree (template errors from :mod:`ocitrace.template`).  Every method
taking a reference accepts a string, a :class:`~ocitrace.reference.Reference` or a
:class:`~ocitrace.reference.LayoutReference`; ``oci-layout://DIR[:TAG|@DIGEST]`` works
wherever a registry reference does, audit targets included.  A run over layouts only
never builds the HTTP stack (nor imports ``requests``).

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

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, ReferenceError, UsageError
from .lazylog import getLogger
from .oci.limits import Limits
from .oci.model import Descriptor, Platform
from .reference import LAYOUT_PREFIX, LayoutReference, Reference, parse_any

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor
    from datetime import datetime

    from .attest.provenance import ProvenanceRecord
    from .audit.cache import DiskCache
    from .audit.rows import Row, Summary
    from .audit.runner import Progress
    from .audit.targets import AuditTarget
    from .diff import ImageDiff
    from .discover import Discovery
    from .discover.local import LocalFile
    from .discover.select import ProvenanceFound, SbomDocument
    from .discover.select import provenances as provenances_of
    from .discover.select import sboms as sboms_of
    from .inspect.inspection import Inspection
    from .layout import LayoutSource
    from .registry import RegistryClient
    from .registry.client import RepositoryClient
    from .resolve import LookupResult
    from .source import Fetched, Source
    from .transport import Transport, TransportOptions
    from .transport.credentials import CredentialFile
    from .verify import Policy, VerifyReport

__all__ = [
    "AuditResult",
    "BlobStream",
    "Client",
    "FormatResult",
    "LoginResult",
    "PlatformLike",
    "ProvenanceFound",
    "RefLike",
    "SbomDocument",
    "provenances_of",
    "sboms_of",
]

log = getLogger(__name__)  # imports logging only for a record that can be emitted

#: A reference as text (``host/repo:tag``, ``oci-layout://DIR:TAG``) or already parsed.
RefLike = str | Reference | LayoutReference
#: A platform as text (``linux/arm64/v8``) or a :class:`~ocitrace.oci.model.Platform`.
PlatformLike = str | Platform

#: names re-exported from their modules, imported on first use (PEP 562)
_LAZY = {
    "ProvenanceFound": ("ocitrace.discover.select", "ProvenanceFound"),
    "SbomDocument": ("ocitrace.discover.select", "SbomDocument"),
    "provenances_of": ("ocitrace.discover.select", "provenances"),
    "sboms_of": ("ocitrace.discover.select", "sboms"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


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


@dataclass(frozen=True, slots=True)
class FormatResult:
    """A rendered ``--format`` template: the output, and the notes about what it read.

    ``notes`` say what was looked for and where when ``.Provenance``/``.SBOM`` found
    nothing, or that a field was read from a platform-keyed map (one line each, no
    prefix); the CLI prints them on stderr, the API leaves them to the caller.
    """

    output: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LoginResult:
    """Where :meth:`Client.login` stored credentials (or :meth:`Client.logout` removed them).

    ``registry`` is ``host[:port]`` (Docker Hub: ``docker.io``); ``key`` the ``auths`` key
    (``https://index.docker.io/v1/`` for Docker Hub in a docker config); ``path`` the file;
    ``kind`` ``"docker"`` (config.json) or ``"containers"`` (auth.json); ``helper`` the
    credential helper that holds the secret (None: base64 in the file itself);
    ``auth_required`` False when the registry answered ``/v2/`` without asking for any.
    """

    registry: str
    key: str
    path: Path
    kind: str
    helper: str | None
    auth_required: bool = True
    keys: tuple[str, ...] = ()

    @property
    def plaintext(self) -> bool:
        """True when the secret sits (base64-encoded, not encrypted) in ``path``."""
        return self.helper is None


class BlobStream:
    """A blob's bytes as they arrive (:meth:`Client.open_blob`): iterate once, to the end.

    ``digest`` is the blob's; ``size`` its declared size (None when the registry gave
    none).  Verification happens after the last chunk (an exception from the iteration).
    """

    def __init__(self, digest: str, size: int | None, chunks: Iterator[bytes]) -> None:
        self.digest = digest
        self.size = size
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        """Stop early and release the connection (or file)."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> BlobStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _platform(value: PlatformLike) -> Platform:
    if isinstance(value, Platform):
        return value
    from .oci.platform import parse_platform

    return parse_platform(value)


def _platforms(values: Iterable[PlatformLike] | PlatformLike | None) -> list[Platform]:
    """Platforms from a list (or one value); text entries may be comma-separated."""
    if values is None:
        return []
    if isinstance(values, str | Platform):
        values = (values,)
    out: list[Platform] = []
    for value in values:
        if isinstance(value, Platform):
            out.append(value)
            continue
        out += [_platform(part.strip()) for part in value.split(",") if part.strip()]
    return out


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
    ``credential_registries`` limits where ``username``/``password`` are sent (None: every
    registry of the run); ``environ`` replaces ``os.environ`` for credentials and TLS
    bundles; ``sleep`` is called for every back-off pause (the audit counts them).

    Nothing is built until a call needs it: the transport and registry client on the first
    registry reference, the worker pool on the first concurrent job.
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
        auth_file: str | os.PathLike[str] | None = None,
        credential_registries: Iterable[str] | None = None,
        auth_realm_hosts: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        _check_options(username, password, timeout, concurrency, max_blob_size)
        if ca_cert is not None:
            check_ca_cert(os.fspath(ca_cert))
        self.concurrency = concurrency
        self.limits = Limits(blob=max_blob_size or Limits().blob)
        self.insecure_registries = frozenset(
            (insecure_registries,)  # one host given as a plain string
            if isinstance(insecure_registries, str)
            else insecure_registries
        )
        self._transport_kwargs: dict[str, Any] = {
            "timeout": float(timeout),
            "pool_size": concurrency + 1,  # +1: an audit lists catalogs beside its workers
            "ca_cert": os.fspath(ca_cert) if ca_cert is not None else None,
            "insecure_skip_verify": insecure_skip_tls_verify,
            "insecure_registries": self.insecure_registries,
            "username": username,
            "password": password,
            "credential_registries": (
                None if credential_registries is None else frozenset(credential_registries)
            ),
            "docker_config_dir": os.fspath(docker_config_dir) if docker_config_dir else None,
            "auth_file": os.fspath(auth_file) if auth_file else None,
            # token realms outside the registry's host and domain that may get credentials
            "auth_realm_hosts": frozenset(
                (auth_realm_hosts,) if isinstance(auth_realm_hosts, str) else auth_realm_hosts
            ),
        }
        self._environ = environ
        self._sleep = sleep
        self._lock = threading.Lock()
        self._transport: Transport | None = None
        self._registry: RegistryClient | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    # --- lazily built parts --------------------------------------------------------------

    @property
    def transport_options(self) -> TransportOptions:
        """The transport's options (imports the HTTP stack)."""
        from .transport import TransportOptions

        return TransportOptions(**self._transport_kwargs)

    @property
    def transport(self) -> Transport:
        """The one :class:`~ocitrace.transport.Transport` of this client (built on first use)."""
        self._check_open()
        with self._lock:
            if self._transport is None:
                from .transport import Transport

                extra: dict[str, Any] = {}
                if self._sleep is not None:
                    extra["sleep"] = self._sleep
                self._transport = Transport(self.transport_options, environ=self._environ, **extra)
            return self._transport

    @property
    def registry(self) -> RegistryClient:
        """The one :class:`~ocitrace.registry.RegistryClient` (built on first use)."""
        transport = self.transport
        with self._lock:
            if self._registry is None:
                from .registry import RegistryClient

                self._registry = RegistryClient(transport, limits=self.limits)
            return self._registry

    @property
    def pool(self) -> ThreadPoolExecutor:
        """The worker pool for lazy inspect fetches (``concurrency`` workers)."""
        self._check_open()
        with self._lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(
                    max_workers=self.concurrency, thread_name_prefix="ocitrace"
                )
            return self._pool

    def rate_limits(self) -> dict[str, Any]:
        """The last rate-limit headers seen per registry host (``{}`` before any request)."""
        with self._lock:
            transport = self._transport
        return dict(transport.rate_limits) if transport is not None else {}

    # --- lifecycle ---------------------------------------------------------------------

    def close(self, *, wait: bool = True) -> None:
        """Stop the worker pool and close the connection pool (idempotent).

        ``wait=False`` (after Ctrl-C) does not wait for workers blocked in a request.
        """
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
        if self._transport is not None:
            self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(wait=not isinstance(exc, KeyboardInterrupt))

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError("this ocitrace Client is closed", hint="make a new Client")

    # --- sources -----------------------------------------------------------------------

    def open(self, ref: RefLike) -> tuple[Source, Reference | LayoutReference]:
        """The :class:`~ocitrace.source.Source` holding ``ref`` and the parsed reference.

        The one way a reference becomes a Source: layouts get this client's caps, registry
        repositories share its transport and referrers memo.
        """
        self._check_open()
        parsed = _parse(ref)
        return self._source(parsed), parsed

    def _source(self, parsed: Reference | LayoutReference) -> Source:
        if isinstance(parsed, LayoutReference):
            from .opener import open_layout

            return open_layout(parsed, self.limits)
        return self.registry.repository(parsed.registry, parsed.repository)

    def resolve(self, ref: RefLike) -> Descriptor:
        """Media type, digest and size of ``ref`` (registries: one ``HEAD`` when possible)."""
        source, parsed = self.open(ref)
        return source.resolve(parsed.identifier)

    def manifest(
        self, ref: RefLike, platform: Iterable[PlatformLike] | PlatformLike | None = None
    ) -> Fetched:
        """The manifest or index exactly as stored; with ``platform`` (one or several, the
        first match wins), that image's manifest out of an index.  A single manifest is
        returned as is when its config's platform matches; NotFound naming the image's
        platforms otherwise."""
        from .oci import mediatypes as mt

        source, parsed = self.open(ref)
        fetched = source.manifest(parsed.identifier)
        wanted = _platforms(platform)
        if not wanted:
            return fetched
        from .resolve import check_single_platform, pick_platform

        if mt.is_index(fetched.descriptor.media_type):
            from .oci.model import Index

            index = Index.parse(fetched.data, desc=fetched.descriptor, where=source.name)
            child = pick_platform(index, wanted, what=str(parsed))
            return source.manifest(child.digest)
        check_single_platform(source, fetched, wanted, what=str(parsed))
        return fetched

    def config(
        self, ref: RefLike, platform: Iterable[PlatformLike] | PlatformLike | None = None
    ) -> Fetched:
        """The image config blob of ``ref`` exactly as stored, verified against the
        manifest's config descriptor (``ocitrace config``), capped at ``max_blob_size``.

        For an index, ``platform`` picks the image (first match wins; NotFound listing the
        index's platforms when none matches); without it, an index holding exactly one
        image uses that one, and one holding several raises UsageError listing them."""
        from .oci import mediatypes as mt
        from .oci.model import Index, Manifest
        from .source import Fetched

        source, parsed = self.open(ref)
        fetched = source.manifest(parsed.identifier)
        wanted = _platforms(platform)
        if mt.is_index(fetched.descriptor.media_type):
            index = Index.parse(fetched.data, desc=fetched.descriptor, where=source.name)
            child = _pick_image(index, wanted, what=str(parsed))
            fetched = source.manifest(child.digest)
        elif wanted:
            from .resolve import check_single_platform

            check_single_platform(source, fetched, wanted, what=str(parsed))
        manifest = Manifest.parse(fetched.data, desc=fetched.descriptor, where=source.name)
        if manifest.config is None:
            from .errors import FormatError

            raise FormatError(
                f"{parsed}: the manifest ({fetched.descriptor.digest}) has no config",
                input=str(parsed),
            )
        return Fetched(manifest.config, source.blob(manifest.config, max_size=self.limits.blob))

    def blob(self, ref: RefLike) -> bytes:
        """The blob ``REPO@DIGEST`` (or ``oci-layout://DIR@DIGEST``) into memory, verified,
        at most ``max_blob_size`` bytes (TooLarge beyond); :meth:`open_blob` streams."""
        source, digest = self._blob_source(ref)
        return source.blob(Descriptor("application/octet-stream", digest, 0))

    def open_blob(self, ref: RefLike, *, max_size: int | None = None) -> BlobStream:
        """The blob ``REPO@DIGEST`` (or ``oci-layout://DIR@DIGEST``) as a stream of chunks,
        nothing buffered (``ocitrace blob``).  Iterate it to the end: the digest (and the
        size, when known) are checked after the last chunk (DigestMismatch,
        IntegrityError), so bytes received before are unverified; more than ``max_size``
        (default ``limits.blob_stream``, 32 GiB) raise TooLarge.  Use it as a context
        manager to release the connection when stopping early."""
        source, digest = self._blob_source(ref)
        limit = max_size if max_size is not None else self.limits.blob_stream
        if limit <= 0:
            raise UsageError(f"max_size must be positive, not {limit}", input=str(limit))
        size, chunks = source.blob_stream(digest, max_size=limit)
        return BlobStream(digest, size, chunks)

    def save_blob(
        self, ref: RefLike, path: str | os.PathLike[str], *, max_size: int | None = None
    ) -> Descriptor:
        """Stream the blob ``REPO@DIGEST`` into the file ``path``, which appears (replaced
        atomically) only once the digest has been verified; on any error the partial file
        is removed and ``path`` is left as it was.  Returns the blob's descriptor."""
        import tempfile

        target = os.path.realpath(os.fspath(path))
        with self.open_blob(ref, max_size=max_size) as stream:
            directory = os.path.dirname(target) or "."
            try:
                fd, tmp = tempfile.mkstemp(
                    prefix=f".{os.path.basename(target)}.", suffix=".part", dir=directory
                )
            except OSError as exc:
                raise ConfigError(
                    f"cannot write {os.fspath(path)}: {exc.strerror or exc}",
                    input=os.fspath(path),
                ) from exc
            written = 0
            try:
                with os.fdopen(fd, "wb") as fh:
                    for chunk in stream:
                        fh.write(chunk)
                        written += len(chunk)
                os.chmod(tmp, 0o666 & ~_umask())
                os.replace(tmp, target)
            except BaseException as exc:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                if isinstance(exc, OSError):
                    raise ConfigError(
                        f"cannot write {os.fspath(path)}: {exc.strerror or exc}",
                        input=os.fspath(path),
                    ) from exc
                raise
        return Descriptor("application/octet-stream", stream.digest, written)

    def _blob_source(self, ref: RefLike) -> tuple[RepositoryClient | LayoutSource, str]:
        """The Source and digest of a ``REPO@DIGEST`` reference (UsageError without one)."""
        from typing import cast

        opened, parsed = self.open(ref)
        source = cast("RepositoryClient | LayoutSource", opened)
        if parsed.digest is None:
            raise UsageError(
                f"{_typed(ref)}: give the blob's digest (REPO@sha256:…)",
                input=_typed(ref),
                hint="ocitrace manifest REF lists the config and layer digests",
            )
        return source, parsed.digest

    # --- login -----------------------------------------------------------------------------

    def login(self, registry: str, username: str, password: str) -> LoginResult:
        """Check ``username``/``password`` against ``registry`` (``GET /v2/`` through the auth
        flow, as ``docker login`` does), then store them where ``docker login`` would: the
        first credential file of the lookup order (``auth_file`` > ``docker_config_dir`` >
        ``REGISTRY_AUTH_FILE`` > ``DOCKER_CONFIG`` > ``~/.docker/config.json``), through its
        credential helper when the docker config names one.  A rejected password raises
        Unauthorized and nothing is written; the file keeps every other key, mode 0600."""
        from .transport import Transport, TransportOptions
        from .transport.credstore import check_login, store_login

        self._check_open()
        host = _login_registry(registry)
        if not username or not password:
            raise UsageError("login needs a user name and a password", input=host)
        target = self._login_target()
        options = TransportOptions(
            **{
                **self._transport_kwargs,
                "username": username,
                "password": password,
                "credential_registries": frozenset({host}),
            }
        )
        extra: dict[str, Any] = {"sleep": self._sleep} if self._sleep is not None else {}
        with Transport(options, environ=self._environ, **extra) as transport:
            check = check_login(transport, host, username)
        stored = store_login(target, host, username, password, environ=self._environ)
        return LoginResult(
            host,
            stored.keys[0],
            stored.file.path,
            stored.file.kind,
            stored.helper,
            check.auth_required,
        )

    def logout(self, registry: str) -> LoginResult | None:
        """Remove ``registry``'s credentials from the file :meth:`login` writes (every
        ``auths`` spelling of the host; the helper's copy too); None when it held none."""
        from .transport.credstore import erase_login

        self._check_open()
        host = _login_registry(registry)
        erased = erase_login(self._login_target(), host, environ=self._environ)
        if erased is None:
            return None
        return LoginResult(
            host,
            erased.keys[0],
            erased.file.path,
            erased.file.kind,
            erased.helper,
            True,
            erased.keys,
        )

    def credential_source(self, registry: str) -> str:
        """Where this client's credentials for ``registry`` come from (``anonymous`` when
        none), e.g. to say that a logout left another file's login in place."""
        from .transport import CredentialStore

        store = CredentialStore(
            docker_config_dir=self._transport_kwargs["docker_config_dir"],
            auth_file=self._transport_kwargs["auth_file"],
            environ=self._environ,
        )
        return store.lookup(_login_registry(registry)).source

    def _login_target(self) -> CredentialFile:
        from .transport.credentials import login_target

        return login_target(
            docker_config_dir=self._transport_kwargs["docker_config_dir"],
            auth_file=self._transport_kwargs["auth_file"],
            environ=self._environ,
        )

    def tags(self, repo: RefLike) -> list[str]:
        """Every tag of a repository (``[registry/]name`` or ``oci-layout://DIR``), sorted."""
        parsed = _parse(repo)
        if isinstance(parsed, Reference) and (parsed.tag is not None or parsed.digest is not None):
            raise UsageError(
                f"{_typed(repo)}: give a repository, not an image",
                input=_typed(repo),
                hint=f"the repository is {parsed.name}",
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
        from .reference import split_registry_prefix

        self._check_open()
        host, own_prefix = split_registry_prefix(registry)
        if page_size is not None and page_size <= 0:
            raise UsageError("page_size must be positive", input=str(page_size))
        return self.registry.catalog(host, prefix or own_prefix or None, page_size=page_size)

    def iter_digests(
        self,
        refs: Iterable[RefLike],
        platform: Iterable[PlatformLike] | PlatformLike | None = None,
        *,
        index: bool = False,
    ) -> Iterator[LookupResult]:
        """One result per reference, in input order, yielded as soon as it (and every
        earlier one) is done: the descriptor, or the error that stopped it.

        A failure never stops the others (``result.error`` is an ``OcitraceError``).  With
        ``platform`` (one or several; the first match wins), the digest of that platform's
        manifest in an index; ``index=True`` asks for the top-level digest explicitly (the
        default) and excludes ``platform``.
        """
        from .resolve import lookup_digests

        self._check_open()
        wanted = _platforms(platform)
        if index and wanted:
            raise UsageError("index and platform exclude each other", input="index/platform")
        texts: Iterable[str] = (ref if isinstance(ref, str) else str(ref) for ref in refs)
        if isinstance(refs, list | tuple):  # a known length: one reference runs inline
            texts = list(texts)
        return lookup_digests(texts, self._source, platforms=wanted, concurrency=self.concurrency)

    def digests(
        self,
        refs: Iterable[RefLike],
        platform: Iterable[PlatformLike] | PlatformLike | None = None,
        *,
        index: bool = False,
    ) -> list[LookupResult]:
        """:meth:`iter_digests` as a list."""
        return list(self.iter_digests(refs, platform, index=index))

    # --- inspect -----------------------------------------------------------------------

    def inspect(self, ref: RefLike, platforms: Iterable[PlatformLike] = ()) -> Inspection:
        """A lazy buildx-shaped view of ``ref`` (costs one request; the rest on demand).

        The returned :class:`~ocitrace.inspect.inspection.Inspection` fetches on this
        client's pool, so use it while the client is open.  ``platforms`` narrows to those
        images (:class:`~ocitrace.errors.NotFound` listing the image's platforms when none
        matches).
        """
        from .inspect.inspection import Inspection

        source, parsed = self.open(ref)
        # the pool is asked for on the first fetch: the default listing never starts one
        ins = Inspection(source, parsed, lambda: self.pool, platforms=_platforms(platforms))
        ins.check_platforms()
        return ins

    def inspect_listing(self, ref: RefLike, platforms: Iterable[PlatformLike] = ()) -> str:
        """``docker buildx imagetools inspect REF`` output, byte for byte."""
        return self.inspect(ref, platforms).listing()

    def inspect_raw(self, ref: RefLike, platforms: Iterable[PlatformLike] = ()) -> bytes:
        """``inspect --raw``: the stored bytes of the top level, or with ``platforms`` of
        the chosen platform's manifest (as ``manifest --platform`` prints it); NotFound
        listing the image's platforms when none matches."""
        return self.inspect(ref, platforms).chosen_raw()

    def inspect_document(self, ref: RefLike, platforms: Iterable[PlatformLike] = ()) -> Any:
        """The whole inspect document as JSON values: ``name``, ``manifest``, ``image``,
        ``provenance`` and ``sbom`` (buildx's ``{{json .}}`` leaves the last two out)."""
        from .inspect.format import inspect_document

        return inspect_document(self.inspect(ref, platforms), _typed(ref))

    def inspect_format(
        self, ref: RefLike, template: str, platforms: Iterable[PlatformLike] = ()
    ) -> str:
        """``imagetools inspect --format TEMPLATE`` output (no newline added).

        Raises :class:`ocitrace.template.ParseError` / :class:`~ocitrace.template.ExecError`
        (``partial_output`` holds what ran before the failure).  Notes about missing
        provenance or SBOM are logged at INFO level; :meth:`format` returns them.
        """
        result = self.format(ref, template, platforms)
        for note in result.notes:
            log.info("%s", note)
        return result.output

    def format(
        self, ref: RefLike, template: str, platforms: Iterable[PlatformLike] = ()
    ) -> FormatResult:
        """Render ``template`` over ``ref``: the output and the notes (see :class:`FormatResult`).

        On a template error the exception carries ``partial_output`` and ``notes``.
        """
        from .inspect.format import render_format

        rendered = render_format(self.inspect(ref, platforms), _typed(ref), template)
        return FormatResult(rendered.output, rendered.notes)

    # --- attestations --------------------------------------------------------------------

    def attestations(
        self,
        ref: RefLike,
        platforms: Iterable[PlatformLike] = (),
        *,
        referrers: bool = True,
        cosign: bool = True,
        cosign_repository: RefLike | None = None,
        bundles: Iterable[str | os.PathLike[str]] = (),
    ) -> Discovery:
        """Every attestation, signature and SBOM of ``ref``, from every store.

        ``referrers``/``cosign`` switch those lookups (BuildKit index entries are always
        read); ``cosign_repository`` is where cosign tags live (``COSIGN_REPOSITORY``).
        ``bundles``: local attestation files (a Sigstore bundle, a DSSE envelope, an
        in-toto statement, or JSON lines of them as ``gh attestation download`` writes),
        read before any request, listed with store ``file`` and checked against the
        digest ``ref`` resolves to (``subject-mismatch`` finding otherwise); a missing
        file is a ConfigError, a malformed one a FormatError, both naming the file.
        Signatures are counted, never verified.
        """
        from .discover import discover, lookups_for

        local_files = self._local_files(bundles)
        source, parsed = self.open(ref)
        cosign_source = (
            self._cosign_source(cosign_repository) if cosign_repository is not None else None
        )
        return discover(
            source,
            source.manifest(parsed.identifier),
            platforms=_platforms(platforms) or None,
            lookups=lookups_for(referrers=referrers, cosign=cosign),
            cosign_source=cosign_source,
            max_blob_size=self.limits.blob,
            workers=self.concurrency,
            name=str(parsed),
            local_files=local_files,
        )

    def _local_files(self, bundles: Iterable[str | os.PathLike[str]]) -> tuple[LocalFile, ...]:
        """The local attestation files read (capped at ``max_blob_size`` each)."""
        if isinstance(bundles, str | os.PathLike):
            bundles = (bundles,)
        paths = tuple(bundles)
        if not paths:
            return ()
        from .discover.local import read_local_files

        return read_local_files(paths, max_size=self.limits.blob)

    def verify(
        self,
        ref: RefLike,
        policy: Policy,
        platforms: Iterable[PlatformLike] = (),
        *,
        referrers: bool = True,
        cosign: bool = True,
        cosign_repository: RefLike | None = None,
        bundles: Iterable[str | os.PathLike[str]] = (),
    ) -> VerifyReport:
        """Verify every signature and attestation of ``ref`` under ``policy`` (offline by
        default): one :class:`~ocitrace.verify.Verification` per item (status, reason
        category, signer identity/issuer/GitHub claims, log index, integrated time);
        ``report.ok`` when at least one verified; ``report.discovery`` is what was found.
        ``bundles``: local attestation files verified with the rest (see
        :meth:`attestations`); a statement that does not name ``ref``'s digest is
        ``invalid: subject``."""
        from .discover import lookups_for
        from .verify.engine import verify_source

        local_files = self._local_files(bundles)
        source, parsed = self.open(ref)
        cosign_source = (
            self._cosign_source(cosign_repository) if cosign_repository is not None else None
        )
        _, report = verify_source(
            source,
            source.manifest(parsed.identifier),
            policy,
            platforms=_platforms(platforms) or None,
            cosign_source=cosign_source,
            name=str(parsed),
            lookups=lookups_for(referrers=referrers, cosign=cosign),
            max_blob_size=self.limits.blob,
            workers=self.concurrency,
            local_files=local_files,
        )
        return report

    def _cosign_source(self, repo: RefLike) -> Source:
        """The cosign repository's Source; a bad value is reported under its own name."""
        try:
            return self.open(repo)[0]
        except ReferenceError as exc:
            raise ReferenceError(
                f"cosign repository {_typed(repo)}: {exc}",
                input=_typed(repo),
                hint="give a repository such as registry.example/sigs "
                "(--cosign-repository, $COSIGN_REPOSITORY)",
            ) from exc

    def provenance(
        self,
        ref: RefLike,
        platform: Iterable[PlatformLike] | PlatformLike | None = None,
        *,
        cosign: bool = True,
        bundles: Iterable[str | os.PathLike[str]] = (),
    ) -> dict[str, ProvenanceRecord]:
        """The normalised provenance record per platform key (``linux/arm/v7``, or ``index``).

        The first record found wins for a platform; ``{}`` when there is none.  Use
        :func:`provenances_of` on :meth:`attestations` for every record and its store.
        ``bundles``: local attestation files read too (see :meth:`attestations`).
        """
        from .discover.select import provenances

        found = provenances(
            self.attestations(ref, _platforms(platform), cosign=cosign, bundles=bundles)
        )
        out: dict[str, ProvenanceRecord] = {}
        for f in found:
            out.setdefault(f.attestation.platform, f.record)
        return out

    def sbom(
        self,
        ref: RefLike,
        platform: Iterable[PlatformLike] | PlatformLike | None = None,
        *,
        cosign: bool = True,
        bundles: Iterable[str | os.PathLike[str]] = (),
    ) -> dict[str, tuple[SbomDocument, ...]]:
        """The SBOM documents per platform key, the image's own first; ``{}`` when none."""
        from .discover.select import sboms

        out: dict[str, tuple[SbomDocument, ...]] = {}
        found = self.attestations(ref, _platforms(platform), cosign=cosign, bundles=bundles)
        for doc in sboms(found):
            key = doc.attestation.platform
            out[key] = (*out.get(key, ()), doc)
        return out

    # --- diff ------------------------------------------------------------------------------

    def diff(
        self,
        old: RefLike,
        new: RefLike,
        platforms: Iterable[PlatformLike] = (),
        *,
        referrers: bool = True,
        cosign: bool = True,
        cosign_repository: RefLike | None = None,
        policy: Policy | None = None,
    ) -> ImageDiff:
        """What changed from ``old`` to ``new`` (``ocitrace diff``), per platform: provenance,
        SBOMs, image config and attestations (see :mod:`ocitrace.diff`).

        Both sides are fetched concurrently and a digest present on both is fetched once;
        image layers are never fetched.  With ``policy``, signatures are verified too.
        """
        from .diff import DiffSide, diff_sources
        from .discover import lookups_for

        cosign_source = (
            self._cosign_source(cosign_repository) if cosign_repository is not None else None
        )
        sides = []
        for ref in (old, new):
            source, parsed = self.open(ref)
            sides.append(DiffSide(source, parsed.identifier, str(parsed), cosign_source))
        return diff_sources(
            sides[0],
            sides[1],
            platforms=_platforms(platforms),
            lookups=lookups_for(referrers=referrers, cosign=cosign),
            max_blob_size=self.limits.blob,
            workers=self.concurrency,
            policy=policy,
        )

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
        platforms: Iterable[PlatformLike] = (),
        referrers: bool = False,
        cosign: bool = False,
        by: str = "platform",
        now: datetime | None = None,
        cache: DiskCache | None = None,
        progress: Progress | None = None,
        policy_file: str | None = None,
        fail_findings: Iterable[str] = (),
        read_config: bool = False,
        check_base_updates: bool = False,
        verify_policy: Policy | None = None,
    ) -> AuditResult:
        """Audit registries, ``namespace/`` prefixes, repositories or images (``ocitrace audit``).

        ``oci-layout://DIR[:TAG|@DIGEST]`` targets are audited too (without a tag: every
        tag of the layout).  Policies as the CLI's flags (``require=["provenance", "sbom"]``,
        ``max_age="90d"``, regexes searched in ``builder``/``source``, ``require_mode="max"``);
        a bad one raises :class:`~ocitrace.errors.PolicyError` before any request.  Per-item
        failures become error rows carrying their exception (``row.exception``);
        ``by="image"`` folds platform rows into one per image.  ``cache``: a
        :class:`~ocitrace.audit.cache.DiskCache` answering by-digest reads (the caller
        closes it); ``progress`` gets the image counts.  An audit whose targets hold no
        image raises :class:`~ocitrace.errors.NotFound`.  ``policy_file``: a TOML policy
        (:func:`~ocitrace.audit.policy.load_policy_file`; the policy arguments above then
        override it everywhere); ``fail_findings``: practice findings that fail (ids or
        severities); ``read_config``: read image configs (label checks);
        ``check_base_updates``: resolve unpinned base images' tags now (other registries).
        ``verify_policy``: a :class:`~ocitrace.verify.Policy` (identity/issuer, keys,
        trusted root) to verify signatures under; with it, or a policy file's
        ``signer-identity``/``signer-issuer``, or ``require=["signed"]``, the cosign and
        referrers stores are asked for those repositories and every signed item is
        verified (``row.facts.signature``, SIGNER column, the ``unsigned`` finding);
        ``require=["signed"]`` fails images where nothing verifies.
        """
        from datetime import UTC, datetime

        from .audit.policy import parse_policy
        from .audit.rows import fold_by_image, summarize
        from .audit.runner import AuditOptions, run_audit
        from .audit.throttle import HostLimiter
        from .audit.walk import TagFilter
        from .discover import lookups_for

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
                fail=fail_findings,
                read_config=read_config,
                file=policy_file,
                signer=verify_policy,
            ),
            now=now or datetime.now(UTC),
            tag_filter=TagFilter.parse(tags, exclude_tags),
            platforms=tuple(_platforms(platforms)),
            concurrency=self.concurrency,
            lookups=lookups_for(referrers=referrers, cosign=cosign),
            max_blob_size=self.limits.blob,
        )
        limiter = HostLimiter(self.concurrency)

        def open_repository(registry: str, repository: str) -> Source:
            if registry == _LAYOUT_REGISTRY:
                from .layout import LayoutSource

                opened: Source = LayoutSource(
                    repository,
                    max_manifest_size=self.limits.manifest,
                    max_blob_size=self.limits.blob,
                )
            else:
                opened = limiter.wrap(registry, self.registry.repository(registry, repository))
            if cache is None:
                return opened
            from .audit.cache import CachingSource

            return CachingSource(opened, cache)

        report = run_audit(
            parsed_targets,
            _LazyCatalog(self),
            options,
            open_source=open_repository,
            progress=progress,
        )
        rows = list(report.rows)
        if check_base_updates:
            from .audit.base_updates import check_base_updates as base_updates

            rows = base_updates(rows, self.registry.repository, options.policy)
        if by == "image":
            rows = fold_by_image(rows)
        result = AuditResult(
            tuple(rows), summarize(rows), report.repositories, report.images, report.interrupted
        )
        if not rows and not report.interrupted:
            from .errors import NotFound

            what = ", ".join(_typed(t) for t in targets) or "(no targets)"
            raise NotFound(
                f"audit: no images found in {what}",
                input=what,
                hint="check the registry, namespace and repository names (and --tags/"
                "--exclude-tags/--platform); ocitrace catalog REGISTRY lists repositories",
            )
        return result


class _LazyCatalog:
    """The audit's registry client, built only when a registry target needs it."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def repository(self, registry: str, repository: str) -> Any:
        return self._client.registry.repository(registry, repository)

    def catalog(self, registry: str, prefix: str = "") -> Any:
        return self._client.registry.catalog(registry, prefix)


#: audit "registry" of layout targets: RepositoryTask.name is then ``oci-layout://PATH``
_LAYOUT_REGISTRY = LAYOUT_PREFIX[:-1]


def _audit_target(target: RefLike) -> AuditTarget:
    """A registry target as ``parse_target`` reads it; a layout as one image, or all its tags.

    ``oci-layout://DIR`` without ``:TAG``/``@DIGEST`` audits every tag of ``index.json``.
    """
    from .audit.targets import AuditTarget, TargetKind, parse_target

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


def _pick_image(index: Any, wanted: list[Platform], *, what: str) -> Descriptor:
    """The index entry ``wanted`` picks; without platforms the only image (UsageError
    listing the platforms when there are several, NotFound when there is none)."""
    from .resolve import pick_platform

    if wanted:
        return pick_platform(index, wanted, what=what)
    from .oci import mediatypes as mt
    from .oci.platform import format_platform

    images = [
        d
        for d in index.manifests
        if d.annotations.get(mt.REF_TYPE_ANNOTATION) != mt.ATTESTATION_MANIFEST
        and (mt.is_manifest(d.media_type) or mt.is_index(d.media_type))
    ]
    if len(images) == 1:
        return images[0]  # type: ignore[no-any-return]
    listed = ", ".join(format_platform(d.platform) if d.platform else d.digest for d in images)
    if not images:
        from .errors import NotFound

        raise NotFound(f"{what}: the index holds no image", input=what, hint="")
    raise UsageError(
        f"{what}: the index holds {len(images)} images; choose one with --platform",
        input=what,
        hint=f"platforms in this index: {listed}",
    )


def _login_registry(text: str) -> str:
    """``host[:port]`` of a ``login`` argument (``https://host/``, ``docker.io``,
    ``https://index.docker.io/v1/`` all accepted; Docker Hub is ``docker.io``)."""
    from .reference import registry_problem
    from .transport.credentials import host_key

    host = host_key(text or "docker.io")
    problem = registry_problem(host) if host else "empty registry name"
    if problem is not None:
        raise ReferenceError(
            f"{text}: {problem}",
            input=text,
            hint="give a registry host[:port], e.g. ghcr.io or 127.0.0.1:5000",
        )
    return host


def _umask() -> int:
    """The process umask: from /proc on Linux (reading it with ``os.umask`` sets it for a
    moment, racing other threads creating files), else that way."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_ca_cert(path: str, *, what: str = "ca_cert") -> None:
    """Fail early, naming the option (``what``), when ``path`` is not a readable PEM file."""
    hint = "give the registry CA's certificate as a PEM file (-----BEGIN CERTIFICATE-----)"
    if not os.path.isfile(path):
        problem = "is a directory" if os.path.isdir(path) else "no such file"
        raise ConfigError(f"{what} {path}: {problem}", input=path, hint=hint)
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError as exc:
        raise ConfigError(
            f"{what} {path}: cannot read ({exc.strerror})", input=path, hint=hint
        ) from exc
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise ConfigError(f"{what} {path}: no PEM certificate in the file", input=path, hint=hint)


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
