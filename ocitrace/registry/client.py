"""Distribution API client: manifests, blobs, tags, catalog and referrers, as a Source.

:class:`RegistryClient` owns what is shared across repositories — the Transport (connection
pool, token cache), the size limits and the per-repository memo of whether the referrers
API exists.  :meth:`RegistryClient.repository` hands out a :class:`RepositoryClient`
implementing :class:`~ocitrace.source.Source`.  Both are safe to use from many threads.

Every manifest and blob comes back as the exact bytes served, hashed while read; anything
fetched by digest must hash to it, and a ``Docker-Content-Digest`` header must agree with
the bytes.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from urllib.parse import urlencode

from ..digest import Verified, compute, is_digest, parse_digest, read_verified
from ..errors import DigestMismatch, FormatError, NotFound, ReferenceError, TooLarge, TransportError
from ..lazylog import getLogger
from ..oci import mediatypes as mt
from ..oci.limits import Limits
from ..oci.model import Descriptor
from ..reference import registry_problem, repository_problem, validate_digest
from ..source import Fetched, Referrers
from ..transport import Transport
from ..transport.deadline import BodyDeadline
from ..transport.response import READ_ERRORS, Response
from .errormap import printable, raise_for_status
from .paging import Pager
from .referrers import REFERRERS_FALLBACK_STATUSES, fallback_tag, filter_referrers, parse_referrers

log = getLogger(__name__)  # logging itself: imported when a record can be emitted

_CHUNK = 64 * 1024
# the most tags (over all pages, sorted in memory) or referrers one listing may hold; the
# catalog streams page by page and has no cap beyond paging's
MAX_LISTING_ENTRIES = 100_000
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_ACCEPT = ", ".join(mt.MANIFEST_ACCEPT)
_KNOWN_MANIFEST_TYPES = mt.INDEX_TYPES | mt.MANIFEST_TYPES


def _chunks(resp: Response, input: str, deadline: BodyDeadline) -> Iterator[bytes]:
    """The body in chunks; network failures mid-body become TransportError.

    ``deadline`` bounds the whole body (its declared size, else the bytes received, at the
    minimum rate): the per-request timeout only bounds each socket read, so a server
    dripping a byte at a time could otherwise hold a worker for as long as the cap allows.
    Past it the socket is shut down and the read fails.
    """
    try:
        for chunk in resp.iter_content(_CHUNK):
            deadline.received(len(chunk))
            yield chunk
    except READ_ERRORS as exc:
        if deadline.fired:
            raise TransportError(
                f"{input}: the body took longer than {deadline.seconds:.2g}s to arrive",
                input=input,
                hint="the registry is very slow or stalling; raise --timeout or retry later",
            ) from exc
        raise TransportError(
            f"{input}: connection failed while reading the body ({type(exc).__name__})",
            input=input,
        ) from exc
    finally:
        deadline.cancel()
        resp.close()


def _content_type(headers: Mapping[str, str]) -> str:
    return (headers.get("Content-Type") or "").split(";", 1)[0].strip()


class RegistryClient:
    """Entry point: one per Transport; hands out repository clients and lists catalogs."""

    def __init__(self, transport: Transport, *, limits: Limits | None = None) -> None:
        self.transport = transport
        self.limits = limits or Limits()
        self._referrers_api: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()

    def repository(self, registry: str, repository: str) -> RepositoryClient:
        """A Source for ``registry/repository`` sharing this client's transport and memo."""
        return RepositoryClient(self, registry, repository)

    # --- referrers API memo ------------------------------------------------------------

    def referrers_api(self, registry: str, repository: str) -> bool | None:
        """Whether the referrers API answered for this repository before (None: not asked)."""
        with self._lock:
            return self._referrers_api.get((registry, repository))

    def remember_referrers_api(self, registry: str, repository: str, exists: bool) -> None:
        with self._lock:
            self._referrers_api[(registry, repository)] = exists

    # --- shared request helper ---------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        *,
        registry: str,
        scope: str,
        input: str,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one API request; raise the typed error for any non-2xx answer."""
        resp = self.transport.request(method, url, registry=registry, scope=scope, headers=headers)
        raise_for_status(resp, input=input, watchdog=self.transport.watchdog)
        return resp

    def chunks(self, resp: Response, input: str, limit: int) -> Iterator[bytes]:
        """``resp``'s body in chunks, within the deadline its declared size (at most
        ``limit``) or its bytes received so far give it."""
        transport = self.transport
        deadline = BodyDeadline(transport.watchdog, resp, transport.options.timeout, limit)
        return _chunks(resp, input, deadline)

    def read_json(self, resp: Response, *, input: str, what: str) -> object:
        """A listing page's JSON body, capped at ``limits.listing``."""
        body = read_verified(
            self.chunks(resp, input, self.limits.listing),
            limit=self.limits.listing,
            input=input,
            what=what,
        )
        if body.data.count(b'"') > 4 * MAX_LISTING_ENTRIES + 64:  # names + keys, two quotes each
            raise TooLarge(
                f"{input}: {what} page holds more than {MAX_LISTING_ENTRIES} entries",
                limit=MAX_LISTING_ENTRIES,
                input=input,
            )
        try:
            return json.loads(body.data)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise FormatError(f"{input}: {what} is not valid JSON", input=input) from exc

    # --- catalog -----------------------------------------------------------------------

    def catalog(
        self, registry: str, prefix: str | None = None, *, page_size: int | None = None
    ) -> Iterator[str]:
        """Repository names of ``registry`` (``/v2/_catalog``, every page), optionally only
        those starting with ``prefix``; yielded page by page in the registry's order."""
        base = self.transport.base_url(registry)
        url = f"{base}/v2/_catalog"
        if page_size is not None:
            url += "?" + urlencode({"n": str(page_size)})
        pager = Pager(url, input=registry)
        next_url: str | None = url
        while next_url is not None:
            page_url = next_url
            resp = self.call(
                "GET", page_url, registry=registry, scope="registry:catalog:*", input=registry
            )
            obj = self.read_json(resp, input=registry, what="catalog")
            repos = obj.get("repositories") if isinstance(obj, dict) else None
            if not isinstance(repos, list | None):
                raise FormatError(f"{registry}: catalog has no repositories list", input=registry)
            for name in repos or ():
                if not isinstance(name, str) or (prefix and not name.startswith(prefix)):
                    continue
                if (problem := repository_problem(name)) is not None:
                    log.warning("%s: skipping catalog entry: %s", registry, problem)
                    continue
                yield name
            next_url = pager.next_url(page_url, resp.headers.get("Link"))


