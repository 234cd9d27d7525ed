"""The inspect model as Go-typed values: buildx's structs, field by field, for the template engine.

Types mirror what ``docker buildx imagetools inspect`` hands ``text/template`` (BUILDX.md §c):
``imagetools.tplInput`` / ``imagetools.tplInputs`` at the root, image-spec v1.1.1's
``v1.Descriptor``/``v1.Platform``/``v1.Image``, go-digest's ``digest.Digest`` and buildx's
``provenanceStub``/``sbomStub``, with Go field names, JSON tags and omitempty exactly as in
Go (so ``{{json .}}``, ``%T`` and error messages match).  Root fields are resolved on first
read (``.Image`` fetches configs only when touched); ``Provenance``/``SBOM`` are methods.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import OcitraceError
from ..oci.model import Descriptor, Platform
from ..template import (
    ANY,
    BOOL,
    ERROR,
    INT,
    INT64,
    STRING,
    TIME,
    UINT8,
    Field,
    Func,
    FuncType,
    GoError,
    Map,
    MapType,
    Ptr,
    PtrType,
    Slice,
    SliceType,
    Struct,
    StructType,
    Template,
    Time,
)
from ..template.gotypes import BasicType, Kind
from .gotime import GoTime
from .image import ConfigFile, History, ImageConfig, RootFS
from .inspection import IndexSummary, SBOMResult
from .model import TemplateModel

__all__ = [
    "DESCRIPTOR",
    "IMAGE",
    "INDEX_MANIFEST",
    "PLATFORM",
    "PROVENANCE_STUB",
    "SBOM_STUB",
    "reprint",
    "to_go_root",
]


def _sep_index(d: str) -> int:
    """go-digest's ``sepIndex``: a digest without ``:`` panics with this text."""
    i = d.find(":")
    if i < 0:
        raise ValueError(f"no ':' separator in digest {_go_quote(d)}")
    return i


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _validate_digest(d: str) -> GoError | None:
    """go-digest's ``Digest.Validate`` for the algorithms ocitrace knows."""
    i = d.find(":")
    if i <= 0 or i + 1 == len(d):
        return GoError("invalid checksum digest format")
    algorithm, encoded = d[:i], d[i + 1 :]
    size = _DIGEST_HEX_LENGTH.get(algorithm)
    if size is None:
        return GoError("unsupported digest algorithm")
    if len(encoded) != size or any(c not in "0123456789abcdef" for c in encoded):
        return GoError(
            "invalid checksum digest length"
            if len(encoded) != size
            else "invalid checksum digest format"
        )
    return None


_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}

ALGORITHM = BasicType("digest.Algorithm", Kind.STRING, {"String": Func(str, FuncType((), STRING))})
#: go-digest's ``digest.Digest``: a string type with the methods templates call on it.
DIGEST = BasicType(
    "digest.Digest",
    Kind.STRING,
    {
        "Algorithm": Func(lambda d: d[: _sep_index(d)], FuncType((), ALGORITHM)),
        "Encoded": Func(lambda d: d[_sep_index(d) + 1 :], FuncType((), STRING)),
        "Hex": Func(lambda d: d[_sep_index(d) + 1 :], FuncType((), STRING)),
        "String": Func(str, FuncType((), STRING)),
        "Validate": Func(_validate_digest, FuncType((), ERROR)),
    },
)
STRINGS = SliceType(STRING)
STRING_MAP = MapType(STRING, STRING)
EMPTY_STRUCT = StructType("", ())
TIME_PTR = PtrType(TIME)

PLATFORM = StructType(
    "v1.Platform",
    (
        Field("Architecture", STRING, "architecture"),
        Field("OS", STRING, "os"),
        Field("OSVersion", STRING, "os.version", omitempty=True),
        Field("OSFeatures", STRINGS, "os.features", omitempty=True),
        Field("Variant", STRING, "variant", omitempty=True),
    ),
)

