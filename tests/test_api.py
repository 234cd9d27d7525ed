"""ocitrace.api.Client against Debian's docker-registry and the BuildKit fixture layouts.

Expected values come from the fixtures themselves (blob bytes, their README's digests, raw
predicates read here with plain ``json``) and from real buildx output (fixtures/golden).
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocitrace import Client
from ocitrace.api import AuditResult, RefLike, provenances_of, sboms_of
from ocitrace.audit.rows import Status
from ocitrace.discover import Store
from ocitrace.errors import (
    ConfigError,
    NotFound,
    PolicyError,
    ReferenceError,
    RegistryError,
    Unauthorized,
    UsageError,
)
from ocitrace.inspect.inspection import Inspection
from ocitrace.oci.model import Platform
from ocitrace.reference import parse_any, parse_reference
from ocitrace.template import ExecError
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "fixtures" / "golden" / "buildx"
GOLDEN_PREFIX = "127.0.0.1:5200/ocitrace/"
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
# fixtures/buildkit/README.md "Index digests"; the arm64 image is single-plain's manifest
MULTI_PROV_MAX = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
SBOM_PROV_MULTI = "sha256:a0e1d3474152c9c15c70ce76dbfce9a4957bbfeb9800d1d0ec7a38ca08215d6f"
SINGLE_PLAIN = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
PUSHED = ("multi-prov-max", "sbom-prov-multi", "single-plain", "git-context-max")


# --- fixture readers (plain json, no ocitrace) ------------------------------------------


def blob(fixture: str, digest: str) -> bytes:
    return (fixture_dir(fixture) / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()


def top_entry(fixture: str) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads((fixture_dir(fixture) / "index.json").read_text())[
        "manifests"
    ][0]
    return entry


def platform_key(p: dict[str, str]) -> str:
    return "/".join(x for x in (p["os"], p["architecture"], p.get("variant", "")) if x)


def raw_statements(fixture: str) -> dict[str, list[dict[str, Any]]]:
    """In-toto statements of each platform's BuildKit attestation manifest, in layer order."""
    index = json.loads(blob(fixture, top_entry(fixture)["digest"]))
    platforms = {m["digest"]: platform_key(m["platform"]) for m in index["manifests"]}
    out: dict[str, list[dict[str, Any]]] = {}
    for m in index["manifests"]:
        ann = m.get("annotations", {})
        if ann.get("vnd.docker.reference.type") != "attestation-manifest":
            continue
        manifest = json.loads(blob(fixture, m["digest"]))
        key = platforms[ann["vnd.docker.reference.digest"]]
        out[key] = [json.loads(blob(fixture, lay["digest"])) for lay in manifest["layers"]]
    return out


def predicates(fixture: str, prefix: str) -> dict[str, dict[str, Any]]:
    return {
        key: next(s["predicate"] for s in sts if s["predicateType"].startswith(prefix))
        for key, sts in raw_statements(fixture).items()
    }


def golden(fixture: str, case: str) -> str:
    return (GOLDEN / fixture / f"{case}.out").read_text()


def layout(fixture: str, suffix: str = ":v1") -> str:
    return f"oci-layout://{fixture_dir(fixture)}{suffix}"


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def host(registry: RunningRegistry) -> str:
    """The registry holding ``api/<fixture>:v1`` for each fixture in PUSHED (and ``:v2``)."""
    for fixture in PUSHED:
        push_layout(registry, fixture_dir(fixture), f"api/{fixture}", "v1", auth=None)
    push_layout(registry, fixture_dir("multi-prov-max"), "api/multi-prov-max", "v2", auth=None)
    return registry.host


@pytest.fixture(scope="module")
def oc() -> Iterator[Client]:
    with Client(concurrency=8) as client:
        yield client


@pytest.fixture(params=["registry", "layout"])
def where(request: pytest.FixtureRequest) -> str:
    param: str = request.param
    return param


def ref_for(where: str, host: str, fixture: str, suffix: str = ":v1") -> str:
    return f"{host}/api/{fixture}{suffix}" if where == "registry" else layout(fixture, suffix)


# --- resolve / manifest / digests ----------------------------------------------------------


def test_resolve_gives_the_stored_descriptor(oc: Client, host: str, where: str) -> None:
    desc = oc.resolve(ref_for(where, host, "multi-prov-max"))
    assert (desc.media_type, desc.digest) == (INDEX, MULTI_PROV_MAX)
    assert desc.size == len(blob("multi-prov-max", MULTI_PROV_MAX))


