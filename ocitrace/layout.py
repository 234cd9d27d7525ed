"""The :class:`~ocitrace.source.Source` protocol over an OCI image layout on disk.

A layout is a directory holding ``oci-layout``, ``index.json`` and ``blobs/<alg>/<hex>``
(image-spec ``image-layout.md``).  Tags are the ``org.opencontainers.image.ref.name``
annotations of ``index.json`` entries, as buildx reads ``oci-layout://DIR:TAG``; what a
tag or digest resolves to is the ``index.json`` entry itself (annotations included), so
``inspect`` shows what buildx shows.

``cosign save`` layouts carry no tags: their entries are marked with a ``kind`` annotation
(``dev.cosignproject.cosign/image`` or ``…/imageIndex`` for the image, ``…/sigs``,
``…/atts``, ``…/sboms`` for its cosign store; cosign ``pkg/oci/layout``).  They are read as
the registry ``cosign load`` would write: the cosign tags ``sha256-<hex>.sig|.att|.sbom`` of
the image entry resolve to those entries (so discovery finds them like on a registry), and
a layout without any tag resolves its default tag to the image entry.  Every read is digest- and size-verified and capped,
and only regular files are read (a hostile layout may hold pipes or device links).

The source keeps no mutable state (``index.json`` is re-read on each call), so one
instance may be shared between threads.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import (
    DigestMismatch,
    FormatError,
    IntegrityError,
    NotFound,
    ReferenceError,
    TooLarge,
)
from .lazylog import getLogger
from .lazyre import lazy
from .oci import mediatypes as mt
from .oci.limits import DEFAULT_LIMITS
from .oci.model import Descriptor, Index, Manifest
from .source import Fetched, Referrers

__all__ = [
    "COSIGN_KINDS_IMAGE",
    "COSIGN_KIND_ANNOTATION",
    "COSIGN_KIND_SUFFIXES",
    "DEFAULT_MAX_BLOB_SIZE",
    "DEFAULT_MAX_INDEX_SIZE",
    "DEFAULT_MAX_MANIFEST_SIZE",
    "IMAGE_NAME_ANNOTATION",
    "REF_NAME_ANNOTATION",
    "LayoutSource",
    "cosign_store",
]

log = getLogger(__name__)  # imports logging only for a record that can be emitted

REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name"
IMAGE_NAME_ANNOTATION = "io.containerd.image.name"
DEFAULT_MAX_MANIFEST_SIZE = DEFAULT_LIMITS.manifest  # the common registry limit for manifests
DEFAULT_MAX_BLOB_SIZE = DEFAULT_LIMITS.blob  # blob() without max_size, as the registry client
DEFAULT_MAX_INDEX_SIZE = 16 * 1024 * 1024  # index.json: one entry per tag, can be long
_MARKER_CAP = 64 * 1024  # the oci-layout file is one tiny JSON object
_DIGEST_RE = lazy(r"(sha256):([a-f0-9]{64})|(sha384):([a-f0-9]{96})|(sha512):([a-f0-9]{128})")
_TAG_RE = lazy(r"[\w][\w.-]{0,127}", re.ASCII)
#: the index.json annotation ``cosign save`` writes instead of a tag
COSIGN_KIND_ANNOTATION = "kind"
_COSIGN = "dev.cosignproject.cosign/"
#: ``kind`` values of the image entry itself
COSIGN_KINDS_IMAGE: frozenset[str] = frozenset({_COSIGN + "image", _COSIGN + "imageIndex"})
#: ``kind`` of a cosign store entry → the registry tag suffix ``cosign load`` pushes it as
COSIGN_KIND_SUFFIXES: dict[str, str] = {
    _COSIGN + "atts": ".att",
    _COSIGN + "sigs": ".sig",
    _COSIGN + "sboms": ".sbom",
}
_COSIGN_TAG_RE = lazy(r"(sha256|sha384|sha512)-([a-f0-9]{64,128})(\.att|\.sig|\.sbom)")
_DEFAULT_TAG = "latest"
_CHUNK = 1 << 16
_BUILTIN_HASH_MAX = 1 << 16


class LayoutSource:
    """Read-only :class:`~ocitrace.source.Source` over the OCI image layout at ``path``."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_manifest_size: int = DEFAULT_MAX_MANIFEST_SIZE,
        max_blob_size: int = DEFAULT_MAX_BLOB_SIZE,
        max_index_size: int = DEFAULT_MAX_INDEX_SIZE,
    ) -> None:
        self._root = Path(path)
        self._name = f"oci-layout://{os.fspath(path)}"
        self._max_manifest = max_manifest_size
        self._max_blob = max_blob_size
        self._max_index = max_index_size
        self._check_layout()

    def _check_layout(self) -> None:
        """A missing path is NotFound; a file, or a directory without ``oci-layout`` or
        ``index.json``, is not a layout at all (ReferenceError: the reference points nowhere
        usable); a marker that is there but unreadable or invalid is a FormatError."""
        marker = self._root / "oci-layout"
        hint = "give the directory of an OCI image layout (it holds oci-layout, index.json, blobs/)"
        if not self._root.is_dir():
            if self._root.exists():
                raise ReferenceError(
                    f"{self._name}: not an OCI image layout (not a directory)",
                    input=self._name,
                    hint=hint,
                )
            raise NotFound(f"{self._name}: no such directory", input=self._name, hint=hint)
        for required in ("oci-layout", "index.json"):
            if not os.path.lexists(self._root / required):
                raise ReferenceError(
                    f"{self._name}: not an OCI image layout (no {required} file)",
                    input=self._name,
                    hint=hint,
                )
        try:
            raw = read_regular_file(marker, _MARKER_CAP, label=self._name, what="oci-layout file")
            version = json.loads(raw).get("imageLayoutVersion")
        except OSError as exc:
            raise FormatError(
                f"{self._name}: not an OCI image layout (cannot read its oci-layout file: "
                f"{exc.strerror or type(exc).__name__})",
                input=self._name,
                hint="an OCI image layout has an oci-layout file with imageLayoutVersion",
            ) from exc
        except (ValueError, AttributeError, RecursionError, TooLarge, FormatError) as exc:
            reason = exc.message if isinstance(exc, FormatError | TooLarge) else "invalid JSON"
            raise FormatError(
                f"{self._name}: not an OCI image layout (unreadable oci-layout file: {reason})",
                input=self._name,
                hint="an OCI image layout has an oci-layout file with imageLayoutVersion",
            ) from exc
        if not isinstance(version, str) or not version.startswith("1."):
            raise FormatError(
                f"{self._name}: unsupported imageLayoutVersion {version!r}",
                input=self._name,
                hint="only image layout version 1.x is supported",
            )

    # --- Source protocol ----------------------------------------------------------------

    @property
    def name(self) -> str:
        """``oci-layout://PATH`` as given."""
        return self._name

    def index(self) -> Index:
        """The layout's ``index.json``, parsed (raw bytes kept)."""
        path = self._root / "index.json"
        try:
            self._check_inside(path, what="index.json")
            raw = read_regular_file(path, self._max_index, label=self._name, what="index.json")
        except FileNotFoundError as exc:  # removed since the layout was opened
            raise ReferenceError(
                f"{self._name}: not an OCI image layout (no index.json file)",
                input=self._name,
                hint="an OCI image layout has an index.json next to oci-layout",
            ) from exc
        except OSError as exc:
            raise FormatError(
                f"{self._name}: cannot read index.json: {exc.strerror or type(exc).__name__}",
                input=self._name,
                hint="an OCI image layout has an index.json next to oci-layout",
            ) from exc
        return Index.parse(raw)

    def resolve(self, ref: str) -> Descriptor:
        """A tag (matched against ``ref.name`` annotations) or a digest → descriptor.

        The ``index.json`` entry is returned as written (its annotations included); a
        digest that is only in ``blobs/`` gets a descriptor with the media type read
        from its body.
        """
        return self._resolve(ref)[0]

    def _resolve(self, ref: str) -> tuple[Descriptor, bytes | None]:
        """Descriptor for ``ref``, plus the bytes when they had to be read to type them."""
        entries = self.index().manifests
        if ":" not in ref:
            return self._resolve_tag(ref, entries), None
        self._blob_path(ref, what="reference")  # validates the digest
        for entry in entries:
            if entry.digest == ref:
                return entry, None
        data = self._read_verified(ref, None, self._max_manifest, what="manifest")
        return Descriptor(_sniff_media_type(data, ref), ref, len(data)), data

    def _resolve_tag(self, tag: str, entries: tuple[Descriptor, ...]) -> Descriptor:
        if not _TAG_RE.fullmatch(tag):
            raise FormatError(
                f"{self._name}: invalid tag {tag!r}",
                input=tag,
                hint="a tag is up to 128 of A-Z a-z 0-9 _ . - and does not start with . or -",
            )
        # BuildKit ociindex.StoreIndex.Get: the image-name annotation first, then ref.name
        for key in (IMAGE_NAME_ANNOTATION, REF_NAME_ANNOTATION):
            for entry in entries:
                if entry.annotations.get(key) == tag:
                    return entry
        known = sorted({t for t in (e.annotations.get(REF_NAME_ANNOTATION) for e in entries) if t})
        cosign = _cosign_entry(tag, entries, untagged=not known)
        if cosign is not None:
            return cosign
        raise NotFound(
            f"{self._name}:{tag}: not found",
            input=f"{self._name}:{tag}",
            hint=f"tags in this layout: {', '.join(known)}"
            if known
            else "this layout has no tagged entries",
        )

    def manifest(self, ref: str) -> Fetched:
        """The manifest or index ``ref`` resolves to, bytes verified against its descriptor."""
        desc, data = self._resolve(ref)
        if data is None:
            data = self._read_verified(desc.digest, desc.size, self._max_manifest, what="manifest")
        return Fetched(desc, data)

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        """The blob for ``desc``, verified (digest and size) and capped at ``max_size``."""
        return self._read_verified(desc.digest, desc.size, max_size, what="blob")

    def blob_stream(self, digest: str, *, max_size: int) -> tuple[int | None, Iterator[bytes]]:
        """A blob (a regular file inside the layout) without buffering it: (its size, its
        chunks), verified as they pass (TooLarge over ``max_size`` before reading,
        DigestMismatch after the last chunk)."""
        from .digest import verify_chunks

        path = self._blob_path(digest, what="blob")
        label = f"{self._name}@{digest}"
        try:
            self._check_inside(path, what="blob")
            fd = os.open(
                path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
            )
        except FileNotFoundError as exc:
            raise NotFound(
                f"{label}: blob not found in the layout",
                input=label,
                hint="check the digest (ocitrace manifest REF lists a manifest's blobs)",
            ) from exc
        except OSError as exc:
            raise FormatError(
                f"{label}: cannot read the blob: {exc.strerror or exc}", input=label
            ) from exc
        fh = os.fdopen(fd, "rb")
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            fh.close()
            raise FormatError(f"{label}: the blob is not a regular file", input=label)
        if st.st_size > max_size:
            fh.close()
            raise TooLarge(
                f"{label}: blob of {st.st_size} bytes exceeds the {max_size}-byte limit",
                limit=max_size,
                input=label,
            )

        def chunks() -> Iterator[bytes]:
            with fh:
                while chunk := fh.read(_CHUNK):
                    yield chunk

        return st.st_size, verify_chunks(
            chunks(), digest=digest, limit=max_size, input=label, size=st.st_size
        )

    def tags(self) -> Iterator[str]:
        """``ref.name`` annotations of ``index.json`` entries, in order, without repeats;
        then the cosign tags a ``cosign save`` layout stands for (``sha256-<hex>.att`` …),
        as the registry it is loaded into would list them."""
        seen: set[str] = set()
        entries = self.index().manifests
        for entry in entries:
            tag = entry.annotations.get(REF_NAME_ANNOTATION)
            if tag and tag not in seen:
                seen.add(tag)
                yield tag
        image = _cosign_image(entries)
        if image is None:
            return
        for entry in entries:
            suffix = COSIGN_KIND_SUFFIXES.get(entry.annotations.get(COSIGN_KIND_ANNOTATION, ""))
            tag = image.digest.replace(":", "-", 1) + suffix if suffix else ""
            if tag and tag not in seen:
                seen.add(tag)
                yield tag

    def cosign_store(self) -> dict[str, Descriptor]:
        """This layout's ``cosign save`` store, see :func:`cosign_store`."""
        return cosign_store(self.index().manifests)

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        """Manifests in the layout whose ``subject`` is ``digest``, shaped like the API's answer.

        Every manifest reachable from ``index.json`` is read; each match is described
        with ``artifactType`` (the manifest's, else its config media type) and the
        manifest's annotations, as the OCI referrers endpoint does.  ``via`` is
        ``"layout"``; unreadable children are skipped and noted in ``checked``.
        """
        self._blob_path(digest, what="subject digest")
        found: dict[str, Descriptor] = {}
        notes: list[str] = []
        visited: set[str] = set()
        pending = list(self.index().manifests)
        while pending:
            desc = pending.pop(0)
            if desc.digest in visited:
                continue
            visited.add(desc.digest)
            pending.extend(self._scan_one(desc, digest, found, notes))
        manifests = tuple(
            d for d in found.values() if artifact_type is None or d.artifact_type == artifact_type
        )
        notes.insert(
            0, f"layout scan: {len(visited)} manifests read, {len(found)} with this subject"
        )
        return Referrers(manifests, "layout", tuple(notes))

    def _scan_one(
        self, desc: Descriptor, subject: str, found: dict[str, Descriptor], notes: list[str]
    ) -> tuple[Descriptor, ...]:
        """Read one manifest/index; record it if it refers to ``subject``; return children."""
        if not (mt.is_index(desc.media_type) or mt.is_manifest(desc.media_type)):
            return ()
        try:
            data = self._read_verified(desc.digest, desc.size, self._max_manifest, what="manifest")
            parsed = (Index.parse if mt.is_index(desc.media_type) else Manifest.parse)(data)
        except (NotFound, IntegrityError, FormatError) as exc:
            notes.append(f"{desc.digest}: skipped ({exc})")
            return ()
        if parsed.subject is not None and parsed.subject.digest == subject:
            found[desc.digest] = _referrer_descriptor(desc, parsed)
        return parsed.manifests if isinstance(parsed, Index) else ()

    # --- blobs ----------------------------------------------------------------------------

    def _blob_path(self, digest: str, *, what: str) -> Path:
        """``blobs/<alg>/<hex>`` for a well-formed digest; anything else is refused."""
        m = _DIGEST_RE.fullmatch(digest)
        if m is None:
            raise FormatError(
                f"{self._name}: invalid {what} digest {digest!r}",
                input=digest,
                hint="a digest is sha256:<64 lowercase hex> (sha384/sha512 also accepted)",
            )
        alg, hex_ = (g for g in m.groups() if g)
        return self._root / "blobs" / alg / hex_

    def _check_inside(self, path: Path, *, what: str) -> None:
        """A layout stays inside itself: ``index.json`` or a blob that is (or passes through)
        a symlink resolving outside the layout directory is refused (FormatError)."""
        root = os.path.realpath(self._root)
        target = os.path.realpath(path)
        if os.path.commonpath([root, target]) != root:
            raise FormatError(
                f"{self._name}: the {what} is a link pointing outside the layout",
                input=self._name,
                hint="a layout's index.json and blobs must be files inside its directory",
            )

    def _read_verified(self, digest: str, size: int | None, cap: int | None, *, what: str) -> bytes:
        """Read a blob (a regular file) of at most ``cap`` bytes (default: the blob cap),
        refusing one whose size differs from ``size`` before reading it; then check its hash."""
        path = self._blob_path(digest, what=what)
        label = f"{self._name}@{digest}"
        limit = self._max_blob if cap is None else cap
        try:
            self._check_inside(path, what=what)
            data = read_regular_file(path, limit, label=label, what=what, expect_size=size)
        except FileNotFoundError as exc:
            raise NotFound(
                f"{label}: {what} not found in the layout",
                input=label,
                hint="the layout is incomplete (blob missing under blobs/)",
            ) from exc
        except OSError as exc:
            raise FormatError(
                f"{label}: cannot read the {what}: {exc.strerror or exc}", input=label
            ) from exc
        alg = digest.split(":", 1)[0]
        actual = f"{alg}:{_hexdigest(alg, data)}"
        if actual != digest:
            raise DigestMismatch(
                f"{label}: content hashes to {actual}", expected=digest, actual=actual, input=label
            )
        log.debug("read %s (%d bytes) from %s", digest, len(data), self._name)
        return data