class RepositoryClient:
    """:class:`~ocitrace.source.Source` over one registry repository."""

    def __init__(self, client: RegistryClient, registry: str, repository: str) -> None:
        problem = registry_problem(registry) or repository_problem(repository)
        if problem is not None:
            where = f"{registry[:80]}/{repository[:200]}"
            raise ReferenceError(
                f"{where}: {problem}",
                input=where,
                hint="repository names are lowercase path components; the registry is host[:port]",
            )
        self._client = client
        self.registry = registry
        self.repository = repository
        self._name = f"{registry}/{repository}"
        self._base = f"{client.transport.base_url(registry)}/v2/{repository}"
        self._scope = f"repository:{repository}:pull"

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"RepositoryClient({self._name!r})"

    # --- helpers -----------------------------------------------------------------------

    def _label(self, ref: str) -> str:
        return f"{self._name}@{ref}" if ":" in ref else f"{self._name}:{ref}"

    def _checked_ref(self, ref: str) -> str:
        """The tag or digest, validated so it cannot escape its URL path segment."""
        if ":" in ref:
            return validate_digest(ref, input=self._label(ref))
        if not _TAG.fullmatch(ref):
            raise ReferenceError(
                f"{self._label(ref)}: invalid tag {ref!r}",
                input=self._label(ref),
                hint="a tag is up to 128 characters of A-Z a-z 0-9 _ . - (not starting with . or -)",
            )
        return ref

    def _get(self, method: str, path: str, *, input: str, accept: str | None = None) -> Response:
        headers = {"Accept": accept} if accept else None
        return self._client.call(
            method,
            f"{self._base}/{path}",
            registry=self.registry,
            scope=self._scope,
            input=input,
            headers=headers,
        )

    # --- Source ------------------------------------------------------------------------

    def resolve(self, ref: str) -> Descriptor:
        """HEAD the manifest; GET and hash it when the registry gives no digest header."""
        ref = self._checked_ref(ref)
        label = self._label(ref)
        resp = self._get("HEAD", f"manifests/{ref}", input=label, accept=_ACCEPT)
        resp.close()
        digest = resp.headers.get("Docker-Content-Digest", "").strip()
        media_type = _content_type(resp.headers)
        length = resp.headers.get("Content-Length", "")
        if (
            not digest
            or not is_digest(digest)
            or media_type not in _KNOWN_MANIFEST_TYPES
            or not length.isdigit()
        ):
            log.debug("HEAD %s gave no usable digest/type/length; fetching the manifest", label)
            return self.manifest(ref).descriptor
        if ":" in ref and digest != ref:
            raise DigestMismatch(
                f"{label}: registry announces digest {digest}",
                expected=ref,
                actual=digest,
                input=label,
            )
        return Descriptor(media_type=media_type, digest=digest, size=int(length))

    def manifest(self, ref: str) -> Fetched:
        """GET a manifest/index (all manifest types accepted); bytes exactly as served."""
        ref = self._checked_ref(ref)
        label = self._label(ref)
        resp = self._get("GET", f"manifests/{ref}", input=label, accept=_ACCEPT)
        got = read_verified(
            self._client.chunks(resp, label, self._client.limits.manifest),
            limit=self._client.limits.manifest,
            input=label,
            what="manifest",
            digest=ref if ":" in ref else None,
        )
        self._check_digest_header(resp.headers.get("Docker-Content-Digest"), got, label)
        media_type = _manifest_media_type(_content_type(resp.headers), got.data, label)
        return Fetched(Descriptor(media_type, got.digest, len(got.data)), got.data)

    @staticmethod
    def _check_digest_header(header: str | None, got: Verified, label: str) -> None:
        """A Docker-Content-Digest header, when present, must describe the bytes received."""
        if not header or not header.strip():
            return
        header = header.strip()
        try:
            algorithm = parse_digest(header, input=label).algorithm
        except FormatError:
            log.warning("%s: ignoring malformed Docker-Content-Digest %r", label, header[:100])
            return
        actual = (
            got.digest if got.digest.startswith(algorithm + ":") else compute(got.data, algorithm)
        )
        if actual != header:
            raise DigestMismatch(
                f"{label}: Docker-Content-Digest {header} does not match the content ({actual})",
                expected=header,
                actual=actual,
                input=label,
            )

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        """GET a blob into memory, capped, verified against ``desc.digest``/``desc.size``."""
        digest = validate_digest(desc.digest, input=f"{self._name}@{desc.digest}")
        label = f"{self._name}@{digest}"
        limit = max_size if max_size is not None else self._client.limits.blob
        if desc.size > limit:
            raise TooLarge(
                f"{label}: blob of {desc.size} bytes exceeds the {limit}-byte limit",
                limit=limit,
                input=label,
            )
        resp = self._get("GET", f"blobs/{digest}", input=label)
        got = read_verified(
            self._client.chunks(resp, label, min(limit, desc.size) if desc.size > 0 else limit),
            limit=limit,
            input=label,
            what="blob",
            digest=digest,
            size=desc.size if desc.size > 0 else None,
        )
        return got.data

    def blob_stream(self, digest: str, *, max_size: int) -> tuple[int | None, Iterator[bytes]]:
        """GET a blob without buffering it: (its declared size or None, its chunks).

        The chunks are verified as they pass (:func:`~ocitrace.digest.verify_chunks`): more
        than ``max_size`` bytes raise TooLarge, a wrong hash raises DigestMismatch after the
        last chunk.  A declared ``Content-Length`` over ``max_size`` fails before reading.
        """
        from ..digest import verify_chunks

        digest = validate_digest(digest, input=f"{self._name}@{digest}")
        label = f"{self._name}@{digest}"
        resp = self._get("GET", f"blobs/{digest}", input=label)
        length = resp.headers.get("Content-Length", "")
        size = int(length) if length.isdigit() and "Content-Encoding" not in resp.headers else None
        if size is not None and size > max_size:
            resp.close()
            raise TooLarge(
                f"{label}: blob of {size} bytes exceeds the {max_size}-byte limit",
                limit=max_size,
                input=label,
            )
        chunks = self._client.chunks(resp, label, min(max_size, size) if size else max_size)
        return size, verify_chunks(chunks, digest=digest, limit=max_size, input=label, size=size)

    def tags(self) -> Iterator[str]:
        """Every tag, sorted (distribution 2.8 returns directory order and ignores n/last)."""
        url = f"{self._base}/tags/list"
        pager = Pager(url, input=self._name)
        found: set[str] = set()
        next_url: str | None = url
        while next_url is not None:
            page_url = next_url
            resp = self._client.call(
                "GET", page_url, registry=self.registry, scope=self._scope, input=self._name
            )
            obj = self._client.read_json(resp, input=self._name, what="tag list")
            tags = obj.get("tags") if isinstance(obj, dict) else None
            if not isinstance(tags, list | None):
                raise FormatError(f"{self._name}: tag list has no tags array", input=self._name)
            found.update(t for t in tags or () if isinstance(t, str))
            _check_entries(len(found), self._name, "tags")
            next_url = pager.next_url(page_url, resp.headers.get("Link"))
        yield from sorted(found)

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        """Referrers of ``digest``: the OCI 1.1 API, else the ``sha256-<hex>`` tag fallback.

        Whether the API exists is remembered per repository, so a registry without it
        (distribution 2.8) costs one 404 per repository, not one per image.
        """
        digest = validate_digest(digest, input=f"{self._name}@{digest}")
        checked: list[str] = []
        if self._client.referrers_api(self.registry, self.repository) is False:
            checked.append("referrers API: not supported (remembered)")
        else:
            answer = self._referrers_via_api(digest, artifact_type, checked)
            if answer is not None:
                return answer
        return self._referrers_via_tag(digest, artifact_type, checked)

    def _referrers_via_api(
        self, digest: str, artifact_type: str | None, checked: list[str]
    ) -> Referrers | None:
        label = f"{self._name}@{digest}"
        url = f"{self._base}/referrers/{digest}"
        if artifact_type:
            url += "?" + urlencode({"artifactType": artifact_type})
        pager = Pager(url, input=label)
        found: list[Descriptor] = []
        filtered = True
        next_url: str | None = url
        while next_url is not None:
            page_url = next_url
            resp = self._client.transport.request(
                "GET",
                page_url,
                registry=self.registry,
                scope=self._scope,
                headers={"Accept": mt.OCI_INDEX},
            )
            if not found and resp.status_code in REFERRERS_FALLBACK_STATUSES:
                resp.close()
                checked.append(f"referrers API: {resp.status_code}")
                self._client.remember_referrers_api(self.registry, self.repository, False)
                return None
            raise_for_status(resp, input=label, watchdog=self._client.transport.watchdog)
            if _content_type(resp.headers) != mt.OCI_INDEX:
                resp.close()
                checked.append(
                    f"referrers API: not an index ({_content_type(resp.headers) or 'no type'})"
                )
                self._client.remember_referrers_api(self.registry, self.repository, False)
                return None
            body = read_verified(
                self._client.chunks(resp, label, self._client.limits.listing),
                limit=self._client.limits.listing,
                input=label,
                what="referrers",
            )
            found.extend(parse_referrers(body.data, input=label))
            _check_entries(len(found), label, "referrers")
            applied = resp.headers.get("OCI-Filters-Applied", "")
            filtered = filtered and "artifactType" in [f.strip() for f in applied.split(",")]
            next_url = pager.next_url(page_url, resp.headers.get("Link"))
        self._client.remember_referrers_api(self.registry, self.repository, True)
        manifests = filter_referrers(found, None if filtered else artifact_type)
        checked.append(f"referrers API: {len(manifests)} found")
        return Referrers(tuple(manifests), "api", tuple(checked))

    def _referrers_via_tag(
        self, digest: str, artifact_type: str | None, checked: list[str]
    ) -> Referrers:
        tag = fallback_tag(digest)
        try:
            fetched = self.manifest(tag)
        except NotFound:
            checked.append(f"tag {tag}: not found")
            return Referrers((), "none", tuple(checked))
        if not mt.is_index(fetched.descriptor.media_type):
            checked.append(f"tag {tag}: not an index ({fetched.descriptor.media_type})")
            return Referrers((), "none", tuple(checked))
        manifests = filter_referrers(
            parse_referrers(fetched.data, input=self._label(tag)), artifact_type
        )
        checked.append(f"tag {tag}: {len(manifests)} found")
        return Referrers(tuple(manifests), "tag", tuple(checked))


