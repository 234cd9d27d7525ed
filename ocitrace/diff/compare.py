"""Pure comparisons of the normalised records: provenance, SBOM, image config, attestations.

No I/O here: each function takes the two sides' already-decoded values (None when a side
has none) and returns a :mod:`ocitrace.diff.model` value.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from ..attest.provenance import Dependency, ProvenanceRecord
from ..attest.purl import parse_purl
from ..attest.sbom import Package, Sbom
from ..discover.model import Attestation
from ..errors import FormatError
from ..inspect.image import ConfigFile
from ..oci.model import Manifest
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
    MapDiff,
    MaterialChange,
    MaterialRef,
    PackageChange,
    PackageRef,
    ProvenanceDiff,
    SbomDiff,
    SetDiff,
    Value,
)

__all__ = [
    "diff_attestations",
    "diff_config",
    "diff_maps",
    "diff_provenance",
    "diff_sbom",
    "diff_sets",
    "looks_secret",
]

K = TypeVar("K")
T = TypeVar("T")

#: names of build arguments / environment variables whose values are never shown
_SECRET_NAME = re.compile(
    r"(secret|token|passw|passphrase|pwd|credential|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|signing[_-]?key|auth|cookie|session|(^|[_.-])key($|[_.-])|^pat$|_pat$)",
    re.IGNORECASE,
)
#: values that look like credentials whatever their name
_SECRET_VALUE = re.compile(
    r"(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|AKIA[0-9A-Z]{16}"
    r"|xox[abposr]-[\w-]{10,}|sk_live_\w{10,}|sk-[A-Za-z0-9_-]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY"
    r"|eyJ[\w-]{8,}\.[\w-]{8,}\.|://[^/\s:@]+:[^/\s@]+@|npm_[A-Za-z0-9]{30,})"
)

#: Dockerfiles larger than this are reported changed/same without a line diff
_MAX_DOCKERFILE = 256 * 1024


def looks_secret(key: str, value: str = "") -> bool:
    """True when a name or its value looks like a credential (then the value is hidden)."""
    return bool(_SECRET_NAME.search(key) or (value and _SECRET_VALUE.search(value)))


# --------------------------------------------------------------------------- generic


def diff_maps(old: Mapping[str, str], new: Mapping[str, str]) -> MapDiff:
    """Key-by-key comparison; secret-looking values are replaced by ``REDACTED``."""

    def entry(k: str, v: str) -> Entry:
        hide = looks_secret(k, v)
        return Entry(k, REDACTED if hide else v, hide)

    changed = []
    for k in sorted(old.keys() & new.keys()):
        a, b = old[k], new[k]
        if a != b:
            hide = looks_secret(k, a) or looks_secret(k, b)
            changed.append(EntryChange(k, REDACTED if hide else a, REDACTED if hide else b, hide))
    return MapDiff(
        added=tuple(entry(k, new[k]) for k in sorted(new.keys() - old.keys())),
        removed=tuple(entry(k, old[k]) for k in sorted(old.keys() - new.keys())),
        changed=tuple(changed),
    )


def diff_sets(old: Iterable[str], new: Iterable[str]) -> SetDiff:
    a, b = set(old), set(new)
    return SetDiff(added=tuple(sorted(b - a)), removed=tuple(sorted(a - b)))


def _fields(pairs: Iterable[tuple[str, Value, Value]]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(name, a, b) for name, a, b in pairs if a != b)


# --------------------------------------------------------------------------- provenance

_PROVENANCE_FIELDS: tuple[tuple[str, Callable[[ProvenanceRecord], Value]], ...] = (
    ("slsaVersion", lambda r: r.slsa_version),
    ("predicateType", lambda r: r.predicate_type),
    ("statementType", lambda r: r.statement_type),
    ("buildType", lambda r: r.build_type),
    ("builderId", lambda r: r.builder_id),
    ("mode", lambda r: r.mode),
    ("frontend", lambda r: r.frontend),
    ("frontendSource", lambda r: r.frontend_source),
    ("sourceRepository", lambda r: r.source_repository),
    ("sourceRevision", lambda r: r.source_revision),
    ("sourceDirty", lambda r: r.source_dirty),
    ("configSourceUri", lambda r: r.config_source.uri),
    ("configSourcePath", lambda r: r.config_source.path),
    ("startedOn", lambda r: r.started.isoformat() if r.started else None),
    ("finishedOn", lambda r: r.finished.isoformat() if r.finished else None),
    ("builderPlatform", lambda r: r.builder_platform),
    ("dockerfileVersion", lambda r: r.dockerfile_version),
    ("hermetic", lambda r: r.hermetic),
    ("reproducible", lambda r: r.reproducible),
)


def diff_provenance(old: ProvenanceRecord | None, new: ProvenanceRecord | None) -> ProvenanceDiff:
    """Compare two records field by field; build arguments, materials, secret/ssh ids and
    the embedded Dockerfiles (unified diff, only when both are mode=max)."""
    if old is None and new is None:
        return ProvenanceDiff(old_present=False, new_present=False)
    if old is None or new is None:  # one side: what it says, against an empty record
        present = diff_provenance(old or _NO_RECORD, new or _NO_RECORD)
        return dataclasses.replace(
            present,
            old_present=old is not None,
            new_present=new is not None,
            dockerfile=DockerfileDiff(DockerfileStatus.NOT_COMPARED, reason="one side only"),
        )
    added, removed, changed = _diff_materials(old.dependencies, new.dependencies)
    return ProvenanceDiff(
        old_present=True,
        new_present=True,
        fields=_fields((name, get(old), get(new)) for name, get in _PROVENANCE_FIELDS),
        build_args=diff_maps(old.build_args, new.build_args),
        frontend_options=diff_maps(_frontend_options(old), _frontend_options(new)),
        materials_added=added,
        materials_removed=removed,
        materials_changed=changed,
        secrets=diff_sets((s.id for s in old.secrets), (s.id for s in new.secrets)),
        ssh=diff_sets((s.id for s in old.ssh), (s.id for s in new.ssh)),
        dockerfile=diff_dockerfiles(old, new),
    )


#: the other side of a provenance present on one side only
_NO_RECORD = ProvenanceRecord(slsa_version="", predicate_type="", hermetic=None, reproducible=None)


def _frontend_options(rec: ProvenanceRecord) -> dict[str, str]:
    return {k: v for k, v in rec.args.items() if not k.startswith("build-arg:")}


def diff_dockerfiles(old: ProvenanceRecord, new: ProvenanceRecord) -> DockerfileDiff:
    """The embedded Dockerfiles as a unified diff (``a/NAME`` → ``b/NAME``)."""
    if old.mode != "max" or new.mode != "max":
        modes = f"mode={old.mode or 'none'} → mode={new.mode or 'none'}"
        return DockerfileDiff(
            DockerfileStatus.NOT_COMPARED, reason=f"needs mode=max on both sides ({modes})"
        )
    try:
        a, b = old.dockerfile_bytes(), new.dockerfile_bytes()
    except FormatError as exc:
        return DockerfileDiff(DockerfileStatus.NOT_COMPARED, reason=str(exc))
    if a is None or b is None:
        return DockerfileDiff(DockerfileStatus.NOT_COMPARED, reason="no embedded Dockerfile")
    if a == b:
        return DockerfileDiff(DockerfileStatus.SAME)
    if len(a) > _MAX_DOCKERFILE or len(b) > _MAX_DOCKERFILE:
        return DockerfileDiff(DockerfileStatus.CHANGED, reason="too large for a line diff")
    lines = difflib.unified_diff(
        a.decode("utf-8", errors="replace").splitlines(),
        b.decode("utf-8", errors="replace").splitlines(),
        fromfile=f"a/{_dockerfile_name(old)}",
        tofile=f"b/{_dockerfile_name(new)}",
        lineterm="",
    )
    return DockerfileDiff(DockerfileStatus.CHANGED, tuple(lines))


def _dockerfile_name(rec: ProvenanceRecord) -> str:
    for info in rec.source_infos:
        if info.data and info.filename:
            return info.filename
    return "Dockerfile"


def _material_name(dep: Dependency) -> tuple[str, str]:
    """(name, platform) pairing a material: the image name for docker purls (tag and digest
    dropped), the URL without fragment for git, the URI otherwise."""
    if dep.uri.startswith("pkg:docker/"):
        try:
            purl = parse_purl(dep.uri)
        except FormatError:
            return dep.uri, ""
        name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
        return name, dep.platform
    if dep.kind == "git":
        return dep.uri.split("#", 1)[0], ""
    return dep.uri, ""


def _diff_materials(
    old: Sequence[Dependency], new: Sequence[Dependency]
) -> tuple[tuple[MaterialRef, ...], tuple[MaterialRef, ...], tuple[MaterialChange, ...]]:
    """Pair materials by name (by name and platform when a name repeats on a side)."""

    def ref(d: Dependency) -> MaterialRef:
        return MaterialRef(_material_name(d)[0], d.uri, d.digest, d.kind)

    def key(d: Dependency, counts: Mapping[str, int]) -> tuple[str, str]:
        name, platform = _material_name(d)
        return (name, platform) if counts[name] > 1 else (name, "")

    def counts(deps: Sequence[Dependency]) -> dict[str, int]:
        c: dict[str, int] = defaultdict(int)
        for d in deps:
            c[_material_name(d)[0]] += 1
        return c

    co, cn = counts(old), counts(new)
    repeated = {n for n in co.keys() | cn.keys() if co.get(n, 0) > 1 or cn.get(n, 0) > 1}
    both = {n: 2 if n in repeated else 1 for n in co.keys() | cn.keys()}
    a = {key(d, both): d for d in old}
    b = {key(d, both): d for d in new}
    changed = []
    for k in sorted(a.keys() & b.keys()):
        x, y = a[k], b[k]
        if x.digest != y.digest or x.uri != y.uri:
            changed.append(MaterialChange(k[0], y.kind, x.uri, y.uri, x.digest, y.digest))
    return (
        tuple(ref(b[k]) for k in sorted(b.keys() - a.keys())),
        tuple(ref(a[k]) for k in sorted(a.keys() - b.keys())),
        tuple(changed),
    )


# --------------------------------------------------------------------------- SBOM


def diff_sbom(role: str, old: Sbom | None, new: Sbom | None) -> SbomDiff:
    """Packages added, removed, version-changed and licence-changed between two SBOMs.

    Packages pair by their purl without version (type, namespace, name and the ``arch``
    qualifier), and packages without a purl by name and type.  When a key repeats, equal
    versions pair first; one leftover on each side is a version change, any other leftover
    is added or removed.
    """
    if old is None or new is None:
        return SbomDiff(
            role,
            old_present=old is not None,
            new_present=new is not None,
            old_format=old.summary.format if old else "",
            new_format=new.summary.format if new else "",
            old_count=old.summary.package_count if old else 0,
            new_count=new.summary.package_count if new else 0,
        )
    ga, gb = _group(old.packages), _group(new.packages)
    added: list[Package] = []
    removed: list[Package] = []
    pairs: list[tuple[Package, Package]] = []
    for k in ga.keys() | gb.keys():
        by_version: dict[str, list[Package]] = defaultdict(list)
        for q in gb.get(k, ()):
            by_version[q.version].append(q)
        left: list[Package] = []
        for p in ga.get(k, ()):  # equal versions pair first (linear: SBOMs are untrusted)
            same = by_version.get(p.version)
            if same:
                pairs.append((p, same.pop()))
            else:
                left.append(p)
        right = [q for rest in by_version.values() for q in rest]
        if len(left) == 1 and len(right) == 1:
            pairs.append((left[0], right[0]))
        else:
            removed += left
            added += right
    versions = [_change(a, b) for a, b in pairs if a.version != b.version]
    licences = [_change(a, b) for a, b in pairs if a.license != b.license]
    return SbomDiff(
        role,
        old_present=True,
        new_present=True,
        old_format=old.summary.format,
        new_format=new.summary.format,
        old_count=old.summary.package_count,
        new_count=new.summary.package_count,
        fields=_fields(
            (
                ("format", old.summary.format, new.summary.format),
                ("tools", old.summary.tools, new.summary.tools),
            )
        ),
        added=_refs(added),
        removed=_refs(removed),
        version_changed=tuple(sorted(versions, key=_change_order)),
        license_changed=tuple(sorted(licences, key=_change_order)),
    )


def _package_key(p: Package) -> tuple[str, ...]:
    if p.purl:
        try:
            purl = parse_purl(p.purl)
        except FormatError:
            pass
        else:
            return ("purl", purl.type, purl.namespace, purl.name, purl.qualifiers.get("arch", ""))
    return ("name", p.name, p.type)


def _group(packages: Iterable[Package]) -> dict[tuple[str, ...], list[Package]]:
    out: dict[tuple[str, ...], list[Package]] = defaultdict(list)
    for p in packages:
        out[_package_key(p)].append(p)
    return out


def _refs(packages: Iterable[Package]) -> tuple[PackageRef, ...]:
    refs = (PackageRef(p.name, p.version, p.type, p.purl, p.license) for p in packages)
    return tuple(sorted(refs, key=lambda r: (r.type, r.name, r.version, r.purl)))


def _change(a: Package, b: Package) -> PackageChange:
    return PackageChange(
        b.name, b.type or a.type, a.version, b.version, a.license, b.license, a.purl, b.purl
    )


def _change_order(c: PackageChange) -> tuple[str, str, str]:
    return (c.type, c.name, c.new_version)


# --------------------------------------------------------------------------- image config


def diff_config(
    old: tuple[ConfigFile | None, Manifest | None] | None,
    new: tuple[ConfigFile | None, Manifest | None] | None,
) -> ConfigDiff:
    """Entrypoint, cmd, user, working dir, created, env, labels, exposed ports, and the
    manifests' layer count and total compressed size."""
    if old is None or new is None:
        return ConfigDiff(old_present=old is not None, new_present=new is not None)
    (ia, ma), (ib, mb) = old, new
    ca, cb = (ia.config if ia else None), (ib.config if ib else None)
    fields = [
        ("entrypoint", ca.entrypoint if ca else None, cb.entrypoint if cb else None),
        ("cmd", ca.cmd if ca else None, cb.cmd if cb else None),
        ("user", ca.user if ca else "", cb.user if cb else ""),
        ("workingDir", ca.working_dir if ca else "", cb.working_dir if cb else ""),
        ("created", _created(ia), _created(ib)),
        ("layers", _layer_count(ma), _layer_count(mb)),
        ("layersSize", _layer_size(ma), _layer_size(mb)),
    ]
    return ConfigDiff(
        old_present=True,
        new_present=True,
        fields=_fields(fields),
        env=diff_maps(_env(ca.env if ca else None), _env(cb.env if cb else None)),
        labels=diff_maps(
            dict((ca.labels if ca else None) or {}), dict((cb.labels if cb else None) or {})
        ),
        exposed_ports=diff_sets(
            (ca.exposed_ports if ca else None) or (), (cb.exposed_ports if cb else None) or ()
        ),
    )