DESCRIPTOR = StructType(
    "v1.Descriptor",
    (
        Field("MediaType", STRING, "mediaType"),
        Field("Digest", DIGEST, "digest"),
        Field("Size", INT64, "size"),
        Field("URLs", STRINGS, "urls", omitempty=True),
        Field("Annotations", STRING_MAP, "annotations", omitempty=True),
        Field("Data", SliceType(UINT8), "data", omitempty=True),
        Field("Platform", PtrType(PLATFORM), "platform", omitempty=True),
        Field("ArtifactType", STRING, "artifactType", omitempty=True),
    ),
)

# buildx's anonymous struct for an index (printers.go); %T prints it whole.
INDEX_MANIFEST = StructType(
    "",
    (
        Field("SchemaVersion", INT, "schemaVersion"),
        Field("MediaType", STRING, "mediaType", omitempty=True),
        Field("Digest", DIGEST, "digest"),
        Field("Size", INT64, "size"),
        Field("Manifests", SliceType(DESCRIPTOR), "manifests"),
        Field("Annotations", STRING_MAP, "annotations", omitempty=True),
    ),
)

IMAGE_CONFIG = StructType(
    "v1.ImageConfig",
    (
        Field("User", STRING, "User", omitempty=True),
        Field("ExposedPorts", MapType(STRING, EMPTY_STRUCT), "ExposedPorts", omitempty=True),
        Field("Env", STRINGS, "Env", omitempty=True),
        Field("Entrypoint", STRINGS, "Entrypoint", omitempty=True),
        Field("Cmd", STRINGS, "Cmd", omitempty=True),
        Field("Volumes", MapType(STRING, EMPTY_STRUCT), "Volumes", omitempty=True),
        Field("WorkingDir", STRING, "WorkingDir", omitempty=True),
        Field("Labels", STRING_MAP, "Labels", omitempty=True),
        Field("StopSignal", STRING, "StopSignal", omitempty=True),
        Field("ArgsEscaped", BOOL, "ArgsEscaped", omitempty=True),
    ),
)

ROOTFS = StructType(
    "v1.RootFS",
    (Field("Type", STRING, "type"), Field("DiffIDs", SliceType(DIGEST), "diff_ids")),
)

HISTORY = StructType(
    "v1.History",
    (
        Field("Created", TIME_PTR, "created", omitempty=True),
        Field("CreatedBy", STRING, "created_by", omitempty=True),
        Field("Author", STRING, "author", omitempty=True),
        Field("Comment", STRING, "comment", omitempty=True),
        Field("EmptyLayer", BOOL, "empty_layer", omitempty=True),
    ),
)

IMAGE = StructType(
    "v1.Image",
    (
        Field("Created", TIME_PTR, "created", omitempty=True),
        Field("Author", STRING, "author", omitempty=True),
        Field("Platform", PLATFORM, embedded=True),
        Field("Config", IMAGE_CONFIG, "config", omitempty=True),
        Field("RootFS", ROOTFS, "rootfs"),
        Field("History", SliceType(HISTORY), "history", omitempty=True),
    ),
)
IMAGE_PTR = PtrType(IMAGE)

PROVENANCE_STUB = StructType(
    "imagetools.provenanceStub", (Field("SLSA", ANY, "SLSA", omitempty=True),)
)
SBOM_STUB = StructType(
    "imagetools.sbomStub",
    (
        Field("SPDX", ANY, "SPDX", omitempty=True),
        Field("AdditionalSPDXs", SliceType(ANY), "AdditionalSPDXs", omitempty=True),
    ),
)

_RESULT_PTR = PtrType(StructType("imagetools.result", ()))


def _root_fields(image_type: Any) -> tuple[Field, ...]:
    return (
        Field("Name", STRING, "name", omitempty=True),
        Field("Manifest", ANY, "manifest", omitempty=True),
        Field("Image", image_type, "image", omitempty=True),
        Field("result", _RESULT_PTR),
    )


# --- values ---------------------------------------------------------------------------


