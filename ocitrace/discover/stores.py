"""Steps 2–4 of discovery for one digest: referrers (API, then fallback tag) and cosign tags.

Each lookup returns :class:`Candidate` manifests (not yet fetched) and the
:class:`~ocitrace.discover.model.Check` notes of every place asked.  Lookups never raise
for a registry answer: a failure becomes a note, so one broken store does not hide the
others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..errors import NotFound, OcitraceError
from ..layout import COSIGN_KIND_ANNOTATION
from ..oci.model import Descriptor
from ..source import Source
from .model import Check, Store

__all__ = ["COSIGN_SUFFIXES", "Candidate", "cosign_tag", "lookup_cosign", "lookup_referrers"]

log = logging.getLogger(__name__)

#: cosign legacy tag suffixes, in the order they are asked
COSIGN_SUFFIXES: tuple[str, ...] = (".att", ".sig", ".sbom")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A manifest some store says is attached to ``attached_to``.

    ``source`` is where to fetch it (the cosign repository may differ); ``listed`` is the
    descriptor as the store listed it (its ``artifactType`` is only a hint).
    """

    listed: Descriptor
    store: Store
    attached_to: str
    found_via: str
    source: Source
    tag: str = ""


def cosign_tag(digest: str, suffix: str) -> str:
    """``sha256:<hex>`` → ``sha256-<hex><suffix>`` (cosign's tag scheme)."""
    return digest.replace(":", "-", 1) + suffix


def lookup_referrers(source: Source, digest: str) -> tuple[list[Candidate], list[Check]]:
    """OCI 1.1 referrers of ``digest`` (the Source does the fallback tag and API memo)."""
    try:
        answer = source.referrers(digest)
    except OcitraceError as exc:
        return [], [Check(digest, "referrers", f"error: {exc}")]
    checks = [_note_check(digest, note) for note in answer.checked]
    if not checks:
        checks.append(Check(digest, "referrers", f"{len(answer.manifests)} via {answer.via}"))
    store = Store.REFERRERS_TAG if answer.via == "tag" else Store.REFERRERS
    where = {"api": "referrers API", "tag": "referrers tag " + cosign_tag(digest, "")}.get(
        answer.via, f"referrers ({answer.via})"
    )
    found = [
        Candidate(desc, store, digest, f"{where} of {digest}", source) for desc in answer.manifests
    ]
    return found, checks


def lookup_cosign(source: Source, digest: str, suffix: str) -> tuple[list[Candidate], list[Check]]:
    """The cosign tag ``sha256-<hex><suffix>`` in ``source`` (same repo or COSIGN_REPOSITORY)."""
    tag = cosign_tag(digest, suffix)
    place = f"cosign {suffix}"
    try:
        fetched = source.manifest(tag)
    except NotFound:
        return [], [Check(digest, place, "not found")]
    except OcitraceError as exc:
        return [], [Check(digest, place, f"error: {exc}")]
    desc = fetched.descriptor
    kind = desc.annotations.get(COSIGN_KIND_ANNOTATION, "")
    via = f"cosign save layout entry (kind {kind})" if kind else f"cosign tag {tag}"
    return [Candidate(desc, Store.COSIGN_TAG, digest, via, source, tag)], [
        Check(digest, place, f"found {desc.digest}" + (f" ({kind})" if kind else ""))
    ]


def _note_check(digest: str, note: str) -> Check:
    """A Source note like ``"referrers API: 404"`` split into place and answer."""
    place, sep, answer = note.partition(": ")
    return Check(digest, place, answer) if sep else Check(digest, "referrers", note)
