"""``ocitrace diff``: what changed between two images, per platform, from their attestations.

Library entry point (the CLI and :meth:`ocitrace.Client.diff` are thin layers over it)::

    from ocitrace.diff import DiffSide, diff_sources
    d = diff_sources(DiffSide(src_a, "v1", "app:v1"), DiffSide(src_b, "v2", "app:v2"))
    d.differs                        # anything at all
    for p in d.platforms:            # platforms present on both sides
        p.provenance.fields          # FieldChange(name, old, new)...
        p.provenance.build_args      # MapDiff(added, removed, changed), secrets redacted
        p.sboms[0].version_changed   # PackageChange(...)
        p.config.env, p.attestations
    d.only_old, d.only_new           # platforms on one side only
    d.to_json()                      # the --json document

Pure comparisons live in :mod:`.compare`, the values in :mod:`.model`, the fetching in
:mod:`.run` and :mod:`.fetch`, the text report in :mod:`.report`.
"""

from __future__ import annotations

from .fetch import MemoSource, SharedFetches
from .model import (
    REDACTED,
    AttestationChange,
    AttestationEntry,
    AttestationsDiff,
    ConfigDiff,
    DockerfileDiff,
    DockerfileStatus,
    Entry,
    EntryChange,
    FieldChange,
    ImageDiff,
    MapDiff,
    MaterialChange,
    MaterialRef,
    PackageChange,
    PackageRef,
    PlatformDiff,
    ProvenanceDiff,
    SbomDiff,
    SetDiff,
    Side,
    to_data,
)
from .run import DiffSide, diff_sources

__all__ = [
    "REDACTED",
    "AttestationChange",
    "AttestationEntry",
    "AttestationsDiff",
    "ConfigDiff",
    "DiffSide",
    "DockerfileDiff",
    "DockerfileStatus",
    "Entry",
    "EntryChange",
    "FieldChange",
    "ImageDiff",
    "MapDiff",
    "MaterialChange",
    "MaterialRef",
    "MemoSource",
    "PackageChange",
    "PackageRef",
    "PlatformDiff",
    "ProvenanceDiff",
    "SbomDiff",
    "SetDiff",
    "SharedFetches",
    "Side",
    "diff_sources",
    "to_data",
]
