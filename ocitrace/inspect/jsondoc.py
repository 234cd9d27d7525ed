"""Decode a fetched JSON document, turning every way it can fail into one FormatError.

The decoder lives in :mod:`ocitrace.oci.config` (the image config parser shares it);
re-exported here for the inspect modules.
"""

from __future__ import annotations

from ..oci.config import loads

__all__ = ["loads"]