def test_resolve_accepts_parsed_references(oc: Client, host: str) -> None:
    by_tag = parse_reference(f"{host}/api/sbom-prov-multi:v1")
    assert oc.resolve(by_tag).digest == SBOM_PROV_MULTI
    by_digest = parse_reference(f"{host}/api/sbom-prov-multi@{SBOM_PROV_MULTI}")
    assert oc.resolve(by_digest).digest == SBOM_PROV_MULTI
    assert oc.resolve(parse_any(layout("sbom-prov-multi"))).digest == SBOM_PROV_MULTI


def test_manifest_bytes_exact(oc: Client, host: str, where: str) -> None:
    fetched = oc.manifest(ref_for(where, host, "multi-prov-max"))
    assert fetched.data == blob("multi-prov-max", MULTI_PROV_MAX)
    assert fetched.descriptor.digest == MULTI_PROV_MAX


def test_manifest_of_a_platform(oc: Client, host: str, where: str) -> None:
    fetched = oc.manifest(ref_for(where, host, "multi-prov-max"), platform="linux/arm64")
    assert fetched.data == blob("multi-prov-max", SINGLE_PLAIN)
    assert "sha256:" + hashlib.sha256(fetched.data).hexdigest() == SINGLE_PLAIN
    assert fetched.descriptor.media_type == MANIFEST
    same = oc.manifest(ref_for(where, host, "multi-prov-max"), Platform("linux", "arm64", "v8"))
    assert same.data == fetched.data


def test_manifest_of_a_missing_platform_names_the_available_ones(oc: Client, host: str) -> None:
    with pytest.raises(NotFound) as err:
        oc.manifest(f"{host}/api/multi-prov-max:v1", platform="windows/amd64")
    assert "linux/arm64" in err.value.hint


def test_digests_one_result_per_input_in_order(oc: Client, host: str) -> None:
    inputs: list[RefLike] = [
        f"{host}/api/multi-prov-max:v1",
        "Bad/UPPER:v1",
        layout("sbom-prov-multi"),
        f"{host}/api/multi-prov-max:missing",
        parse_reference(f"{host}/api/single-plain:v1"),
    ]
    results = oc.digests(inputs)
    assert [r.digest for r in results] == [MULTI_PROV_MAX, "", SBOM_PROV_MULTI, "", SINGLE_PLAIN]
    assert results[0].input == inputs[0]
    assert isinstance(results[1].error, ReferenceError)
    assert isinstance(results[3].error, NotFound)
    assert [r.ok for r in results] == [True, False, True, False, True]


def test_digests_of_a_platform(oc: Client, host: str) -> None:
    results = oc.digests(
        [f"{host}/api/multi-prov-max:v1", layout("multi-prov-max")], platform="linux/arm64"
    )
    assert [r.digest for r in results] == [SINGLE_PLAIN, SINGLE_PLAIN]
    assert oc.digests([f"{host}/api/multi-prov-max:v1"], index=True)[0].digest == MULTI_PROV_MAX
    with pytest.raises(UsageError):
        oc.digests([f"{host}/api/multi-prov-max:v1"], platform="linux/arm64", index=True)


# --- tags / catalog --------------------------------------------------------------------------


def test_tags(oc: Client, host: str) -> None:
    assert oc.tags(f"{host}/api/multi-prov-max") == ["v1", "v2"]
    assert oc.tags(layout("multi-prov-max", "")) == ["v1"]
    with pytest.raises(UsageError):
        oc.tags(f"{host}/api/multi-prov-max:v1")


def test_catalog(oc: Client, host: str) -> None:
    names = list(oc.catalog(host))
    assert {f"api/{f}" for f in PUSHED} <= set(names)
    assert sorted(oc.catalog(host, prefix="api/multi")) == ["api/multi-prov-max"]
    assert sorted(oc.catalog(f"{host}/api/sbom")) == ["api/sbom-prov-multi"]
    with pytest.raises(UsageError, match="not a URL"):
        oc.catalog(f"http://{host}")
    with pytest.raises(UsageError, match="empty registry host"):
        oc.catalog("/team")
    # same check as ``ocitrace catalog`` (reference.split_registry_prefix): no request is sent
    with pytest.raises(ReferenceError, match="not a valid host"):
        oc.catalog("bad host!/team")


