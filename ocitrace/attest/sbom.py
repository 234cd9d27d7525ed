"""SBOM documents reduced to a summary and a package table: SPDX 2.x JSON, SPDX 3.0
JSON-LD (``@context`` + ``@graph`` of ``software_Package`` …), CycloneDX JSON 1.2–1.7.

FORMATS.md §5.  The document's root element is not a package of the image: SPDX 2
packages that ``SPDXRef-DOCUMENT`` DESCRIBES (syft's ``DocumentRoot-Directory-…``), SPDX 3
``SpdxDocument.rootElement`` and CycloneDX ``metadata.component`` are reported as
``roots`` and left out of the count.  A document in no known format is named by
:func:`unknown_sbom` rather than dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import FormatError
from .intoto import load_json
from .purl import parse_purl

__all__ = [
    "Package",
    "Sbom",
    "SbomSummary",
    "parse_sbom",
    "parse_sbom_bytes",
    "purl_type",
    "unknown_sbom",
]

_NO_VALUE = frozenset({"", "NOASSERTION"})


@dataclass(frozen=True, slots=True)
class Package:
    """One row of the package table; ``type`` is the purl type (``deb``, ``npm``…) or ``""``."""

    name: str
    version: str = ""
    type: str = ""
    purl: str = ""
    license: str = ""
    id: str = ""  # SPDXID or CycloneDX bom-ref

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "type": self.type,
            "purl": self.purl,
            "license": self.license,
        }


@dataclass(frozen=True, slots=True)
class SbomSummary:
    """What the audit shows about one SBOM document."""

    format: str  # "spdx-2.3", "cyclonedx-1.5", …
    document_name: str = ""  # SPDX name (BuildKit: sbom, sbom-context, sbom-<stage>)
    package_count: int = 0
    tools: tuple[str, ...] = ()  # e.g. ("syft-v1.51.0", "buildkit-v0.32.2")
    created: str = ""  # as written
    namespace: str = ""  # SPDX documentNamespace / CycloneDX serialNumber

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "documentName": self.document_name,
            "packageCount": self.package_count,
            "tools": list(self.tools),
            "created": self.created,
            "namespace": self.namespace,
        }


@dataclass(frozen=True, slots=True)
class Sbom:
    """A decoded SBOM: summary, packages in document order, and the root element names."""

    summary: SbomSummary
    packages: tuple[Package, ...] = ()
    roots: tuple[str, ...] = ()

    def by_type(self) -> dict[str, int]:
        """Package count per purl type (``""`` for packages without a purl), sorted by type."""
        return dict(sorted(Counter(p.type for p in self.packages).items()))


def parse_sbom_bytes(data: bytes, what: str = "SBOM") -> Sbom:
    """Parse SPDX/CycloneDX JSON bytes (e.g. a cosign ``.sbom`` layer)."""
    return parse_sbom(load_json(data, what))


def parse_sbom(doc: Any) -> Sbom:
    """Summarise an SPDX 2.x / 3.x or CycloneDX JSON document; FormatError for anything else."""
    if isinstance(doc, Mapping):
        if "spdxVersion" in doc:
            return _spdx(doc)
        if "@graph" in doc and "spdx" in json_text(doc.get("@context")).lower():
            return _spdx3(doc)
        if str(doc.get("bomFormat", "")).lower() == "cyclonedx":
            return _cyclonedx(doc)
    raise FormatError(
        "not an SPDX 2.x, SPDX 3 JSON-LD or CycloneDX JSON document",
        input="SBOM",
        hint="expected a JSON object with spdxVersion, an SPDX @context, or bomFormat: CycloneDX",
    )


def unknown_sbom(what: str) -> Sbom:
    """An SBOM ocitrace cannot read (SPDX tag-value, CycloneDX XML, syft JSON, a future
    format): ``format`` is ``unknown: <what>`` (media or predicate type), no packages."""
    return Sbom(SbomSummary(format=f"unknown: {what}" if what else "unknown"))


def json_text(value: Any) -> str:
    """A JSON-LD ``@context`` (string, list or object) as one searchable string."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(json_text(v) for v in value[:16])
    if isinstance(value, Mapping):
        return " ".join(str(k) for k in list(value)[:64])
    return ""


