"""SBOM summaries and package tables: real syft SPDX from the fixtures, CycloneDX built here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ocitrace.attest import Package, Sbom, parse_sbom, parse_sbom_bytes, parse_statement
from ocitrace.errors import FormatError

from .layers import attestation_layers

SPDX_TYPE = "https://spdx.dev/Document"
# the six packages syft finds in the "sbom" context (fixtures/buildkit/README.md), as read
# from the core SBOM documents
CORE_PACKAGES = [
    Package(
        "base-files",
        "12.4+deb12u5",
        "deb",
        "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12",
        "",
    ),
    Package("idna", "3.6", "pypi", "pkg:pypi/idna@3.6", "BSD-3-Clause"),
    Package("left-pad", "1.3.0", "npm", "pkg:npm/left-pad@1.3.0", "WTFPL"),
    Package("ms", "2.1.3", "npm", "pkg:npm/ms@2.1.3", "MIT"),
    Package("sbom-fixture-app", "0.1.0", "npm", "pkg:npm/sbom-fixture-app@0.1.0", ""),
    Package(
        "tzdata",
        "2024a-0+deb12u1",
        "deb",
        "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
        "",
    ),
]


def spdx_docs(fixture: str) -> list[dict[str, Any]]:
    out = []
    for layer in attestation_layers(fixture):
        if layer.predicate_type == SPDX_TYPE:
            out.append(parse_statement(layer.data).predicate)
    return out


def rows(sbom: Sbom) -> list[Package]:
    return [Package(p.name, p.version, p.type, p.purl, p.license) for p in sbom.packages]


@pytest.mark.parametrize(
    ("fixture", "buildkit"),
    [
        ("sbom-prov-multi", "v0.32.2"),
        ("sbom-extras-classic", "v0.32.2"),
        ("legacy-sbom-prov-min", "v0.26.3"),
    ],
)
def test_core_sbom(fixture: str, buildkit: str) -> None:
    sbom = parse_sbom(spdx_docs(fixture)[0])
    s = sbom.summary
    assert (s.format, s.document_name, s.package_count) == ("spdx-2.3", "sbom", 6)
    # creators: Organization: Anchore, Inc / Tool: syft-v1.51.0 / Tool: buildkit-<version>
    assert s.tools == ("syft-v1.51.0", f"buildkit-{buildkit}")
    assert s.namespace.startswith("https://anchore.com/syft/dir/sbom-")
    assert sbom.roots == ("sbom",)  # SPDXRef-DocumentRoot-Directory-sbom, not a package
    assert sbom.by_type() == {"deb": 2, "npm": 3, "pypi": 1}
    amd64 = rows(sbom)
    # arch qualifier of base-files follows the platform
    assert [p.name for p in amd64] == [p.name for p in CORE_PACKAGES]
    assert amd64[1:] == CORE_PACKAGES[1:]


def test_sbom_prov_multi_amd64_created_and_ids() -> None:
    sbom = parse_sbom(spdx_docs("sbom-prov-multi")[0])
    assert sbom.summary.created == "2026-11-22T09:57:37Z"
    assert rows(sbom) == CORE_PACKAGES
    assert sbom.packages[0].id == "SPDXRef-Package-deb-base-files-6e01dc0501b177fc"


def test_sbom_extras_classic_labels_the_additional_documents() -> None:
    docs = [parse_sbom(d) for d in spdx_docs("sbom-extras-classic")]
    assert [d.summary.document_name for d in docs] == ["sbom", "sbom-context", "sbom-osbase"]
    assert [d.summary.package_count for d in docs] == [6, 6, 3]
    # BuildKit adds its own Tool creator to the core SBOM only
    assert [d.summary.tools for d in docs] == [
        ("syft-v1.51.0", "buildkit-v0.32.2"),
        ("syft-v1.51.0",),
        ("syft-v1.51.0",),
    ]
    context = docs[1]
    # in the context scan syft found no purl for the two deb packages
    assert context.by_type() == {"": 2, "npm": 3, "pypi": 1}
    assert [
        (p.name, p.type, p.purl) for p in context.packages if p.name in ("base-files", "tzdata")
    ] == [
        ("base-files", "", ""),
        ("tzdata", "", ""),
    ]
    osbase = docs[2]
    assert [p.name for p in osbase.packages] == ["base-files", "idna", "tzdata"]
    assert osbase.roots == ("sbom-osbase",)
    assert osbase.summary.created == "2026-11-22T09:59:34Z"


def test_spdx_license_fallbacks() -> None:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "name": "x",
        "packages": [
            {"name": "a", "licenseConcluded": "MIT", "licenseDeclared": "Apache-2.0"},
            {"name": "b", "licenseConcluded": "NOASSERTION", "licenseDeclared": "GPL-2.0-only"},
            {"name": "c", "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION"},
            {"name": "d", "licenseConcluded": "NONE"},
        ],
        "documentDescribes": [],
    }
    assert [p.license for p in parse_sbom(doc).packages] == ["MIT", "GPL-2.0-only", "", "NONE"]


def test_spdx_document_describes_list() -> None:
    doc = {
        "spdxVersion": "SPDX-2.2",
        "documentDescribes": ["SPDXRef-root"],
        "packages": [
            {"name": "img", "SPDXID": "SPDXRef-root"},
            {"name": "zlib", "SPDXID": "SPDXRef-z"},
        ],
    }
    sbom = parse_sbom(doc)
    assert (sbom.summary.format, sbom.roots, [p.name for p in sbom.packages]) == (
        "spdx-2.2",
        ("img",),
        ["zlib"],
    )


def cyclonedx_from(packages: list[Package], spec: str, tools: Any) -> dict[str, Any]:
    """A CycloneDX JSON BOM (bom-1.x schema field names) listing the given packages."""
    return {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "timestamp": "2026-11-22T09:57:37Z",
            "tools": tools,
            "component": {
                "bom-ref": "root",
                "type": "container",
                "name": "127.0.0.1:5200/ocitrace/sbom-prov-multi",
            },
        },
        "components": [
            {
                "bom-ref": p.purl or p.name,
                "type": "library",
                "name": p.name,
                "version": p.version,
                **({"purl": p.purl} if p.purl else {}),
                **({"licenses": [{"license": {"id": p.license}}]} if p.license else {}),
            }
            for p in packages
        ],
    }


@pytest.mark.parametrize(
    ("spec", "tools", "expected_tools"),
    [
        ("1.4", [{"vendor": "anchore", "name": "syft", "version": "1.51.0"}], ("syft-1.51.0",)),
        (
            "1.5",
            {
                "components": [
                    {
                        "type": "application",
                        "author": "anchore",
                        "name": "syft",
                        "version": "1.51.0",
                    }
                ]
            },
            ("syft-1.51.0",),
        ),
        ("1.6", {"services": [{"name": "scout"}]}, ("scout",)),
    ],
)
def test_cyclonedx_matches_the_spdx_table(
    spec: str, tools: Any, expected_tools: tuple[str, ...]
) -> None:
    spdx = parse_sbom(spdx_docs("sbom-prov-multi")[0])
    doc = cyclonedx_from(list(spdx.packages), spec, tools)
    cdx = parse_sbom_bytes(json.dumps(doc).encode())
    assert rows(cdx) == rows(spdx)
    s = cdx.summary
    assert (s.format, s.package_count, s.tools) == (f"cyclonedx-{spec}", 6, expected_tools)
    assert s.document_name == "127.0.0.1:5200/ocitrace/sbom-prov-multi"
    assert cdx.roots == ("127.0.0.1:5200/ocitrace/sbom-prov-multi",)
    assert s.namespace == "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    assert s.created == "2026-11-22T09:57:37Z"
    assert cdx.by_type() == spdx.by_type()


def test_cyclonedx_nested_components_and_expressions() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {
                "name": "outer",
                "purl": "pkg:maven/org.example/outer@1",
                "licenses": [{"expression": "Apache-2.0 OR MIT"}],
                "components": [
                    {
                        "name": "inner",
                        "purl": "pkg:maven/org.example/inner@2",
                        "licenses": [{"license": {"name": "Custom"}}],
                    }
                ],
            }
        ],
    }
    sbom = parse_sbom(doc)
    assert [(p.name, p.type, p.license) for p in sbom.packages] == [
        ("outer", "maven", "Apache-2.0 OR MIT"),
        ("inner", "maven", "Custom"),
    ]
    assert sbom.roots == () and sbom.summary.document_name == ""


def test_not_an_sbom() -> None:
    with pytest.raises(
        FormatError, match=r"not an SPDX 2\.x, SPDX 3 JSON-LD or CycloneDX JSON document"
    ):
        parse_sbom({"@context": "https://spdx.org/rdf/3.0.0/spdx-context.jsonld"})
    with pytest.raises(FormatError, match="SBOM is not valid JSON"):
        parse_sbom_bytes(b"<bom/>")