# --- inspect -------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", PUSHED)
def test_inspect_listing_equals_buildx(oc: Client, host: str, fixture: str) -> None:
    expected = golden(fixture, "default").replace(GOLDEN_PREFIX, f"{host}/api/")
    assert oc.inspect_listing(f"{host}/api/{fixture}:v1") == expected


def test_inspect_listing_of_a_layout_names_it(oc: Client) -> None:
    """buildx's layout names: the top keeps the tag, entries are ``oci-layout://DIR@digest``."""
    path = fixture_dir("multi-prov-max")
    golden_ref = f"{GOLDEN_PREFIX}multi-prov-max:v1"
    expected = (
        golden("multi-prov-max", "default")
        .replace(f"{golden_ref}@", f"oci-layout://{path}@")
        .replace(golden_ref, f"oci-layout://{path}:v1")
    )
    assert oc.inspect_listing(layout("multi-prov-max")) == expected


def test_inspect_format_equals_buildx(oc: Client, host: str) -> None:
    ref = f"{host}/api/multi-prov-max:v1"
    assert oc.inspect_format(ref, "{{json .Provenance}}") == golden(
        "multi-prov-max", "json-provenance"
    )
    assert oc.inspect_format(ref, "{{json .SBOM}}") == golden("multi-prov-max", "json-sbom")
    assert oc.inspect_format(ref, "{{.Name}}") == ref  # the reference as given
    assert oc.inspect_format(ref, "{{.Manifest}}") == oc.inspect_listing(ref)


def test_inspect_format_errors_are_template_errors(oc: Client) -> None:
    with pytest.raises(ExecError) as err:
        oc.inspect_format(layout("single-plain"), "x{{index .Manifest 1}}")
    assert err.value.partial_output == "x"