def _created(image: ConfigFile | None) -> str | None:
    """The config's ``created`` as RFC 3339, at the precision written."""
    t = image.created if image is not None else None
    if t is None:
        return None
    frac = f".{t.nanosecond:09d}".rstrip("0") if t.nanosecond else ""
    if t.utc_designator:
        zone = "Z"
    else:
        sign, off = ("-", -t.offset_seconds) if t.offset_seconds < 0 else ("+", t.offset_seconds)
        zone = f"{sign}{off // 3600:02d}:{off % 3600 // 60:02d}"
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f"{frac}{zone}"
    )


def _layer_count(m: Manifest | None) -> int | None:
    return None if m is None else len(m.layers)


def _layer_size(m: Manifest | None) -> int | None:
    return None if m is None else sum(max(0, layer.size) for layer in m.layers)


def _env(items: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        name, _, value = item.partition("=")
        out[name] = value
    return out


# --------------------------------------------------------------------------- attestations


def attestation_entries(
    items: Iterable[Attestation], verified: Callable[[Attestation], bool | None] | None = None
) -> tuple[AttestationEntry, ...]:
    """One entry per (store, kind, predicate type), signed when any item of it is."""
    merged: dict[tuple[str, str, str], AttestationEntry] = {}
    for a in items:
        key = (a.store.value, a.kind.value, a.predicate_type)
        v = verified(a) if verified is not None else None
        prev = merged.get(key)
        if prev is not None:
            signed = prev.signed or a.signed
            v = _merge_verified(prev.verified, v)
        else:
            signed = a.signed
        merged[key] = AttestationEntry(key[0], key[1], key[2], signed, v)
    return tuple(merged[k] for k in sorted(merged))


def _merge_verified(a: bool | None, b: bool | None) -> bool | None:
    if a is None or b is None:
        return a if b is None else b
    return a and b


def diff_attestations(
    old: Sequence[AttestationEntry], new: Sequence[AttestationEntry]
) -> AttestationsDiff:
    """Entries on one side only are added/removed; on both, signed/verified compared."""
    a = {(e.store, e.kind, e.predicate_type): e for e in old}
    b = {(e.store, e.kind, e.predicate_type): e for e in new}
    changed = []
    for k in sorted(a.keys() & b.keys()):
        fields = _fields(
            (("signed", a[k].signed, b[k].signed), ("verified", a[k].verified, b[k].verified))
        )
        if fields:
            changed.append(AttestationChange(k[0], k[1], k[2], fields))
    return AttestationsDiff(
        added=tuple(b[k] for k in sorted(b.keys() - a.keys())),
        removed=tuple(a[k] for k in sorted(a.keys() - b.keys())),
        changed=tuple(changed),
    )
