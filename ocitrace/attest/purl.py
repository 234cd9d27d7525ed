"""Package URLs (``pkg:type/namespace/name@version?qualifiers#subpath``), read-only.

Enough of the purl spec to read what BuildKit and syft write: BuildKit's image purls come
from ``RefToPURL`` (familiar name split at the last ``/``, tag as version, ``digest`` and
``platform`` qualifiers), e.g. ``pkg:docker/127.0.0.1%3A5200/base/busybox@1?platform=linux%2Famd64``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from ..errors import FormatError

__all__ = ["PackageURL", "parse_purl"]


@dataclass(frozen=True, slots=True)
class PackageURL:
    """A decoded purl; every part is percent-decoded."""

    type: str
    name: str
    namespace: str = ""
    version: str = ""
    qualifiers: Mapping[str, str] = field(default_factory=dict)
    subpath: str = ""

    def image_ref(self) -> str:
        """For ``pkg:docker``: the image reference ``[ns/]name[:tag][@digest]``."""
        ref = f"{self.namespace}/{self.name}" if self.namespace else self.name
        if self.version.startswith("sha256:"):
            return f"{ref}@{self.version}"
        if self.version:
            ref = f"{ref}:{self.version}"
        digest = self.qualifiers.get("digest", "")
        return f"{ref}@{digest}" if digest else ref


def parse_purl(text: str) -> PackageURL:
    """Parse a purl; raises FormatError when ``text`` is not ``pkg:type/name…``."""
    if not text.startswith("pkg:"):
        raise FormatError(f"not a package URL: {text!r:.80}", input=text)
    rest = text[4:].lstrip("/")
    rest, _, subpath = rest.partition("#")
    rest, _, query = rest.partition("?")
    typ, sep, path = rest.partition("/")
    if not sep or not typ or not path:
        raise FormatError(f"package URL has no type/name: {text!r:.80}", input=text)
    version = ""
    slash = path.rfind("/")
    at = path.rfind("@")
    if at > slash:
        path, version = path[:at], path[at + 1 :]
    segments = [s for s in path.strip("/").split("/") if s]
    if not segments:
        raise FormatError(f"package URL has no name: {text!r:.80}", input=text)
    return PackageURL(
        type=typ.lower(),
        namespace="/".join(unquote(s) for s in segments[:-1]),
        name=unquote(segments[-1]),
        version=unquote(version),
        qualifiers=_qualifiers(query),
        subpath="/".join(unquote(s) for s in subpath.strip("/").split("/") if s),
    )


def _qualifiers(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        if sep and key:
            out[key.lower()] = unquote(value)
    return out