def test_inspect_format_logs_missing_provenance(
    oc: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ocitrace.api"):
        assert oc.inspect_format(layout("multi-prov-max"), "{{json .SBOM}}") == "{}"
    assert any("SPDX SBOM" in r.getMessage() for r in caplog.records)


def test_inspect_is_lazy_and_narrows_platforms(oc: Client, host: str) -> None:
    ins = oc.inspect(f"{host}/api/multi-prov-max:v1")
    assert isinstance(ins, Inspection)
    assert ins.raw() == blob("multi-prov-max", MULTI_PROV_MAX)
    assert sorted(ins.images()) == ["linux/amd64", "linux/arm/v7", "linux/arm64"]
    one = oc.inspect(f"{host}/api/multi-prov-max:v1", platforms=["linux/arm64"])
    image = one.images()["linux/arm64"]
    assert image is not None
    with pytest.raises(NotFound):
        oc.inspect(f"{host}/api/multi-prov-max:v1", platforms=["linux/s390x"])


# --- attestations / provenance / sbom --------------------------------------------------------


def test_attestations_of_multi_prov_max(oc: Client, host: str, where: str) -> None:
    d = oc.attestations(ref_for(where, host, "multi-prov-max"), cosign=False)
    index = json.loads(blob("multi-prov-max", MULTI_PROV_MAX))
    att_manifests = {
        m["digest"]
        for m in index["manifests"]
        if m.get("annotations", {}).get("vnd.docker.reference.type") == "attestation-manifest"
    }
    assert len(d.attestations) == 3
    assert {a.store for a in d.attestations} == {Store.BUILDKIT}
    assert {a.manifest_digest for a in d.attestations} == att_manifests
    assert {a.predicate_type for a in d.attestations} == {"https://slsa.dev/provenance/v1"}
    assert [i.platform for i in d.images] == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    assert d.top.digest == MULTI_PROV_MAX


def test_attestations_of_one_platform(oc: Client) -> None:
    d = oc.attestations(layout("multi-prov-max"), ["linux/arm/v7"])
    assert [a.platform for a in d.attestations] == ["linux/arm/v7"]


def test_attestations_of_a_missing_platform_name_the_reference(oc: Client, host: str) -> None:
    """Named as ``ocitrace att`` names it: the reference with its tag."""
    with pytest.raises(NotFound, match=rf"^{host}/api/multi-prov-max:v1: no image for platform"):
        oc.attestations(f"{host}/api/multi-prov-max:v1", ["linux/s390x"])


def test_attestations_lookup_switches(oc: Client, host: str) -> None:
    ref = f"{host}/api/multi-prov-max:v1"
    stores = {c.place.split()[0] for c in oc.attestations(ref).checked}
    assert {"buildkit", "referrers", "cosign"} <= stores
    off = oc.attestations(ref, referrers=False, cosign=False)
    assert {c.place for c in off.checked} == {"buildkit index entries"}
    assert len(off.attestations) == 3


@pytest.mark.parametrize(
    ("fixture", "mode"),  # mode: the attest:provenance=mode=... of fixtures/buildkit/README.md
    [("multi-prov-max", "max"), ("multi-prov-min", "min"), ("git-context-max", "max")],
)
def test_provenance_records_slsa_v1(oc: Client, fixture: str, mode: str) -> None:
    records = oc.provenance(layout(fixture))
    preds = predicates(fixture, "https://slsa.dev/provenance/")
    assert set(records) == set(preds)
    for key, record in records.items():
        pred = preds[key]
        assert record.slsa_version == "v1"
        assert record.mode == mode
        assert record.builder_id == pred["runDetails"]["builder"]["id"]
        vcs = pred["runDetails"]["metadata"]["buildkit_metadata"].get("vcs")
        config = pred["buildDefinition"]["externalParameters"]["configSource"]
        if vcs:
            assert (record.source_repository, record.source_revision) == (
                vcs["source"],
                vcs["revision"],
            )
        else:  # git context: the config source's URL (without #ref) and recorded digest
            assert record.source_repository == config["uri"].split("#")[0]
            assert record.source_revision == config["digest"]["sha1"]


def test_git_context_builder_id(oc: Client, host: str) -> None:
    records = oc.provenance(f"{host}/api/git-context-max:v1", platform="linux/arm64")
    assert list(records) == ["linux/arm64"]
    assert records["linux/arm64"].builder_id == "https://ci.example.invalid/runners/7"


def test_provenance_records_slsa_v02(oc: Client) -> None:
    records = oc.provenance(layout("classic-slsa02-max"), cosign=False)
    preds = predicates("classic-slsa02-max", "https://slsa.dev/provenance/")
    assert set(records) == {"linux/amd64", "linux/arm64", "linux/arm/v7"} == set(preds)
    for key, record in records.items():
        pred = preds[key]
        vcs = pred["metadata"]["https://mobyproject.org/buildkit@v1#metadata"]["vcs"]
        assert record.slsa_version == "v0.2"
        assert record.mode == "max"
        assert record.builder_id == pred["builder"]["id"]
        assert (record.source_repository, record.source_revision) == (
            vcs["source"],
            vcs["revision"],
        )


def test_provenance_from_registry_equals_layout(oc: Client, host: str) -> None:
    assert oc.provenance(f"{host}/api/multi-prov-max:v1") == oc.provenance(layout("multi-prov-max"))


def test_provenance_absent_is_empty(oc: Client, host: str) -> None:
    assert oc.provenance(f"{host}/api/single-plain:v1", cosign=False) == {}


def test_sbom_of_sbom_prov_multi(oc: Client, host: str, where: str) -> None:
    docs = oc.sbom(ref_for(where, host, "sbom-prov-multi"))
    spdx = predicates("sbom-prov-multi", "https://spdx.dev/")
    assert set(docs) == {"linux/amd64", "linux/arm64"} == set(spdx)
    for key, (doc,) in docs.items():
        assert doc.primary and doc.format == "spdx-json" and doc.name == "sbom"
        assert json.loads(doc.document) == spdx[key]
        described = {
            r["relatedSpdxElement"]
            for r in spdx[key]["relationships"]
            if r["relationshipType"] == "DESCRIBES" and r["spdxElementId"] == "SPDXRef-DOCUMENT"
        }
        contents = [p["name"] for p in spdx[key]["packages"] if p["SPDXID"] not in described]
        assert len(contents) == 6  # the document root (the scanned directory) is not a package
        assert [p.name for p in doc.sbom.packages] == contents
        assert doc.sbom.summary.package_count == 6
        assert doc.sbom.roots == ("sbom",)


def test_library_level_selection_functions(oc: Client) -> None:
    d = oc.attestations(layout("sbom-prov-multi"))
    assert [f.attestation.platform for f in provenances_of(d)] == ["linux/amd64", "linux/arm64"]
    assert [s.attestation.platform for s in sboms_of(d)] == ["linux/amd64", "linux/arm64"]


# --- audit ---------------------------------------------------------------------------------


def test_audit_rows_and_summary(oc: Client, host: str) -> None:
    result = oc.audit(
        [f"{host}/api/multi-prov-max", f"{host}/api/single-plain:v1"], require=["provenance"]
    )
    assert isinstance(result, AuditResult)
    rows = [(r.repository, r.tag, r.platform, r.status) for r in result.rows]
    repo = f"{host}/api/multi-prov-max"
    assert rows[:3] == [
        (repo, "v1", "linux/amd64", Status.OK),
        (repo, "v1", "linux/arm64", Status.OK),
        (repo, "v1", "linux/arm/v7", Status.OK),
    ]
    assert len(rows) == 7  # v1 and v2 (3 platforms each) + single-plain
    assert rows[-1][0] == f"{host}/api/single-plain"
    assert rows[-1][3] is Status.FAIL
    assert (result.summary.ok, result.summary.failed, result.summary.errors) == (6, 1, 0)
    assert (result.repositories, result.images, result.ok) == (2, 3, False)
    assert all(r.facts.mode == "max" for r in result.rows[:6])


def test_audit_by_image_and_errors(oc: Client, host: str) -> None:
    result = oc.audit([f"{host}/api/sbom-prov-multi:v1", f"{host}/api/nope:v1"], by="image")
    assert [(r.repository, r.status) for r in result.rows] == [
        (f"{host}/api/nope", Status.ERROR),
        (f"{host}/api/sbom-prov-multi", Status.OK),
    ]
    assert result.rows[1].facts.sbom_packages == 6
    with pytest.raises(PolicyError):
        oc.audit([host], require=["nonsense"])


# --- errors, options, lifecycle --------------------------------------------------------------


def test_typed_errors(oc: Client, host: str) -> None:
    with pytest.raises(NotFound):
        oc.resolve(f"{host}/api/multi-prov-max:missing")
    with pytest.raises(NotFound):
        oc.manifest(layout("multi-prov-max", ":missing"))
    with pytest.raises(ReferenceError):
        oc.resolve("Bad/UPPER:v1")
    with pytest.raises(ReferenceError):
        oc.inspect("app:bad tag")


def test_client_options_are_checked() -> None:
    with pytest.raises(UsageError):
        Client(username="only-me")
    with pytest.raises(UsageError):
        Client(timeout=0)
    with pytest.raises(UsageError):
        Client(concurrency=0)
    with pytest.raises(ConfigError):
        Client(ca_cert="/nonexistent/ca.pem")


def test_insecure_registries_takes_one_host_or_many() -> None:
    with (
        Client(insecure_registries="myhost:5000") as one,
        Client(insecure_registries=["a:1", "b:2"]) as many,
    ):
        assert one.transport.options.insecure_registries == frozenset({"myhost:5000"})
        assert many.transport.options.insecure_registries == frozenset({"a:1", "b:2"})
        assert one.transport.base_url("myhost:5000") == "http://myhost:5000"
        assert many.transport.base_url("myhost:5000") == "https://myhost:5000"


def test_closed_client_refuses_work() -> None:
    client = Client()
    client.close()
    client.close()  # idempotent
    with pytest.raises(UsageError):
        client.resolve(layout("single-plain"))


def test_one_client_from_many_threads(oc: Client, host: str) -> None:
    refs = [f"{host}/api/{f}:v1" for f in PUSHED] * 8
    got: dict[int, str] = {}

    def work(n: int) -> None:
        got[n] = oc.resolve(refs[n]).digest

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(refs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = {
        f: "sha256:" + hashlib.sha256(oc.manifest(f"{host}/api/{f}:v1").data).hexdigest()
        for f in PUSHED
    }
    assert [got[n] for n in range(len(refs))] == [expected[f] for f in PUSHED] * 8


def test_import_ocitrace_is_light() -> None:
    code = "import ocitrace, sys; assert 'requests' not in sys.modules; print(ocitrace.__version__)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    # the Client builds (and imports) the transport on first use only; requests is never
    # the HTTP client (imported only for proxies from the environment)
    check = (
        "import ocitrace, sys; c = ocitrace.Client(); "
        "assert 'urllib3' not in sys.modules and 'ocitrace.transport' not in sys.modules; "
        "c.transport; assert 'ocitrace.transport.core' in sys.modules; "
        "assert 'requests' not in sys.modules"
    )
    assert subprocess.run([sys.executable, "-c", check], check=False).returncode == 0


def test_package_exports_resolve() -> None:
    import ocitrace

    for name in ocitrace.__all__:
        assert getattr(ocitrace, name) is not None
    with pytest.raises(AttributeError):
        ocitrace.NoSuchThing  # noqa: B018


def test_module_docstring_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import ocitrace.api

    doc = ocitrace.api.__doc__ or ""
    code = doc.split("::\n", 1)[1].split('\n"""', 1)[0]
    lines = [ln[4:] for ln in code.splitlines()]
    monkeypatch.chdir(ROOT)
    printed: list[str] = []
    exec("\n".join(lines), {"print": lambda *a: printed.append(" ".join(map(str, a)))})
    assert printed[0] == MULTI_PROV_MAX
    assert printed[1:4] == [
        f"{p} max https://github.com/ocitrace-fixtures/app.git "
        "07be85a7caebab7ad15da277facf6078c2e7adab"
        for p in ("linux/amd64", "linux/arm64", "linux/arm/v7")
    ]
    assert printed[4] == INDEX


# --- authentication and TLS options ----------------------------------------------------------


@pytest.fixture
def no_ambient_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home: no docker config, no containers auth.json."""
    for name in ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    return tmp_path / "docker"


def test_token_registry_one_token_per_scope_across_calls(
    registry_factory: Any, no_ambient_credentials: Path
) -> None:
    reg = registry_factory("token")
    push_layout(reg, fixture_dir("multi-prov-max"), "private/app", "v1")
    ref = f"{reg.host}/private/app:v1"
    before = len(reg.token_requests())
    with Client(
        username=reg.username, password=reg.password, docker_config_dir=no_ambient_credentials
    ) as oc:
        assert oc.resolve(ref).digest == MULTI_PROV_MAX
        assert oc.manifest(ref).data == blob("multi-prov-max", MULTI_PROV_MAX)
        assert oc.inspect_listing(ref).startswith(f"Name:      {ref}\n")
        assert set(oc.provenance(ref, cosign=False)) == {
            "linux/amd64",
            "linux/arm64",
            "linux/arm/v7",
        }
    asked = reg.token_requests()[before:]
    assert [(t["user"], t["status"]) for t in asked] == [(reg.username, 200)]
    with Client(docker_config_dir=no_ambient_credentials) as anon, pytest.raises(Unauthorized):
        anon.resolve(ref)


def test_tls_registry_with_ca_cert(registry_factory: Any, no_ambient_credentials: Path) -> None:
    reg = registry_factory("tls")
    push_layout(reg, fixture_dir("single-plain"), "tls/app", "v1")
    ref = f"{reg.host}/tls/app:v1"
    with Client(ca_cert=reg.ca_cert, docker_config_dir=no_ambient_credentials) as oc:
        assert oc.resolve(ref).digest == SINGLE_PLAIN
    # without a CA, loopback is spoken to in plain HTTP: Go's TLS server answers 400
    with (
        Client(docker_config_dir=no_ambient_credentials) as plain,
        pytest.raises(RegistryError) as err,
    ):
        plain.resolve(ref)
    assert err.value.status == 400


def test_audit_of_layouts(oc: Client, host: str) -> None:
    path = fixture_dir("multi-prov-max")
    one = oc.audit([layout("multi-prov-max")], require=["provenance"], require_mode="max")
    assert [(r.repository, r.tag, r.platform, r.status) for r in one.rows] == [
        (f"oci-layout://{path}", "v1", p, Status.OK)
        for p in ("linux/amd64", "linux/arm64", "linux/arm/v7")
    ]
    every_tag = oc.audit([parse_any(layout("single-plain", "")), layout("sbom-prov-multi")])
    assert [(r.tag, r.platform, r.facts.sbom_packages) for r in every_tag.rows] == [
        ("v1", "linux/amd64", 6),
        ("v1", "linux/arm64", 6),
        ("v1", "linux/arm64", None),  # single-plain: a manifest, platform from its config
    ]
    by_digest = oc.audit(
        [layout("multi-prov-max", f"@{MULTI_PROV_MAX}")], platforms=["linux/arm64"]
    )
    assert [(r.digest, r.platform) for r in by_digest.rows] == [(MULTI_PROV_MAX, "linux/arm64")]
    registry_ref = oc.audit([parse_reference(f"{host}/api/single-plain")])
    assert [(r.repository, r.tag) for r in registry_ref.rows] == [
        (f"{host}/api/single-plain", "v1")
    ]