def purl_type(purl: str) -> str:
    """The type of a purl, ``""`` when it does not parse."""
    try:
        return parse_purl(purl).type if purl else ""
    except FormatError:
        return ""


# --------------------------------------------------------------------------- SPDX


def _spdx(doc: Mapping[str, Any]) -> Sbom:
    info = doc.get("creationInfo") if isinstance(doc.get("creationInfo"), Mapping) else {}
    creators = [str(c) for c in (info or {}).get("creators") or () if isinstance(c, str)]
    root_ids = _spdx_roots(doc)
    packages: list[Package] = []
    roots: list[str] = []
    for item in _list(doc.get("packages")):
        pkg = _spdx_package(item)
        if pkg.id in root_ids:
            roots.append(pkg.name)
        else:
            packages.append(pkg)
    version = str(doc.get("spdxVersion") or "")
    summary = SbomSummary(
        format=version.lower() if version else "spdx",
        document_name=str(doc.get("name") or ""),
        package_count=len(packages),
        tools=tuple(c.split(":", 1)[1].strip() for c in creators if c.startswith("Tool:")),
        created=str((info or {}).get("created") or ""),
        namespace=str(doc.get("documentNamespace") or ""),
    )
    return Sbom(summary, tuple(packages), tuple(roots))


def _spdx_roots(doc: Mapping[str, Any]) -> frozenset[str]:
    doc_id = str(doc.get("SPDXID") or "SPDXRef-DOCUMENT")
    described = doc.get("documentDescribes")
    ids = {str(x) for x in described} if isinstance(described, list) else set()
    for rel in _list(doc.get("relationships")):
        kind = str(rel.get("relationshipType") or "").upper()
        if kind == "DESCRIBES" and rel.get("spdxElementId") == doc_id:
            ids.add(str(rel.get("relatedSpdxElement") or ""))
        elif kind == "DESCRIBED_BY" and rel.get("relatedSpdxElement") == doc_id:
            ids.add(str(rel.get("spdxElementId") or ""))
    return frozenset(ids)


def _spdx_package(item: Mapping[str, Any]) -> Package:
    purl = next(
        (
            str(ref.get("referenceLocator") or "")
            for ref in _list(item.get("externalRefs"))
            if str(ref.get("referenceType") or "").lower() == "purl"
        ),
        "",
    )
    license_ = ""
    for key in ("licenseConcluded", "licenseDeclared"):
        value = str(item.get(key) or "")
        if value not in _NO_VALUE:
            license_ = value
            break
    return Package(
        name=str(item.get("name") or ""),
        version=str(item.get("versionInfo") or ""),
        type=purl_type(purl),
        purl=purl,
        license=license_,
        id=str(item.get("SPDXID") or ""),
    )


# --------------------------------------------------------------------------- SPDX 3


def _spdx3(doc: Mapping[str, Any]) -> Sbom:
    """SPDX 3 JSON-LD: elements in ``@graph``, linked by ``spdxId`` / ``@id``."""
    graph = _list(doc.get("@graph"))
    by_id = {_spdx3_id(e): e for e in graph if _spdx3_id(e)}
    document = next((e for e in graph if _spdx3_type(e) == "SpdxDocument"), None)
    root_ids: set[str] = set()
    for e in graph:  # the document's and any software_Sbom's root elements
        if _spdx3_type(e) in ("SpdxDocument", "software_Sbom"):
            root_ids.update(str(r) for r in _strs(e.get("rootElement")))
    licenses = _spdx3_licenses(graph, by_id)
    packages: list[Package] = []
    roots: list[str] = []
    for e in graph:
        ident = _spdx3_id(e)
        if ident in root_ids:
            roots.append(str(e.get("name") or ""))
            continue
        if _spdx3_type(e) != "software_Package":
            continue
        purl = str(e.get("software_packageUrl") or "") or _spdx3_purl(e)
        packages.append(
            Package(
                name=str(e.get("name") or ""),
                version=str(e.get("software_packageVersion") or ""),
                type=purl_type(purl),
                purl=purl,
                license=licenses.get(ident, ""),
                id=ident,
            )
        )
    info_ref = document.get("creationInfo") if document else None
    info = by_id.get(info_ref) if isinstance(info_ref, str) else info_ref
    info = info if isinstance(info, Mapping) else {}
    tools: list[str] = []
    for ref in _strs(info.get("createdUsing")):
        name = str(by_id.get(ref, {}).get("name") or ref)
        if name not in tools:
            tools.append(name)
    spec = str(info.get("specVersion") or "")
    summary = SbomSummary(
        format=f"spdx-{spec}" if spec else "spdx-3",
        document_name=str(document.get("name") or "") if document else "",
        package_count=len(packages),
        tools=tuple(tools),
        created=str(info.get("created") or ""),
        namespace=_spdx3_id(document) if document else "",
    )
    return Sbom(summary, tuple(packages), tuple(roots))


