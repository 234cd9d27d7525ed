"""Every byte cap of ocitrace, in one place.

One :class:`Limits` value travels from the ``Client`` (``--max-blob-size``) to the
registry client, the layout reader, discovery, inspect and the audit, so one flag moves
one cap everywhere.  Pure data: importing it loads no HTTP stack.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "GiB", "Limits", "MiB"]

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True)
class Limits:
    """Byte caps per kind of read; a body over its cap raises TooLarge."""

    manifest: int = 4 * MiB  # manifests and indexes (distribution's own pull-side cap)
    blob: int = 64 * MiB  # blobs read into memory: configs, attestation layers, SBOMs
    listing: int = 16 * MiB  # one page of a tag list, catalog or referrers answer
    config: int = 8 * MiB  # an image config read for its platform / date / labels
    error_body: int = 64 * 1024  # a registry error body: enough for any JSON error
    token_reply: int = 1 * MiB  # a token endpoint's reply
    # a blob streamed to a file or stdout (ocitrace blob), never buffered
    blob_stream: int = 32 * GiB


#: the caps when nothing is configured
DEFAULT_LIMITS = Limits()
