"""Frozen OCI data model parsed from raw bytes; the raw bytes are kept beside.

Parsing never re-serialises: ``Index.raw`` / ``Manifest.raw`` are exactly the bytes that
were fetched, so they can be printed (``--raw``) and hashed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import FormatError
from . import mediatypes as mt


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
        return cls(
            os=str(obj.get("os", "") or ""),
            architecture=str(obj.get("architecture", "") or ""),
            variant=str(obj.get("variant", "") or ""),
            os_version=str(obj.get("os.version", "") or ""),
            os_features=tuple(str(f) for f in (obj.get("os.features") or ())),
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
        try:
            plat = obj.get("platform")
            return cls(
                media_type=str(obj.get("mediaType", "") or ""),
                digest=str(obj["digest"]),
                size=int(obj.get("size", 0) or 0),
                urls=tuple(str(u) for u in (obj.get("urls") or ())),
                annotations={str(k): str(v) for k, v in (obj.get("annotations") or {}).items()},
                data=obj.get("data"),
                platform=Platform.from_json(plat) if isinstance(plat, Mapping) else None,
                artifact_type=str(obj.get("artifactType", "") or ""),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatError(f"invalid descriptor: {exc}") from exc

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


def _load(raw: bytes, what: str) -> dict[str, Any]:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise FormatError(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise FormatError(f"{what} is not a JSON object")
    return obj


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
    def parse(cls, raw: bytes) -> Index:
        obj = _load(raw, "index")
        subj = obj.get("subject")
        return cls(
            raw=raw,
            media_type=str(obj.get("mediaType", "") or ""),
            schema_version=int(obj.get("schemaVersion", 0) or 0),
            manifests=tuple(Descriptor.from_json(d) for d in (obj.get("manifests") or ())),
            annotations={str(k): str(v) for k, v in (obj.get("annotations") or {}).items()},
            artifact_type=str(obj.get("artifactType", "") or ""),
            subject=Descriptor.from_json(subj) if isinstance(subj, Mapping) else None,
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
    def parse(cls, raw: bytes) -> Manifest:
        obj = _load(raw, "manifest")
        cfg = obj.get("config")
        subj = obj.get("subject")
        # the withdrawn artifact manifest calls its layers "blobs"
        layers = obj.get("layers") if "layers" in obj else obj.get("blobs")
        return cls(
            raw=raw,
            media_type=str(obj.get("mediaType", "") or ""),
            schema_version=int(obj.get("schemaVersion", 0) or 0),
            config=Descriptor.from_json(cfg) if isinstance(cfg, Mapping) else None,
            layers=tuple(Descriptor.from_json(d) for d in (layers or ())),
            annotations={str(k): str(v) for k, v in (obj.get("annotations") or {}).items()},
            artifact_type=str(obj.get("artifactType", "") or ""),
            subject=Descriptor.from_json(subj) if isinstance(subj, Mapping) else None,
        )


def parse_manifest_or_index(raw: bytes, media_type: str) -> Index | Manifest:
    """Parse by media type (from Content-Type / descriptor), falling back to the body."""
    if not media_type:
        media_type = str(_load(raw, "manifest").get("mediaType", ""))
    if mt.is_index(media_type):
        return Index.parse(raw)
    if mt.is_manifest(media_type):
        return Manifest.parse(raw)
    obj = _load(raw, "manifest")
    if "manifests" in obj:
        return Index.parse(raw)
    if "layers" in obj or "config" in obj:
        return Manifest.parse(raw)
    raise FormatError(f"unsupported manifest media type {media_type!r}")
