"""Frozen OCI data model parsed from raw bytes; the raw bytes are kept beside.

Parsing never re-serialises: ``Index.raw`` / ``Manifest.raw`` are exactly the bytes that
were fetched, so they can be printed (``--raw``) and hashed.

Malformed input is a :class:`~ocitrace.errors.FormatError` naming what was parsed: the
caller that knows the blob passes its descriptor (and where it came from) to the parse
function, and :func:`blob_label` / :func:`naming` put ``index sha256:… of REPO: `` in
front of every message raised below — the one mechanism ``oci/`` and ``attest/`` callers
share (``naming(blob_label(layer, where))`` around a decoder).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import FormatError
from . import mediatypes as mt


def blob_label(desc: Descriptor | None, where: str = "", *, kind: str = "") -> str:
    """How errors name a blob: ``KIND DIGEST (MEDIA TYPE) of WHERE``.

    ``kind`` defaults to the media type's class (``index``, ``manifest``, else ``blob``
    followed by the media type in parentheses); "" when there is nothing to name.
    """
    if desc is None:
        return f"{kind} of {where}" if kind and where else kind
    if not kind:
        if mt.is_index(desc.media_type):
            kind = "index"
        elif mt.is_manifest(desc.media_type):
            kind = "manifest"
        else:
            kind = "blob"
    label = f"{kind} {desc.digest}".strip()
    if desc.media_type and kind not in ("index", "manifest"):
        label += f" ({desc.media_type})"
    return f"{label} of {where}" if where else label


@contextmanager
def naming(label: str) -> Iterator[None]:
    """Prefix every :class:`~ocitrace.errors.FormatError` raised inside with ``label: ``
    (once: a message already starting with it is left alone); ``input`` becomes the label
    when it was unset.  An empty label changes nothing."""
    try:
        yield
    except FormatError as exc:
        if not label or exc.message.startswith(label):
            raise
        raise FormatError(
            f"{label}: {exc.message}", input=exc.input or label, hint=exc.hint or None
        ) from exc


def _str(obj: Mapping[str, Any], key: str, what: str) -> str:
    """A string field (absent or null: ""); any other JSON type is a FormatError."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FormatError(f"{what}: {key} is not a string")
    return _text(value, key, what)


