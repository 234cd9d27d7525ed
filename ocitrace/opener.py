"""Pick the Source for a reference: an OCI layout on disk or a registry repository.

``open_source(text, transport)`` parses ``oci-layout://…`` or a registry reference and
returns the matching :class:`~ocitrace.source.Source` together with the parsed reference.
The registry client and the HTTP stack are imported only when a registry reference needs
them: opening a layout loads neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .layout import LayoutSource
from .oci.limits import Limits
from .reference import LayoutReference, Reference, parse_any

if TYPE_CHECKING:
    from .registry import RegistryClient
    from .source import Source
    from .transport import Transport, TransportOptions


def make_transport(options: TransportOptions | None = None) -> Transport:
    """A Transport with ``options`` (defaults: verified TLS, 30 s timeout, docker config creds)."""
    from .transport import Transport, TransportOptions

    return Transport(options or TransportOptions())


def open_source(
    ref: str | Reference | LayoutReference,
    transport: Transport,
    *,
    client: RegistryClient | None = None,
    limits: Limits | None = None,
) -> tuple[Source, Reference | LayoutReference]:
    """The Source holding ``ref`` and the parsed reference.

    Pass one ``client`` for many references so they share the referrers-API memo.  The
    size caps (``limits``, else the client's) apply to layouts as well.
    """
    parsed = parse_any(ref) if isinstance(ref, str) else ref
    if isinstance(parsed, LayoutReference):
        return open_layout(
            parsed, limits or (client.limits if client is not None else None)
        ), parsed
    if client is None:
        from .registry import RegistryClient

        client = RegistryClient(transport, limits=limits)
    return client.repository(parsed.registry, parsed.repository), parsed


def open_layout(ref: LayoutReference, limits: Limits | None = None) -> LayoutSource:
    """The layout ``ref`` names, with the manifest and blob caps of ``limits`` (default caps
    when None): every layout a command opens goes through here so ``--max-blob-size`` holds."""
    caps = limits or Limits()
    return LayoutSource(ref.path, max_manifest_size=caps.manifest, max_blob_size=caps.blob)
