"""The image config, read once for everyone: config → platform, created time, labels.

Inspect (buildx's ``readPlatformFromConfig``), discovery (a manifest without a platform
in its descriptor), the audit (build date, labels) and ``digest --platform`` on a single
manifest all read the same few fields the same way: Go's ``encoding/json`` field match
(exact key, else the last case-insensitive one), every failure one
:class:`~ocitrace.errors.FormatError` naming the blob.  Pure: bytes in, frozen value out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import FormatError
from .model import Platform

__all__ = ["ConfigSummary", "go_field", "loads", "parse_config", "parse_created"]

_HINT = "the blob is corrupt or not the document its media type claims"


def loads(raw: bytes, what: str) -> Any:
    """``json.loads(raw)``; FormatError naming ``what`` (e.g. ``image config sha256:…``).

    Python's decoder recurses, so a hostile document nested deeper than the recursion
    limit raises RecursionError: reported as malformed input like any other.
    """
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise FormatError(
            f"{what} is not valid JSON: nested too deeply to decode",
            input=what,
            hint="a hostile or corrupt document: real configs and attestations nest a few levels",
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"{what} is not valid JSON: {exc}", input=what, hint=_HINT) from exc


def go_field(obj: Mapping[str, Any], key: str) -> Any:
    """Go ``encoding/json`` field lookup: exact key, else the last case-insensitive match."""
    if key in obj:
        return obj[key]
    found: Any = None
    lower = key.lower()
    for k, v in obj.items():
        if k.lower() == lower:
            found = v
    return found


@dataclass(frozen=True, slots=True)
class ConfigSummary:
    """What callers read from an image config: its platform, ``created`` and labels.

    ``platform`` has empty fields where the config names none; ``created`` is None when
    absent or unparsable; ``labels`` keeps string values only.
    """

    platform: Platform = field(default_factory=Platform)
    created: datetime | None = None
    created_text: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_platform(self) -> bool:
        return bool(self.platform.architecture)


def parse_config(raw: bytes, digest: str = "") -> ConfigSummary:
    """Decode an image config blob (FormatError when it is not JSON); a JSON value that is
    not an object gives an empty summary, as Go's decoder leaves the struct zero."""
    obj = loads(raw, f"image config {digest}".rstrip())
    if not isinstance(obj, dict):
        return ConfigSummary()
    features = go_field(obj, "os.features")
    platform = Platform(
        os=_text(go_field(obj, "os")),
        architecture=_text(go_field(obj, "architecture")),
        variant=_text(go_field(obj, "variant")),
        os_version=_text(go_field(obj, "os.version")),
        os_features=tuple(str(f) for f in features) if isinstance(features, list) else (),
    )
    created = go_field(obj, "created")
    config = go_field(obj, "config")
    raw_labels = go_field(config, "Labels") if isinstance(config, dict) else None
    labels = (
        {k: v for k, v in raw_labels.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(raw_labels, dict)
        else {}
    )
    return ConfigSummary(
        platform,
        parse_created(created),
        created if isinstance(created, str) else "",
        labels,
    )


def parse_created(value: object) -> datetime | None:
    """RFC 3339 with optional nanoseconds (Go writes up to 9 fractional digits); None when
    absent or unparsable."""
    if not isinstance(value, str) or not value:
        return None
    from dateutil import parser as dateparser

    try:
        return dateparser.isoparse(value)
    except (ValueError, OverflowError):
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))
