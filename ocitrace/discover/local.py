"""Attestations from local files: for registries that keep them elsewhere.

GitHub's attestation store (``gh attestation download`` writes one Sigstore bundle per
line, ``<digest>.jsonl``), Artifact Analysis and release assets (``*.intoto.jsonl`` DSSE
envelopes of slsa-github-generator) hold attestations no registry lookup finds.
:func:`read_attestation_file` reads such a file — a Sigstore bundle, a DSSE envelope, a
plain in-toto statement, JSON lines of any of those, or GitHub's API answer
``{"attestations": [{"bundle": …}]}`` — into :class:`~ocitrace.discover.model.Attestation`
items (store ``file``); :func:`local_discovery` checks them against the digest of the
reference they are meant for and returns a :class:`~ocitrace.discover.model.Discovery`,
so ``provenance``/``sbom`` selection and verification work on it unchanged.
Signatures are counted, never verified here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..attest.envelope import (
    DSSE_MEDIA_TYPE,
    INTOTO_MEDIA_TYPE,
    SIGSTORE_BUNDLE_PREFIX,
)
from ..errors import ConfigError, FormatError
from ..layout import read_regular_file
from ..oci.model import Descriptor
from .decode import decode_layer
from .layers import LayerKind
from .model import (
    INDEX_LEVEL,
    Attestation,
    Check,
    Discovery,
    Finding,
    Kind,
    PlatformImage,
    Severity,
    Store,
)

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "LocalFile",
    "local_discovery",
    "read_attestation_file",
    "read_attestation_path",
    "read_local_files",
    "with_local_files",
]

DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024
_BUNDLE_MEDIA_TYPE = SIGSTORE_BUNDLE_PREFIX + ".v0.3+json"


@dataclass(frozen=True, slots=True)
class LocalFile:
    """One local attestation file and the items read from it (in file order)."""

    path: str
    items: tuple[Attestation, ...]


def read_local_files(
    paths: Iterable[str | os.PathLike[str]], *, max_size: int = DEFAULT_MAX_FILE_SIZE
) -> tuple[LocalFile, ...]:
    """Every file of ``paths`` read with :func:`read_attestation_path`, in order; the first
    unreadable or malformed one raises (before anything is looked up)."""
    out = []
    for path in paths:
        name = os.fspath(path)
        out.append(LocalFile(name, read_attestation_path(name, max_size=max_size)))
    return tuple(out)


def read_attestation_path(
    path: str | os.PathLike[str], *, max_size: int = DEFAULT_MAX_FILE_SIZE
) -> tuple[Attestation, ...]:
    """:func:`read_attestation_file` on a regular file (capped; pipes/devices refused).

    A missing or unreadable file is a :class:`~ocitrace.errors.ConfigError` (exit 2), a
    file whose content is not an attestation a :class:`~ocitrace.errors.FormatError`
    (exit 7); both name the file.
    """
    p = Path(path)
    hint = "give a file that gh attestation download, cosign or slsa-github-generator wrote"
    try:
        data = read_regular_file(p, max_size, label=str(p), what="attestation file")
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: no such file", input=str(p), hint=hint) from exc
    except OSError as exc:
        raise ConfigError(
            f"{p}: cannot read the attestation file: {exc.strerror or exc}",
            input=str(p),
            hint=hint,
        ) from exc
    return read_attestation_file(data, name=str(p))


def read_attestation_file(
    data: bytes, *, name: str = "attestation file"
) -> tuple[Attestation, ...]:
    """Every document in ``data``: one JSON document, or JSON lines (blank lines skipped).

    Each document is a Sigstore bundle, a DSSE envelope, a plain in-toto statement, or
    GitHub's ``{"attestations": [{"bundle": …}]}``; FormatError naming the file (and line)
    for anything else, or for a file with no document at all.
    """
    docs = list(_documents(data, name))
    if not docs:
        raise FormatError(f"{name}: no attestation in the file", input=name)
    items: list[Attestation] = []
    for where, raw in docs:
        items.append(_item(raw, where))
    return tuple(items)


def local_discovery(
    items: Sequence[Attestation], top: Descriptor, images: Iterable[PlatformImage] = ()
) -> Discovery:
    """A discovery of ``items`` read for the reference resolved to ``top``.

    Items are attached to ``top`` (index level when it is an index with ``images``); one
    whose subjects name ``top`` or one of ``images`` is attached to that image.  A
    statement that names neither gets a ``subject-mismatch`` warning: the file was not
    made for this image (or names it only by another digest algorithm).
    """
    imgs = tuple(images)
    platform_of = {i.digest: i.platform for i in imgs}
    is_index = bool(imgs) and top.digest not in platform_of
    out: list[Attestation] = []
    findings: list[Finding] = []
    for a in items:
        named = next((s for s in a.subjects if s == top.digest or s in platform_of), "")
        target = named or top.digest
        platform = platform_of.get(target, INDEX_LEVEL if is_index else _single(imgs))
        out.append(_attach(a, target, platform))
        if a.kind is Kind.ATTESTATION and a.subjects and not named:
            alg = top.digest.split(":", 1)[0] + ":"
            comparable = any(s.startswith(alg) for s in a.subjects)
            why = "" if comparable else f" (no {alg[:-1]} subject: none can name the image)"
            findings.append(
                Finding(
                    "subject-mismatch",
                    Severity.WARNING,
                    f"{a.predicate_type or 'statement'} in {a.found_via} names subject "
                    f"{', '.join(a.subjects)}, not {top.digest}{why}",
                    a.layer.digest,
                )
            )
    return Discovery(top, imgs or (), tuple(out), (), tuple(findings), is_index)


def with_local_files(
    found: Discovery, files: Sequence[LocalFile], all_images: Iterable[PlatformImage] = ()
) -> Discovery:
    """``found`` plus the items of ``files`` (after the registry's, store ``file``).

    Items are checked against ``found.top`` and attached with :func:`local_discovery`;
    ``all_images`` (default ``found.images``) are every platform image of the reference,
    so an item naming an image left out by a platform filter is dropped, not reported
    as a mismatch.  One ``checked`` entry per file says how many items it held.
    """
    if not files:
        return found
    imgs = tuple(all_images) or found.images
    selected = {i.platform for i in found.images} | {INDEX_LEVEL}
    local = local_discovery([a for f in files for a in f.items], found.top, imgs)
    items = tuple(a for a in local.attestations if a.platform in selected)
    checks = tuple(
        Check(found.top.digest, f"file {f.path}", f"{len(f.items)} item(s)") for f in files
    )
    return Discovery(
        found.top,
        found.images,
        found.attestations + items,
        found.checked + checks,
        found.findings + local.findings,
        found.is_index,
    )


def _single(imgs: tuple[PlatformImage, ...]) -> str:
    return imgs[0].platform if len(imgs) == 1 else INDEX_LEVEL


def _attach(a: Attestation, target: str, platform: str) -> Attestation:
    import dataclasses

    return dataclasses.replace(a, attached_to=target, platform=platform)


def _documents(data: bytes, name: str) -> Iterable[tuple[str, bytes]]:
    try:
        text = data.decode("utf-8-sig", errors="strict") if data else ""
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{name}: not UTF-8 text (byte {exc.start}): not an attestation file", input=name
        ) from exc
    stripped = text.strip()
    if not stripped:
        return
    try:
        whole = json.loads(stripped)
    except ValueError:
        whole = None
    except RecursionError as exc:
        raise FormatError(f"{name}: nested too deeply to decode", input=name) from exc
    if isinstance(whole, dict):
        listed = whole.get("attestations")
        if isinstance(listed, list) and "payload" not in whole and "_type" not in whole:
            for n, entry in enumerate(listed, 1):
                bundle = entry.get("bundle") if isinstance(entry, dict) else None
                if not isinstance(bundle, dict):
                    raise FormatError(f"{name}: attestations[{n - 1}] has no bundle", input=name)
                yield f"{name} attestation {n}", json.dumps(bundle).encode()
            return
        yield name, stripped.encode()
        return
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield f"{name} line {n}", line.strip().encode()


def _item(raw: bytes, where: str) -> Attestation:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"{where}: not JSON: {exc}", input=where) from exc
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: not a JSON object", input=where)
    if "dsseEnvelope" in obj or "messageSignature" in obj:
        media_type = str(obj.get("mediaType") or _BUNDLE_MEDIA_TYPE)
        if not media_type.startswith(SIGSTORE_BUNDLE_PREFIX):
            media_type = _BUNDLE_MEDIA_TYPE
        kind = LayerKind.BUNDLE
    elif "payload" in obj and "payloadType" in obj:
        media_type, kind = DSSE_MEDIA_TYPE, LayerKind.DSSE
    elif "_type" in obj and "predicateType" in obj:
        media_type, kind = INTOTO_MEDIA_TYPE, LayerKind.STATEMENT
    else:
        raise FormatError(
            f"{where}: not a Sigstore bundle, DSSE envelope or in-toto statement",
            input=where,
            hint="give what gh attestation download, cosign or slsa-github-generator wrote",
        )
    import hashlib

    layer = Descriptor(media_type, "sha256:" + hashlib.sha256(raw).hexdigest(), len(raw))
    dec = decode_layer(kind, raw, media_type, {})
    if dec.error:
        raise FormatError(f"{where}: {dec.error}", input=where)
    subjects = dec.subjects
    return Attestation(
        store=Store.FILE,
        kind=Kind.SIGNATURE if dec.message_signature else Kind.ATTESTATION,
        manifest_digest="",
        attached_to="",
        platform=INDEX_LEVEL,
        layer=layer,
        media_type=media_type,
        predicate_type=dec.predicate_type,
        subjects=subjects,
        envelope=dec.envelope,
        signatures=dec.signatures,
        found_via=where,
        data=raw,
        statement_bytes=dec.statement_bytes,
        statement=dec.statement,
    )
