"""The diff model: what changed between two images, per platform, as frozen values.

Every value here is plain data (strings, ints, bools, tuples, mappings) so that one
generic walk (:func:`to_data`) gives both the ``--json`` document (camelCase keys) and the
``--format`` template data (Go-style PascalCase field names); map keys (labels, build
arguments, environment names) are kept as written in both.

"old" is the first image given (A), "new" the second (B), as in ``git diff A B``.
Values of secret-looking build arguments and environment variables are never stored:
:class:`Entry` then holds :data:`REDACTED` and ``redacted=True``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "REDACTED",
    "AttestationChange",
    "AttestationEntry",
    "AttestationsDiff",
    "ConfigDiff",
    "DockerfileDiff",
    "DockerfileStatus",
    "Entry",
    "EntryChange",
    "FieldChange",
    "ImageDiff",
    "MapDiff",
    "MaterialChange",
    "MaterialRef",
    "PackageChange",
    "PackageRef",
    "PlatformDiff",
    "ProvenanceDiff",
    "SbomDiff",
    "SetDiff",
    "Side",
    "Value",
    "to_data",
]

#: what replaces the value of a secret-looking build argument or environment variable
REDACTED = "<redacted>"

#: a compared value: text, number, flag, a list of strings (entrypoint, cmd), or absent
Value = str | int | bool | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One named scalar that differs: ``name`` is the stable JSON name of the field."""

    name: str
    old: Value
    new: Value


@dataclass(frozen=True, slots=True)
class Entry:
    """A key and its value (``REDACTED`` with ``redacted=True`` for secret-looking ones)."""

    key: str
    value: str
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class EntryChange:
    """A key whose value changed; both values redacted when the key or either value
    looks secret (then only the fact of the change is reported)."""

    key: str
    old: str
    new: str
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class MapDiff:
    """A string map compared key by key (build args, labels, environment)."""

    added: tuple[Entry, ...] = ()
    removed: tuple[Entry, ...] = ()
    changed: tuple[EntryChange, ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True, slots=True)
