"""An image config decoded the way buildx does: into image-spec v1.1.1's ``Image`` struct.

Go's ``encoding/json`` keeps only the struct's fields (so Docker-only keys such as
``Healthcheck``, ``OnBuild`` or ``container_config`` vanish), matches keys
case-insensitively when no exact key exists, and parses times as RFC 3339.  The result
re-serialises in struct order (:func:`image_json`), which is what ``{{json .Image}}`` shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import FormatError
from .gotime import GoTime, parse_rfc3339
from .jsondoc import loads

__all__ = ["ConfigFile", "History", "ImageConfig", "RootFS", "decode_image"]


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """``v1.ImageConfig`` (nil maps/slices are None)."""

    user: str = ""
    exposed_ports: tuple[str, ...] | None = None  # map[string]struct{}: keys only
    env: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    volumes: tuple[str, ...] | None = None
    working_dir: str = ""
    labels: Mapping[str, str] | None = None
    stop_signal: str = ""
    args_escaped: bool = False


@dataclass(frozen=True, slots=True)
class RootFS:
    """``v1.RootFS``."""

    type: str = ""
    diff_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class History:
    """``v1.History``."""

    created: GoTime | None = None
    created_by: str = ""
    author: str = ""
    comment: str = ""
    empty_layer: bool = False


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """``v1.Image`` with its embedded ``Platform`` flattened."""

    created: GoTime | None = None
    author: str = ""
    architecture: str = ""
    os: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] | None = None
    variant: str = ""
    config: ImageConfig = ImageConfig()
    rootfs: RootFS = RootFS()
    history: tuple[History, ...] | None = None


def decode_image(raw: bytes, digest: str = "") -> ConfigFile | None:
    """Decode a config blob; None for a JSON ``null`` (Go leaves the pointer nil).

    ``digest`` names the blob in errors (FormatError, deep nesting included).
    """
    obj = loads(raw, f"image config {digest}".rstrip())
    if obj is None:
        return None
    top = _obj(obj, "v1.Image")
    plat = top  # embedded struct: its fields live at the top level
    return ConfigFile(
        created=_time(_get(top, "created"), "Image.created"),
        author=_str(_get(top, "author"), "Image.author"),
        architecture=_str(_get(plat, "architecture"), "Image.architecture"),
        os=_str(_get(plat, "os"), "Image.os"),
        os_version=_str(_get(plat, "os.version"), "Image.os.version"),
        os_features=_strs(_get(plat, "os.features"), "Image.os.features"),
        variant=_str(_get(plat, "variant"), "Image.variant"),
        config=_config(_get(top, "config")),
        rootfs=_rootfs(_get(top, "rootfs")),
        history=_history(_get(top, "history")),
    )


def _config(v: Any) -> ImageConfig:
    if v is None:
        return ImageConfig()
    o = _obj(v, "Image.config")
    return ImageConfig(
        user=_str(_get(o, "User"), "Image.config.User"),
        exposed_ports=_set(_get(o, "ExposedPorts"), "Image.config.ExposedPorts"),
        env=_strs(_get(o, "Env"), "Image.config.Env"),
        entrypoint=_strs(_get(o, "Entrypoint"), "Image.config.Entrypoint"),
        cmd=_strs(_get(o, "Cmd"), "Image.config.Cmd"),
        volumes=_set(_get(o, "Volumes"), "Image.config.Volumes"),
        working_dir=_str(_get(o, "WorkingDir"), "Image.config.WorkingDir"),
        labels=_labels(_get(o, "Labels")),
        stop_signal=_str(_get(o, "StopSignal"), "Image.config.StopSignal"),
        args_escaped=_bool(_get(o, "ArgsEscaped"), "Image.config.ArgsEscaped"),
    )


def _rootfs(v: Any) -> RootFS:
    if v is None:
        return RootFS()
    o = _obj(v, "Image.rootfs")
    return RootFS(
        type=_str(_get(o, "type"), "Image.rootfs.type"),
        diff_ids=_strs(_get(o, "diff_ids"), "Image.rootfs.diff_ids"),
    )


def _history(v: Any) -> tuple[History, ...] | None:
    if v is None:
        return None
    if not isinstance(v, list):
        raise _type_error(v, "Image.history", "[]v1.History")
    out = []
    for item in v:
        if item is None:
            out.append(History())
            continue
        o = _obj(item, "Image.history")
        out.append(
            History(
                created=_time(_get(o, "created"), "Image.history.created"),
                created_by=_str(_get(o, "created_by"), "Image.history.created_by"),
                author=_str(_get(o, "author"), "Image.history.author"),
                comment=_str(_get(o, "comment"), "Image.history.comment"),
                empty_layer=_bool(_get(o, "empty_layer"), "Image.history.empty_layer"),
            )
        )
    return tuple(out)


# --- Go encoding/json decoding rules for the few kinds used above ---------------------


def _get(obj: Mapping[str, Any], key: str) -> Any:
    """Exact key, else the last key equal under Unicode case folding (Go's rule)."""
    if key in obj:
        return obj[key]
    found = None
    for k, v in obj.items():
        if k.casefold() == key.casefold():
            found = v
    return found


def _go_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _type_error(v: Any, field: str, go_type: str) -> FormatError:
    return FormatError(
        f"json: cannot unmarshal {_go_kind(v)} into Go struct field {field} of type {go_type}"
    )


def _obj(v: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(v, dict):
        raise _type_error(v, field, "struct")
    return v


def _str(v: Any, field: str) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise _type_error(v, field, "string")
    return v


def _bool(v: Any, field: str) -> bool:
    if v is None:
        return False
    if not isinstance(v, bool):
        raise _type_error(v, field, "bool")
    return v


def _strs(v: Any, field: str) -> tuple[str, ...] | None:
    if v is None:
        return None
    if not isinstance(v, list):
        raise _type_error(v, field, "[]string")
    return tuple(_str(x, field) for x in v)


def _set(v: Any, field: str) -> tuple[str, ...] | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        raise _type_error(v, field, "map[string]struct {}")
    return tuple(v)


def _labels(v: Any) -> Mapping[str, str] | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        raise _type_error(v, "Image.config.Labels", "map[string]string")
    return {k: _str(x, "Image.config.Labels") for k, x in v.items()}


def _time(v: Any, field: str) -> GoTime | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise _type_error(v, field, "time.Time")
    return parse_rfc3339(v)