def _spdx3_id(e: Mapping[str, Any]) -> str:
    return str(e.get("spdxId") or e.get("@id") or "")


def _spdx3_type(e: Mapping[str, Any]) -> str:
    return str(e.get("type") or e.get("@type") or "")


def _strs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _spdx3_purl(e: Mapping[str, Any]) -> str:
    for ref in _list(e.get("externalIdentifier")):
        if str(ref.get("externalIdentifierType") or "") == "packageUrl":
            return str(ref.get("identifier") or "")
    return ""


def _spdx3_licenses(
    graph: list[Mapping[str, Any]], by_id: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """Element id → license expression: concluded first, declared when that says nothing."""
    found: dict[str, dict[str, str]] = {}
    for rel in graph:
        kind = str(rel.get("relationshipType") or "")
        if kind not in ("hasConcludedLicense", "hasDeclaredLicense"):
            continue
        target = next(iter(_strs(rel.get("to"))), "")
        expr = str(by_id.get(target, {}).get("simplelicensing_licenseExpression") or "")
        if expr and expr not in _NO_VALUE and expr != "NONE":
            found.setdefault(str(rel.get("from") or ""), {})[kind] = expr
    return {
        k: v.get("hasConcludedLicense") or v.get("hasDeclaredLicense", "") for k, v in found.items()
    }


# --------------------------------------------------------------------------- CycloneDX


def _cyclonedx(doc: Mapping[str, Any]) -> Sbom:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else {}
    meta = meta or {}
    root = meta.get("component") if isinstance(meta.get("component"), Mapping) else None
    packages = tuple(_cdx_package(c) for c in _walk(_list(doc.get("components"))))
    spec = str(doc.get("specVersion") or "")
    summary = SbomSummary(
        format=f"cyclonedx-{spec}" if spec else "cyclonedx",
        document_name=str(root.get("name") or "") if root else "",
        package_count=len(packages),
        tools=_cdx_tools(meta.get("tools")),
        created=str(meta.get("timestamp") or ""),
        namespace=str(doc.get("serialNumber") or ""),
    )
    return Sbom(summary, packages, (str(root.get("name") or ""),) if root else ())


def _walk(components: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Components depth first, in document order (iterative: nesting depth is untrusted)."""
    stack = [iter(components)]
    while stack:
        c = next(stack[-1], None)
        if c is None:
            stack.pop()
            continue
        yield c
        stack.append(iter(_list(c.get("components"))))


def _cdx_package(c: Mapping[str, Any]) -> Package:
    purl = str(c.get("purl") or "")
    return Package(
        name=str(c.get("name") or ""),
        version=str(c.get("version") or ""),
        type=purl_type(purl),
        purl=purl,
        license=_cdx_license(c.get("licenses")),
        id=str(c.get("bom-ref") or ""),
    )


def _cdx_license(items: Any) -> str:
    names: list[str] = []
    for item in _list(items):
        if item.get("expression"):
            names.append(str(item["expression"]))
            continue
        lic = item.get("license")
        if isinstance(lic, Mapping):
            value = lic.get("id") or lic.get("name")
            if value:
                names.append(str(value))
    return ", ".join(names)


def _cdx_tools(tools: Any) -> tuple[str, ...]:
    """CycloneDX ≤1.4 ``tools`` is a list; 1.5+ is ``{components: [], services: []}``."""
    if isinstance(tools, Mapping):
        entries = _list(tools.get("components")) + _list(tools.get("services"))
    else:
        entries = _list(tools)
    out = []
    for t in entries:
        name = str(t.get("name") or "")
        version = str(t.get("version") or "")
        if name:
            out.append(f"{name}-{version}" if version else name)
    return tuple(out)


def _list(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]