def go_platform(p: Platform | None) -> Ptr:
    """``*v1.Platform`` (nil when the descriptor has none)."""
    if p is None:
        return Ptr(PLATFORM, None)
    return Ptr(
        PLATFORM,
        Struct(
            PLATFORM,
            {
                "Architecture": p.architecture,
                "OS": p.os,
                "OSVersion": p.os_version,
                "OSFeatures": Slice(STRING, list(p.os_features) or None),
                "Variant": p.variant,
            },
        ),
    )


def _data_bytes(data: str | None) -> Slice:
    if data is None:
        return Slice(UINT8, None)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    return Slice(UINT8, list(raw))


def go_descriptor(d: Descriptor) -> Struct:
    """``v1.Descriptor`` with every field."""
    return Struct(
        DESCRIPTOR,
        {
            "MediaType": d.media_type,
            "Digest": d.digest,
            "Size": d.size,
            "URLs": Slice(STRING, list(d.urls) or None),
            "Annotations": Map(STRING, STRING, dict(d.annotations) or None),
            "Data": _data_bytes(d.data),
            "Platform": go_platform(d.platform),
            "ArtifactType": d.artifact_type,
        },
    )


def go_manifest(value: Descriptor | IndexSummary) -> Struct:
    """``.Manifest``: the descriptor, or buildx's anonymous index struct."""
    if isinstance(value, Descriptor):
        return go_descriptor(value)
    manifests = None if value.manifests is None else [go_descriptor(d) for d in value.manifests]
    return Struct(
        INDEX_MANIFEST,
        {
            "SchemaVersion": value.schema_version,
            "MediaType": value.media_type,
            "Digest": value.digest,
            "Size": value.size,
            "Manifests": Slice(DESCRIPTOR, manifests),
            "Annotations": Map(
                STRING, STRING, None if value.annotations is None else dict(value.annotations)
            ),
        },
    )


def go_time(ts: GoTime) -> Time:
    """A ``time.Time`` printing its zone as Go would on this machine (local name or offset)."""
    tz = timezone(timedelta(seconds=ts.offset_seconds))
    dt = datetime(
        ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second, ts.nanosecond // 1000, tzinfo=tz
    )
    if ts.utc_designator:
        return Time(dt, ts.nanosecond, "UTC")
    return Time(dt, ts.nanosecond, _zone_name(dt, ts.offset_seconds))


def _zone_name(dt: datetime, offset: int) -> str:
    """Go keeps the Local zone when its offset at that instant matches; else a fixed zone."""
    try:
        local = dt.astimezone()
    except (OverflowError, OSError, ValueError):
        local = None
    if local is not None and local.utcoffset() == timedelta(seconds=offset):
        name = local.tzname()
        if name:
            return name
    sign = "-" if offset < 0 else "+"
    minutes = abs(offset) // 60
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _time_ptr(ts: GoTime | None) -> Ptr:
    return Ptr(TIME, None if ts is None else go_time(ts))


def _strings(items: tuple[str, ...] | None) -> Slice:
    return Slice(STRING, None if items is None else list(items))


def _set(keys: tuple[str, ...] | None) -> Map:
    return Map(
        STRING, EMPTY_STRUCT, None if keys is None else {k: Struct(EMPTY_STRUCT) for k in keys}
    )


def go_config(c: ImageConfig) -> Struct:
    return Struct(
        IMAGE_CONFIG,
        {
            "User": c.user,
            "ExposedPorts": _set(c.exposed_ports),
            "Env": _strings(c.env),
            "Entrypoint": _strings(c.entrypoint),
            "Cmd": _strings(c.cmd),
            "Volumes": _set(c.volumes),
            "WorkingDir": c.working_dir,
            "Labels": Map(STRING, STRING, None if c.labels is None else dict(c.labels)),
            "StopSignal": c.stop_signal,
            "ArgsEscaped": c.args_escaped,
        },
    )


def _rootfs(r: RootFS) -> Struct:
    return Struct(
        ROOTFS,
        {
            "Type": r.type,
            "DiffIDs": Slice(DIGEST, None if r.diff_ids is None else list(r.diff_ids)),
        },
    )


