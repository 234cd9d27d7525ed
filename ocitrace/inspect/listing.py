"""buildx's default ``imagetools inspect`` listing, byte for byte (BUILDX.md §a).

Three tabwriters exactly as ``printers.go`` uses them: the header block, the
``Manifests:`` block, and the per-entry writer that is flushed before each annotation
block (so label widths are computed per flush segment).  Annotation lines are sorted by
key: buildx walks a Go map there, so its order is random and sorted is one of its outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..oci.model import Descriptor
from ..oci.platform import format_platform
from .tabwriter import TabWriter

__all__ = ["render_listing"]

_PFX = "  "


def render_listing(
    name: str,
    media_type: str,
    digest: str,
    manifests: Sequence[Descriptor] | None,
    child_name: Callable[[str], str],
) -> str:
    """The listing for a top-level object; ``manifests`` is None for a single manifest.

    ``name`` is the normalised reference, ``media_type`` the resolved (Content-Type) media
    type, ``child_name(digest)`` names an entry (``repo:tag@digest``).
    """
    head = TabWriter()
    head.write(f"Name:\t{name}\n")
    head.write(f"MediaType:\t{media_type}\n")
    head.write(f"Digest:\t{digest}\n")
    head.flush()
    out = [head.getvalue()]
    if manifests is not None:
        out.append(_manifest_list(manifests, child_name))
    return "".join(out)


def _manifest_list(manifests: Sequence[Descriptor], child_name: Callable[[str], str]) -> str:
    top = TabWriter()
    top.write("\t\n")
    top.write("Manifests:\t\n")
    top.flush()
    out = [top.getvalue()]
    w = TabWriter()
    for i, m in enumerate(manifests):
        if i:
            w.write("\t\n")
        w.write(f"{_PFX}Name:\t{child_name(m.digest)}\n")
        w.write(f"{_PFX}MediaType:\t{m.media_type}\n")
        p = m.platform
        if p is None:
            continue
        w.write(f"{_PFX}Platform:\t{format_platform(p)}\n")
        if p.os_version:
            w.write(f"{_PFX}OSVersion:\t{p.os_version}\n")
        if p.os_features:
            w.write(f"{_PFX}OSFeatures:\t{', '.join(p.os_features)}\n")
        if m.urls:
            w.write(f"{_PFX}URLs:\t{', '.join(m.urls)}\n")
        if m.annotations:
            w.write(f"{_PFX}Annotations:\t\n")
            w.flush()
            out.append(w.getvalue())
            w = TabWriter()
            out.append(_annotations(m.annotations))
    w.flush()
    out.append(w.getvalue())
    return "".join(out)


def _annotations(annotations: Mapping[str, str]) -> str:
    w = TabWriter()
    for key in sorted(annotations):
        w.write(f"{_PFX}{_PFX}{key}:\t{annotations[key]}\n")
    w.flush()
    return w.getvalue()