class SetDiff:
    """A set of strings compared (exposed ports, secret ids, ssh ids)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True, slots=True)
class MaterialRef:
    """A build material on one side: ``name`` pairs it (image name, git/http URL)."""

    name: str
    uri: str
    digest: str
    kind: str


@dataclass(frozen=True, slots=True)
class MaterialChange:
    """A material present on both sides whose digest (or exact URI) differs."""

    name: str
    kind: str
    old_uri: str
    new_uri: str
    old_digest: str
    new_digest: str


class DockerfileStatus(enum.StrEnum):
    """Whether the embedded Dockerfiles were compared and how they compare."""

    SAME = "same"
    CHANGED = "changed"
    NOT_COMPARED = "not-compared"  # one side is not mode=max, or has no embedded Dockerfile


@dataclass(frozen=True, slots=True)
class DockerfileDiff:
    """The embedded Dockerfiles (mode=max) as a unified diff (lines without newlines)."""

    status: DockerfileStatus
    unified: tuple[str, ...] = ()
    reason: str = ""  # why not compared


@dataclass(frozen=True, slots=True)
class ProvenanceDiff:
    """Two normalised provenance records compared (the first record of each side)."""

    old_present: bool
    new_present: bool
    fields: tuple[FieldChange, ...] = ()
    build_args: MapDiff = MapDiff()
    frontend_options: MapDiff = MapDiff()  # request args other than build-arg:*
    materials_added: tuple[MaterialRef, ...] = ()
    materials_removed: tuple[MaterialRef, ...] = ()
    materials_changed: tuple[MaterialChange, ...] = ()
    secrets: SetDiff = SetDiff()
    ssh: SetDiff = SetDiff()
    dockerfile: DockerfileDiff = DockerfileDiff(DockerfileStatus.NOT_COMPARED)

    @property
    def differs(self) -> bool:
        return (
            self.old_present != self.new_present
            or bool(self.fields)
            or self.build_args.differs
            or self.frontend_options.differs
            or bool(self.materials_added or self.materials_removed or self.materials_changed)
            or self.secrets.differs
            or self.ssh.differs
            or self.dockerfile.status is DockerfileStatus.CHANGED
        )


@dataclass(frozen=True, slots=True)
class PackageRef:
    """A package on one side of an SBOM diff."""

    name: str
    version: str
    type: str
    purl: str
    license: str


@dataclass(frozen=True, slots=True)
class PackageChange:
    """A package on both sides (same purl without version, else same name and type)
    whose version or licence differs."""

    name: str
    type: str
    old_version: str
    new_version: str
    old_license: str
    new_license: str
    old_purl: str
    new_purl: str


@dataclass(frozen=True, slots=True)
class SbomDiff:
    """Two SBOM documents of one role (``image``, ``build context``, ``stage NAME``).

    ``version_changed`` and ``license_changed`` may name the same package (both changed).
    """

    role: str
    old_present: bool
    new_present: bool
    old_format: str = ""
    new_format: str = ""
    old_count: int = 0
    new_count: int = 0
    fields: tuple[FieldChange, ...] = ()  # format, tools
    added: tuple[PackageRef, ...] = ()
    removed: tuple[PackageRef, ...] = ()
    version_changed: tuple[PackageChange, ...] = ()
    license_changed: tuple[PackageChange, ...] = ()

    @property
    def differs(self) -> bool:
        return (
            self.old_present != self.new_present
            or bool(self.fields)
            or bool(self.added or self.removed or self.version_changed or self.license_changed)
        )


@dataclass(frozen=True, slots=True)
class ConfigDiff:
    """Two image configs (and their manifests' layer lists) compared."""

    old_present: bool
    new_present: bool
    fields: tuple[FieldChange, ...] = ()  # entrypoint, cmd, user, workingDir, created, layers…
    env: MapDiff = MapDiff()
    labels: MapDiff = MapDiff()
    exposed_ports: SetDiff = SetDiff()

    @property
    def differs(self) -> bool:
        return (
            self.old_present != self.new_present
            or bool(self.fields)
            or self.env.differs
            or self.labels.differs
            or self.exposed_ports.differs
        )


@dataclass(frozen=True, slots=True)
class AttestationEntry:
    """One kind of attestation in one store (``predicate_type`` empty for signatures)."""

    store: str
    kind: str
    predicate_type: str
    signed: bool
    verified: bool | None  # None: signatures not verified by this run


@dataclass(frozen=True, slots=True)
class AttestationChange:
    """The same store/kind/predicate type on both sides, signed or verified differently."""

    store: str
    kind: str
    predicate_type: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class AttestationsDiff:
    """Which attestations exist per store, and their signature status, compared."""

    added: tuple[AttestationEntry, ...] = ()
    removed: tuple[AttestationEntry, ...] = ()
    changed: tuple[AttestationChange, ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True, slots=True)
class PlatformDiff:
    """Everything compared for one platform present on both sides."""

    platform: str
    old_digest: str
    new_digest: str
    provenance: ProvenanceDiff
    sboms: tuple[SbomDiff, ...]
    config: ConfigDiff
    attestations: AttestationsDiff

    @property
    def same_image(self) -> bool:
        return self.old_digest == self.new_digest

    @property
    def differs(self) -> bool:
        return (
            not self.same_image
            or self.provenance.differs
            or any(s.differs for s in self.sboms)
            or self.config.differs
            or self.attestations.differs
        )


@dataclass(frozen=True, slots=True)
class Side:
    """One of the two images: the reference as given and what it resolved to."""

    reference: str
    digest: str
    media_type: str
    platforms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImageDiff:
    """The whole diff: both sides, the paired platforms, and the unpaired ones.

    ``index_attestations`` compares items attached to the index itself (cosign
    signatures of the index digest, referrers of the index).
    """

    old: Side
    new: Side
    platforms: tuple[PlatformDiff, ...]
    only_old: tuple[str, ...] = ()
    only_new: tuple[str, ...] = ()
    index_attestations: AttestationsDiff = AttestationsDiff()

    @property
    def differs(self) -> bool:
        """True when anything differs (``--exit-code`` exits 1)."""
        return (
            self.old.digest != self.new.digest
            or bool(self.only_old or self.only_new)
            or self.index_attestations.differs
            or any(p.differs for p in self.platforms)
        )

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document (camelCase keys, plus ``differs`` at each level)."""
        data: dict[str, Any] = to_data(self, pascal=False)
        return data


# --------------------------------------------------------------------------- data walk


def to_data(value: Any, *, pascal: bool) -> Any:
    """Plain JSON-able data of a model value: dataclasses become objects (field names in
    camelCase, or PascalCase for templates, with ``differs`` where the class has it),
    tuples lists, enums their value; mapping keys are kept as written."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            out[_key(f.name, pascal)] = to_data(getattr(value, f.name), pascal=pascal)
        if hasattr(type(value), "differs"):
            out[_key("differs", pascal)] = bool(getattr(value, "differs"))  # noqa: B009
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_data(v, pascal=pascal) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_data(v, pascal=pascal) for v in value]
    return value


def _key(name: str, pascal: bool) -> str:
    head, *rest = name.split("_")
    camel = head + "".join(part[:1].upper() + part[1:] for part in rest)
    return camel[:1].upper() + camel[1:] if pascal else camel