def _history(h: History) -> Struct:
    return Struct(
        HISTORY,
        {
            "Created": _time_ptr(h.created),
            "CreatedBy": h.created_by,
            "Author": h.author,
            "Comment": h.comment,
            "EmptyLayer": h.empty_layer,
        },
    )


def go_image(img: ConfigFile | None) -> Ptr:
    """``*v1.Image`` (nil for no config)."""
    if img is None:
        return Ptr(IMAGE, None)
    platform = Struct(
        PLATFORM,
        {
            "Architecture": img.architecture,
            "OS": img.os,
            "OSVersion": img.os_version,
            "OSFeatures": _strings(img.os_features),
            "Variant": img.variant,
        },
    )
    history = None if img.history is None else [_history(h) for h in img.history]
    return Ptr(
        IMAGE,
        Struct(
            IMAGE,
            {
                "Created": _time_ptr(img.created),
                "Author": img.author,
                "Platform": platform,
                "Config": go_config(img.config),
                "RootFS": _rootfs(img.rootfs),
                "History": Slice(HISTORY, history),
            },
        ),
    )


def go_provenance(predicate: Any) -> Struct:
    """``provenanceStub{SLSA}``; the predicate stays generic JSON (numbers are float64)."""
    return Struct(PROVENANCE_STUB, {"SLSA": predicate})


def go_sbom(result: SBOMResult) -> Struct:
    """``sbomStub{SPDX, AdditionalSPDXs}`` (a nil slice when there are no extra documents)."""
    extra = list(result.additional) or None
    return Struct(SBOM_STUB, {"SPDX": result.spdx, "AdditionalSPDXs": Slice(ANY, extra)})


# --- the root -------------------------------------------------------------------------


class _LazyFields(Mapping[str, Any]):
    """Root field values computed on first read, so untouched fields cost no requests."""

    def __init__(self, model: TemplateModel) -> None:
        self._model = model
        self._cache: dict[str, Any] = {}

    def _compute(self, name: str) -> Any:
        m = self._model
        if name == "Name":
            return m.Name
        if name == "Manifest":
            return go_manifest(m.Manifest)
        if name == "Image":
            image = m.Image
            if isinstance(image, dict):
                return Map(STRING, IMAGE_PTR, {k: go_image(v) for k, v in image.items()})
            return go_image(image)
        if name == "result":
            return Ptr(_RESULT_PTR.elem, None)
        raise KeyError(name)

    def __getitem__(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._compute(name)
        return self._cache[name]

    def __contains__(self, name: object) -> bool:
        return name in ("Name", "Manifest", "Image", "result")

    def __iter__(self) -> Iterator[str]:
        return iter(("Name", "Manifest", "Image", "result"))

    def __len__(self) -> int:
        return 4


def _provenance(model: TemplateModel) -> Any:
    try:
        value = model.Provenance()
    except OcitraceError as exc:
        raise GoError(str(exc)) from exc
    if model.ins.is_multi():
        return Map(STRING, PROVENANCE_STUB, {k: go_provenance(v) for k, v in value.items()})
    return go_provenance(value)


def _sbom(model: TemplateModel) -> Any:
    try:
        value = model.SBOM()
    except OcitraceError as exc:
        raise GoError(str(exc)) from exc
    if isinstance(value, dict):
        return Map(STRING, SBOM_STUB, {k: go_sbom(v) for k, v in value.items()})
    return go_sbom(value)


def to_go_root(model: TemplateModel) -> Struct:
    """``imagetools.tplInput`` (single) or ``imagetools.tplInputs`` (multi) over ``model``."""
    multi = model.ins.is_multi()
    image_type = MapType(STRING, IMAGE_PTR) if multi else IMAGE_PTR
    root = StructType(
        model.go_type_name,
        _root_fields(image_type),
        {
            "Provenance": lambda _recv: _provenance(model),
            "SBOM": lambda _recv: _sbom(model),
        },
    )
    return Struct(root, _LazyFields(model))


def reprint(tpl: Template) -> str:
    """Go's ``tpl.Root.String()``: the parsed tree printed back (buildx compares it)."""
    return str(tpl)