def _check_entries(count: int, label: str, what: str) -> None:
    """Stop a listing that grows past :data:`MAX_LISTING_ENTRIES` (memory is bounded)."""
    if count > MAX_LISTING_ENTRIES:
        raise TooLarge(
            f"{label}: more than {MAX_LISTING_ENTRIES} {what}; stopped reading the listing",
            limit=MAX_LISTING_ENTRIES,
            input=label,
        )


def _manifest_media_type(content_type: str, data: bytes, label: str) -> str:
    """The manifest's media type: Content-Type, checked against the body's ``mediaType``."""
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise FormatError(f"{label}: manifest is not valid JSON", input=label) from exc
    body_type = obj.get("mediaType") if isinstance(obj, dict) else None
    body_type = body_type if isinstance(body_type, str) else ""
    if content_type in _KNOWN_MANIFEST_TYPES:
        if body_type and body_type != content_type:
            raise FormatError(
                f"{label}: served as {content_type} but its mediaType is {printable(body_type)}",
                input=label,
                hint="the registry mislabels this manifest",
            )
        return content_type
    chosen = body_type or content_type
    if not chosen:
        raise FormatError(f"{label}: manifest has no media type", input=label)
    if not chosen.isprintable() or len(chosen) > 255:
        raise FormatError(
            f"{label}: manifest media type {printable(chosen, 80)} is not a media type",
            input=label,
            hint="the registry serves a malformed manifest",
        )
    return chosen
