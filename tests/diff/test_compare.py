"""The pure comparisons on real documents: SBOMs (SPDX and CycloneDX either side),
secret-looking build arguments, attestation signature status.

The SBOM inputs are the real BuildKit/syft SPDX document of sbom-prov-multi (linux/amd64),
the real syft and CycloneDX documents in fixtures/realworld, and for version/licence
changes a copy of the BuildKit document edited here, in plain sight, so the expected
differences are exactly the edits.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from ocitrace import Client
from ocitrace.attest.provenance import ProvenanceRecord
from ocitrace.attest.sbom import parse_sbom, parse_sbom_bytes
from ocitrace.diff import REDACTED, AttestationEntry, ConfigDiff
from ocitrace.diff.compare import (
    diff_attestations,
    diff_maps,
    diff_provenance,
    diff_sbom,
    looks_secret,
)
from ocitrace.diff.model import ImageDiff, PlatformDiff, Side
from ocitrace.diff.report import render_text, safe

ROOT = Path(__file__).resolve().parents[2]
B = "oci-layout://fixtures/buildkit"


@pytest.fixture(scope="module")
def buildkit_spdx() -> dict[str, Any]:
    with Client() as oc:
        (doc,) = oc.sbom(f"{B}/sbom-prov-multi:v1", "linux/amd64")["linux/amd64"]
    data: dict[str, Any] = json.loads(doc.document)
    return data


@pytest.fixture(scope="module")
def record() -> ProvenanceRecord:
    with Client() as oc:
        return oc.provenance(f"{B}/multi-prov-max:v1", "linux/amd64")["linux/amd64"]


def _package(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in doc["packages"] if p["name"] == name]
    (pkg,) = found
    return pkg


def test_sbom_edits_show_as_added_removed_version_and_licence(
    buildkit_spdx: dict[str, Any],
) -> None:
    new = copy.deepcopy(buildkit_spdx)
    tz = _package(new, "tzdata")
    tz["versionInfo"] = "2025a-0+deb12u1"
    tz["externalRefs"] = [
        dict(
            r, referenceLocator="pkg:deb/debian/tzdata@2025a-0%2Bdeb12u1?arch=all&distro=debian-12"
        )
        if r["referenceType"] == "purl"
        else r
        for r in tz["externalRefs"]
    ]
    _package(new, "idna")["licenseDeclared"] = "Apache-2.0"
    new["packages"] = [p for p in new["packages"] if p["name"] != "ms"]
    new["packages"].append(
        {
            "name": "requests",
            "SPDXID": "SPDXRef-Package-python-requests-test",
            "versionInfo": "2.32.0",
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "Apache-2.0",
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": "pkg:pypi/requests@2.32.0",
                }
            ],
        }
    )
    d = diff_sbom("image", parse_sbom(buildkit_spdx), parse_sbom(new))
    assert (d.old_count, d.new_count) == (6, 6)
    assert d.fields == ()
    assert [(p.name, p.version, p.type, p.license) for p in d.added] == [
        ("requests", "2.32.0", "pypi", "Apache-2.0")
    ]
    assert [(p.name, p.version, p.type, p.license) for p in d.removed] == [
        ("ms", "2.1.3", "npm", "MIT")
    ]
    assert [(c.name, c.type, c.old_version, c.new_version) for c in d.version_changed] == [
        ("tzdata", "deb", "2024a-0+deb12u1", "2025a-0+deb12u1")
    ]
    assert [(c.name, c.old_license, c.new_license) for c in d.license_changed] == [
        ("idna", "BSD-3-Clause", "Apache-2.0")
    ]


def test_spdx_against_cyclonedx() -> None:
    spdx = parse_sbom_bytes((ROOT / "fixtures/realworld/syft-spdx-image-golden.json").read_bytes())
    cdx = parse_sbom_bytes(
        (ROOT / "fixtures/realworld/cyclonedx-spec-valid-assembly-1.6.json").read_bytes()
    )
    d = diff_sbom("image", spdx, cdx)
    assert {f.name: (f.old, f.new) for f in d.fields}["format"] == ("spdx-2.3", "cyclonedx-1.6")
    # syft's golden: package-1 (purl "a-purl-1" is no purl: paired by name), package-2 (deb);
    # user-image-input is the DESCRIBES root, not a package.  CycloneDX: acme-library-a and
    # its nested acme-library-b, neither with a purl.
    assert [(p.name, p.version) for p in d.removed] == [
        ("package-1", "1.0.1"),
        ("package-2", "2.0.1"),
    ]
    assert [(p.name, p.version) for p in d.added] == [
        ("acme-library-a", "1.0.0"),
        ("acme-library-b", "2.0.0"),
    ]
    back = diff_sbom("image", cdx, spdx)
    assert [p.name for p in back.added] == [p.name for p in d.removed]
    same = diff_sbom("image", cdx, cdx)
    assert not same.differs


def test_secret_build_args_never_shown(record: ProvenanceRecord) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    old = dataclasses.replace(
        record, args={**record.args, "build-arg:NPM_TOKEN": "old-value-1", "build-arg:NOTE": "x"}
    )
    new = dataclasses.replace(
        record,
        args={
            **record.args,
            "build-arg:NPM_TOKEN": "new-value-2",
            "build-arg:NOTE": token,  # an innocent name, a token-shaped value
            "build-arg:DB_PASSWORD": "hunter2hunter2",
        },
    )
    d = diff_provenance(old, new)
    assert [(e.key, e.value, e.redacted) for e in d.build_args.added] == [
        ("DB_PASSWORD", REDACTED, True)
    ]
    changed = {c.key: c for c in d.build_args.changed}
    assert changed["NPM_TOKEN"].redacted and changed["NOTE"].redacted
    diff = ImageDiff(
        Side("a", "sha256:" + "a" * 64, "", ("linux/amd64",)),
        Side("b", "sha256:" + "b" * 64, "", ("linux/amd64",)),
        (
            PlatformDiff(
                "linux/amd64",
                "sha256:" + "c" * 64,
                "sha256:" + "c" * 64,
                d,
                (),
                ConfigDiff(old_present=True, new_present=True),
                diff_attestations((), ()),
            ),
        ),
    )
    text, js = render_text(diff), json.dumps(diff.to_json())
    for secret in ("old-value-1", "new-value-2", token, "hunter2hunter2"):
        assert secret not in text and secret not in js
    assert "  + build-arg DB_PASSWORD=<redacted>\n" in text
    assert "  ~ build-arg NPM_TOKEN: value changed (<redacted>)\n" in text


@pytest.mark.parametrize(
    ("key", "value", "secret"),
    [
        ("GITHUB_TOKEN", "x", True),
        ("aws_secret_access_key", "x", True),
        ("SSH_KEY", "x", True),
        ("APP_VERSION", "1.2.3", False),
        ("KEYBOARD", "us", False),
        ("URL", "https://user:pw@example.com/x", True),
        ("NOTE", "AKIAABCDEFGHIJKLMNOP", True),
    ],
)
def test_looks_secret(key: str, value: str, secret: bool) -> None:
    assert looks_secret(key, value) is secret


def test_maps_sorted_and_plain() -> None:
    d = diff_maps({"A": "1", "B": "2"}, {"B": "3", "C": "4"})
    assert [(e.key, e.value) for e in d.added] == [("C", "4")]
    assert [(e.key, e.value) for e in d.removed] == [("A", "1")]
    assert [(c.key, c.old, c.new) for c in d.changed] == [("B", "2", "3")]


def test_signature_status_change() -> None:
    prov = "https://slsa.dev/provenance/v1"
    old = [AttestationEntry("referrers", "attestation", prov, False, None)]
    new = [
        AttestationEntry("referrers", "attestation", prov, True, True),
        AttestationEntry("cosign-tag", "signature", "", True, None),
    ]
    d = diff_attestations(old, new)
    assert [(e.store, e.kind) for e in d.added] == [("cosign-tag", "signature")]
    (c,) = d.changed
    assert [(f.name, f.old, f.new) for f in c.fields] == [
        ("signed", False, True),
        ("verified", None, True),
    ]


def test_safe_escapes_control_characters() -> None:
    assert safe("a\x1b[31mb\x07\u202e") == "a\\x1b[31mb\\x07\\u202e"


def test_dirty_flag_and_revision(record: ProvenanceRecord) -> None:
    dirty = dataclasses.replace(record, source_revision="0" * 40, source_dirty=True)
    d = diff_provenance(record, dirty)
    assert [(f.name, f.old, f.new) for f in d.fields] == [
        ("sourceRevision", "07be85a7caebab7ad15da277facf6078c2e7adab", "0" * 40),
        ("sourceDirty", False, True),
    ]
    assert not diff_provenance(record, record).differs