def _hexdigest(alg: str, data: bytes) -> str:
    """``hashlib.new(alg, data).hexdigest()``.  Until :mod:`hashlib` is loaded, a small blob
    (a manifest, an index) is hashed by CPython's built-in module instead: loading OpenSSL's
    libcrypto costs ~3 ms of start-up, more than the built-in code takes for 64 KiB."""
    if len(data) <= _BUILTIN_HASH_MAX and "hashlib" not in sys.modules:
        # _sha2 from Python 3.12; before it _sha256 (sha256) and _sha512 (sha384, sha512)
        for name in ("_sha2", "_sha256" if alg == "sha256" else "_sha512"):
            try:
                hexdigest: str = getattr(__import__(name), alg)(data).hexdigest()
                return hexdigest
            except (ImportError, AttributeError):
                continue
    import hashlib

    return hashlib.new(alg, data).hexdigest()


def cosign_store(entries: tuple[Descriptor, ...]) -> dict[str, Descriptor]:
    """The cosign store a ``cosign save`` layout's ``index.json`` entries hold.

    Keys are the registry tags ``cosign load`` would push (``sha256-<hex>.att``, ``.sig``,
    ``.sbom``, ``<hex>`` the image entry's digest); values the ``index.json`` entries (their
    ``kind`` annotation kept).  Empty when the layout is not a cosign layout: no entry
    marked ``kind: dev.cosignproject.cosign/image|imageIndex``, or several (cosign writes
    one image per layout, so the store could not be attributed).
    """
    image = _cosign_image(entries)
    if image is None:
        return {}
    out: dict[str, Descriptor] = {}
    for entry in entries:
        suffix = COSIGN_KIND_SUFFIXES.get(entry.annotations.get(COSIGN_KIND_ANNOTATION, ""))
        if suffix:
            out.setdefault(image.digest.replace(":", "-", 1) + suffix, entry)
    return out


