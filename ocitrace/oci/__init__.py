"""OCI data model: media types, descriptors, indexes, manifests, platforms."""

from .model import Descriptor, Index, Manifest, Platform, parse_manifest_or_index

__all__ = ["Descriptor", "Index", "Manifest", "Platform", "parse_manifest_or_index"]