def _text(value: str, key: str, what: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate from a \udXXX escape
        raise FormatError(f"{what}: {key} is not valid Unicode text") from exc
    return value


def _int(obj: Mapping[str, Any], key: str, what: str) -> int:
    """A non-negative integer field (absent or null: 0) that fits in an int64."""
    value = obj.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError(f"{what}: {key} is not an integer")
    if not 0 <= value < 2**63:
        raise FormatError(f"{what}: {key} is out of range")
    return value


def _list(obj: Mapping[str, Any], key: str, what: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(f"{what}: {key} is not a list")
    return value


def _strings(obj: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
    items = _list(obj, key, what)
    if not all(isinstance(i, str) for i in items):
        raise FormatError(f"{what}: {key} is not a list of strings")
    return tuple(_text(i, key, what) for i in items)


def _annotations(obj: Mapping[str, Any], what: str) -> dict[str, str]:
    value = obj.get("annotations")
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise FormatError(f"{what}: annotations is not a map of strings")
    return {
        _text(str(k), "annotations", what): _text(v, "annotations", what) for k, v in value.items()
    }


@dataclass(frozen=True, slots=True)
class Platform:
    """An image platform as written in a descriptor or config (not normalised)."""

    os: str = ""
    architecture: str = ""
    variant: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Platform:
        what = "platform"
        return cls(
            os=_str(obj, "os", what),
            architecture=_str(obj, "architecture", what),
            variant=_str(obj, "variant", what),
            os_version=_str(obj, "os.version", what),
            os_features=_strings(obj, "os.features", what),
        )

    def __str__(self) -> str:
        """``os/arch[/variant]`` exactly as written (use oci.platform.normalize to normalise)."""
        s = f"{self.os or 'unknown'}/{self.architecture}"
        return f"{s}/{self.variant}" if self.variant else s


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI content descriptor. ``extra`` keeps unknown JSON keys."""

    media_type: str
    digest: str
    size: int
    urls: tuple[str, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    data: str | None = None  # base64 as written
    platform: Platform | None = None
    artifact_type: str = ""

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Descriptor:
        if not isinstance(obj, Mapping):
            raise FormatError(f"descriptor is not a JSON object: {obj!r:.80}")
        what = "descriptor"
        plat = obj.get("platform")
        if plat is not None and not isinstance(plat, Mapping):
            raise FormatError("descriptor: platform is not a JSON object")
        if not isinstance(obj.get("digest"), str):
            raise FormatError("invalid descriptor: digest is missing or not a string")
        data = obj.get("data")
        if data is not None and not isinstance(data, str):
            raise FormatError("descriptor: data is not a string")
        return cls(
            media_type=_str(obj, "mediaType", what),
            digest=_str(obj, "digest", what),
            size=_int(obj, "size", what),
            urls=_strings(obj, "urls", what),
            annotations=_annotations(obj, what),
            data=data,
            platform=Platform.from_json(plat) if plat is not None else None,
            artifact_type=_str(obj, "artifactType", what),
        )

    def to_json(self) -> dict[str, Any]:
        """Descriptor as JSON in image-spec struct order (omitempty rules applied)."""
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.urls:
            out["urls"] = list(self.urls)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.data is not None:
            out["data"] = self.data
        if self.platform is not None:
            p: dict[str, Any] = {
                "architecture": self.platform.architecture,
                "os": self.platform.os,
            }
            if self.platform.os_version:
                p["os.version"] = self.platform.os_version
            if self.platform.os_features:
                p["os.features"] = list(self.platform.os_features)
            if self.platform.variant:
                p["variant"] = self.platform.variant
            out["platform"] = p
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        return out


def _subject(obj: Mapping[str, Any]) -> Descriptor | None:
    subj = obj.get("subject")
    if subj is None:
        return None
    with naming("subject"):
        return Descriptor.from_json(subj)


def _load(raw: bytes, what: str) -> dict[str, Any]:
    """JSON object from bytes.  Numbers that are not finite (``NaN``, ``1e999``) or have more
    digits than Python converts, and nesting deeper than the decoder recurses, are
    FormatErrors, as is anything but an object at the top."""
    try:
        obj = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise FormatError(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise FormatError(f"{what} is not a JSON object")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text:.40}")
    return value


@dataclass(frozen=True, slots=True)
class Index:
    """An OCI image index or Docker manifest list."""

    raw: bytes
    media_type: str  # from the body ("" when absent)
    schema_version: int
    manifests: tuple[Descriptor, ...]
    annotations: Mapping[str, str]
    artifact_type: str = ""
    subject: Descriptor | None = None

    @classmethod
    def parse(cls, raw: bytes, *, desc: Descriptor | None = None, where: str = "") -> Index:
        """Parse an index; ``desc`` (its descriptor) and ``where`` (the repository or
        layout) name it in every FormatError (:func:`blob_label`)."""
        what = blob_label(desc, where, kind="index")
        with naming(what):
            obj = _load(raw, what)
            return cls(
                raw=raw,
                media_type=_str(obj, "mediaType", what),
                schema_version=_int(obj, "schemaVersion", what),
                manifests=_descriptors(obj, "manifests", what),
                annotations=_annotations(obj, what),
                artifact_type=_str(obj, "artifactType", what),
                subject=_subject(obj),
            )


@dataclass(frozen=True, slots=True)
class Manifest:
    """An OCI image manifest, Docker v2 manifest or (withdrawn) OCI artifact manifest."""

    raw: bytes
    media_type: str
    schema_version: int
    config: Descriptor | None
    layers: tuple[Descriptor, ...]
    annotations: Mapping[str, str]
    artifact_type: str = ""
    subject: Descriptor | None = None

    @classmethod
    def parse(cls, raw: bytes, *, desc: Descriptor | None = None, where: str = "") -> Manifest:
        """Parse a manifest; ``desc`` and ``where`` name it in every FormatError."""
        what = blob_label(desc, where, kind="manifest")
        with naming(what):
            obj = _load(raw, what)
            cfg = obj.get("config")
            if cfg is not None and not isinstance(cfg, Mapping):
                raise FormatError(f"{what}: config is not a JSON object")
            # the withdrawn artifact manifest calls its layers "blobs"
            key = "layers" if "layers" in obj else "blobs"
            with naming(f"{what}: config"):
                config = Descriptor.from_json(cfg) if cfg is not None else None
            return cls(
                raw=raw,
                media_type=_str(obj, "mediaType", what),
                schema_version=_int(obj, "schemaVersion", what),
                config=config,
                layers=_descriptors(obj, key, what),
                annotations=_annotations(obj, what),
                artifact_type=_str(obj, "artifactType", what),
                subject=_subject(obj),
            )


def _descriptors(obj: Mapping[str, Any], key: str, what: str) -> tuple[Descriptor, ...]:
    """The descriptor list ``key``; an error names the entry (``manifests[3]``)."""
    out = []
    for n, d in enumerate(_list(obj, key, what)):
        with naming(f"{what}: {key}[{n}]"):
            out.append(Descriptor.from_json(d))
    return tuple(out)


def parse_manifest_or_index(
    raw: bytes, media_type: str, *, desc: Descriptor | None = None, where: str = ""
) -> Index | Manifest:
    """Parse by media type (from Content-Type / descriptor), falling back to the body;
    ``desc`` and ``where`` name the blob in every FormatError."""
    what = blob_label(desc, where, kind="manifest")
    if not media_type:
        with naming(what):
            media_type = _str(_load(raw, what), "mediaType", what)
    if mt.is_index(media_type):
        return Index.parse(raw, desc=desc, where=where)
    if mt.is_manifest(media_type):
        return Manifest.parse(raw, desc=desc, where=where)
    obj = _load(raw, what)
    if "manifests" in obj:
        return Index.parse(raw, desc=desc, where=where)
    if "layers" in obj or "config" in obj:
        return Manifest.parse(raw, desc=desc, where=where)
    raise FormatError(f"{what}: unsupported manifest media type {media_type!r}", input=what)