def _cosign_image(entries: tuple[Descriptor, ...]) -> Descriptor | None:
    """The one ``kind: …/image|imageIndex`` entry (None when there is none or several)."""
    images = [e for e in entries if e.annotations.get(COSIGN_KIND_ANNOTATION) in COSIGN_KINDS_IMAGE]
    return images[0] if len({e.digest for e in images}) == 1 else None


def _cosign_entry(
    tag: str, entries: tuple[Descriptor, ...], *, untagged: bool
) -> Descriptor | None:
    """A tag a ``cosign save`` layout stands for: a cosign tag of its image, or (when the
    layout has no tagged entry at all) the default tag, meaning the image."""
    if tag == _DEFAULT_TAG and untagged:
        return _cosign_image(entries)
    if _COSIGN_TAG_RE.fullmatch(tag) is None:
        return None
    return cosign_store(entries).get(tag)


def read_regular_file(
    path: Path, cap: int, *, label: str, what: str, expect_size: int | None = None
) -> bytes:
    """The bytes of the regular file ``path``, at most ``cap`` of them.

    FIFOs, devices and directories are refused without blocking (a layout is untrusted
    input: ``blobs/sha256/<hex>`` could be a link to ``/dev/zero`` or a pipe); a positive
    ``expect_size`` must equal the file's size (IntegrityError), checked before reading.
    OSError (FileNotFoundError included) is left to the caller.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise FormatError(f"{label}: the {what} is not a regular file", input=label)
        if st.st_size > cap:
            raise TooLarge(f"{label}: {what} exceeds the {cap}-byte cap", limit=cap, input=label)
        if expect_size is not None and expect_size > 0 and st.st_size != expect_size:
            raise IntegrityError(
                f"{label}: descriptor says {expect_size} bytes, blob has {st.st_size}",
                input=label,
                hint="the descriptor pointing at this blob is wrong",
            )
        buf = bytearray()
        while chunk := fh.read(_CHUNK):
            buf += chunk
            if len(buf) > cap:  # the file grew while we read it
                raise TooLarge(
                    f"{label}: {what} exceeds the {cap}-byte cap", limit=cap, input=label
                )
    if expect_size is not None and expect_size > 0 and len(buf) != expect_size:
        raise IntegrityError(
            f"{label}: descriptor says {expect_size} bytes, blob has {len(buf)}",
            input=label,
            hint="the blob changed while it was read",
        )
    return bytes(buf)


def _sniff_media_type(data: bytes, digest: str) -> str:
    """Media type of a manifest found by digest only: its ``mediaType``, else by shape."""
    try:
        obj: Any = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"{digest}: not a manifest (invalid JSON: {exc})", input=digest) from exc
    if not isinstance(obj, dict):
        raise FormatError(f"{digest}: not a manifest (not a JSON object)", input=digest)
    declared = obj.get("mediaType")
    if isinstance(declared, str) and declared:
        return declared
    if "manifests" in obj:
        return mt.OCI_INDEX
    config = obj.get("config")
    if "layers" in obj or (isinstance(config, dict) and "digest" in config):
        return mt.OCI_MANIFEST  # an image config also has "config", but without a digest
    raise FormatError(
        f"{digest}: not a manifest or index (no mediaType, manifests, config or layers)",
        input=digest,
        hint="resolve manifests and indexes by digest; fetch other blobs with blob()",
    )


def _referrer_descriptor(desc: Descriptor, parsed: Index | Manifest) -> Descriptor:
    """A referrers-API style descriptor: artifactType and annotations from the manifest."""
    artifact_type = parsed.artifact_type
    if not artifact_type and isinstance(parsed, Manifest) and parsed.config is not None:
        artifact_type = parsed.config.media_type
    return dataclasses.replace(
        desc,
        media_type=desc.media_type or parsed.media_type,
        annotations=dict(parsed.annotations),
        platform=None,
        artifact_type=artifact_type,
    )
