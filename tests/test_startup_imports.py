"""Which modules each start-up path loads (issue 14 item 1): deterministic, never timed.

Each case runs the real CLI entry point (what the ``ocitrace`` console script calls) in a
fresh interpreter and reads ``sys.modules`` at exit.  The times themselves are
``bench/startup.py``'s business (``make bench`` fails when a target is missed); this test
holds the structure that makes them possible: ``--version`` loads the package root and
``cli/main`` only, a layout never loads the HTTP stack, ``digest`` no decoder or template
engine, the default ``inspect`` listing no template engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.registry import RunningRegistry, fixture_dir, push_layout

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = "fixtures/buildkit/multi-prov-max"
LAYOUT_REF = f"oci-layout://{LAYOUT}:v1"
#: the fixture's top-level digest, as its index.json records it
TOP_DIGEST = json.loads((ROOT / LAYOUT / "index.json").read_text())["manifests"][0]["digest"]

#: prints the loaded modules when the interpreter exits, then runs the console script's code
_PROBE = """\
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n"))
sys.argv = ["ocitrace", *sys.argv[1:]]
from ocitrace.cli.main import entry
entry()
"""

#: never needed to read an OCI layout
HTTP_STACK = ("requests", "urllib3", "ssl", "http.client", "certifi", "dateutil")
#: never needed by digest/inspect: signatures, decoders of attestations, other commands' parts
HEAVY = (
    "cryptography",
    "sigstore",
    "ocitrace.discover",
    "ocitrace.attest",
    "ocitrace.audit",
    "ocitrace.verify",
    "ocitrace.diff",
)
OURS_HTTP = ("ocitrace.transport", "ocitrace.registry")
#: what the default listing (top-level bytes only) does not load
LISTING_UNNEEDED = (
    "concurrent.futures",
    "hashlib",
    "datetime",
    "base64",
    "ocitrace.inspect.tree",
    "ocitrace.inspect.fetcher",
    "ocitrace.inspect.image",
    "ocitrace.inspect.gotime",
    "ocitrace.inspect.attestations",
    "ocitrace.oci.config",
)


def _loaded(
    args: list[str], code: str = _PROBE
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    line = res.stderr.rpartition("\nMODULES ")[2]
    assert line, res.stderr
    return set(line.split()), res


def _baseline() -> set[str]:
    mods, _ = _loaded(
        [], "import atexit, sys\nsys.stderr.write('\\nMODULES ' + ' '.join(sys.modules))"
    )
    return mods


def _present(mods: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (a module or any of its submodules) are loaded."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in mods))


def test_version_loads_the_package_root_and_cli_main_only() -> None:
    mods, res = _loaded(["--version"])
    assert (res.returncode, res.stdout) == (0, "ocitrace 0.1.0\n")
    extra = mods - _baseline()
    # the package root is ocitrace/__init__.py with its two helpers (version, lazy names)
    root = {"ocitrace", "ocitrace._version", "ocitrace.lazymod"}
    assert extra <= root | {"ocitrace.cli", "ocitrace.cli.main"}, sorted(extra)


def test_version_after_global_flags_takes_the_same_path() -> None:
    mods, res = _loaded(["-vv", "--debug", "--version"])
    assert (res.returncode, res.stdout) == (0, "ocitrace 0.1.0\n")
    assert "argparse" not in mods and "logging" not in mods


def test_help_still_goes_through_argparse_and_lists_every_command() -> None:
    from ocitrace.cli.main import COMMANDS

    mods, res = _loaded(["--help"])
    assert res.returncode == 0 and "argparse" in mods
    listed = res.stdout.split("positional arguments:", 1)[1].split("options:", 1)[0]
    for name in COMMANDS:
        assert f"\n    {name} " in listed or f"\n    {name}\n" in listed, name


def test_digest_of_a_layout_loads_no_http_stack_and_no_decoders() -> None:
    mods, res = _loaded(["digest", LAYOUT_REF])
    assert (res.returncode, res.stdout) == (0, TOP_DIGEST + "\n"), res.stderr
    assert _present(mods, HTTP_STACK + OURS_HTTP + HEAVY) == []
    assert _present(mods, ("ocitrace.inspect", "ocitrace.template")) == []
    assert "_hashlib" not in mods  # no blob is read, so OpenSSL's libcrypto is not loaded
    assert "concurrent.futures" not in mods  # one reference: looked up inline, no worker
    assert "logging" not in mods  # nothing logged at WARNING: ocitrace.lazylog never imports it


def test_default_inspect_of_a_layout_loads_no_http_stack_and_no_template_engine() -> None:
    mods, res = _loaded(["inspect", LAYOUT_REF])
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"Name:      {LAYOUT_REF}\n")
    assert f"Digest:    {TOP_DIGEST}\n" in res.stdout
    assert _present(mods, HTTP_STACK + OURS_HTTP + HEAVY) == []
    assert _present(mods, ("ocitrace.template",)) == []
    # the listing needs the top-level bytes only: no tree walk, no worker pool, no decoders
    assert _present(mods, LISTING_UNNEEDED) == [], _present(mods, LISTING_UNNEEDED)
    assert "_hashlib" not in mods  # small blobs are hashed without loading OpenSSL
    assert "logging" not in mods  # the layout's DEBUG lines are dropped without importing it


def test_a_listing_of_a_layout_compiles_no_reference_or_platform_regex() -> None:
    """Module-level patterns are compiled on first use (ocitrace.lazyre): the layout path
    matches no registry reference, platform string or size flag."""
    code = _PROBE.replace(
        "entry()",
        "import atexit, re, sys\n"
        "from ocitrace.lazyre import _LazyPattern\n"
        "def _report():\n"
        "    names = []\n"
        "    for mod in ('ocitrace.reference', 'ocitrace.oci.platform', 'ocitrace.cli.common'):\n"
        "        for k, v in vars(sys.modules[mod]).items():\n"
        "            if isinstance(v, _LazyPattern) and v._compiled is not None:\n"
        "                names.append(mod + '.' + k)\n"
        "            elif isinstance(v, re.Pattern):\n"
        "                names.append('eager ' + mod + '.' + k)\n"
        "    sys.stderr.write('\\nCOMPILED ' + ' '.join(sorted(names)) + '\\n')\n"
        "atexit.register(_report)\n"
        "entry()",
    )
    _, res = _loaded(["inspect", LAYOUT_REF], code)
    assert res.returncode == 0, res.stderr
    compiled = res.stderr.split("\nCOMPILED ", 1)[1].split("\n", 1)[0].split()
    # the layout reference's tag is checked, and only that
    assert compiled == ["ocitrace.reference._TAG_RE"], compiled


def test_library_resolve_of_a_layout_loads_no_http_stack() -> None:
    code = (
        "import sys\n"
        "from ocitrace import Client\n"
        f"print(Client().resolve({LAYOUT_REF!r}).digest)\n"
        "sys.stderr.write('\\nMODULES ' + ' '.join(sys.modules))\n"
    )
    mods, res = _loaded([], code)
    assert res.stdout == TOP_DIGEST + "\n", res.stderr
    assert _present(mods, HTTP_STACK + OURS_HTTP + HEAVY) == []


@pytest.fixture(scope="module")
def pushed(registry: RunningRegistry) -> str:
    push_layout(registry, fixture_dir("multi-prov-max"), "startup/imports", "v1", auth=None)
    return f"{registry.host}/startup/imports:v1"


def test_digest_on_a_registry_loads_no_decoders_and_no_template_engine(pushed: str) -> None:
    mods, res = _loaded(["digest", pushed])
    assert (res.returncode, res.stdout) == (0, TOP_DIGEST + "\n"), res.stderr
    assert _present(mods, ("ocitrace.transport", "ocitrace.registry")) == sorted(OURS_HTTP)
    assert _present(mods, (*HEAVY, "ocitrace.inspect", "ocitrace.template")) == []
    # a token reply's issued_at is parsed only when there is one; requests is not the client
    assert _present(mods, ("dateutil", "requests")) == []
    # plain HTTP on loopback: no TLS stack, and no http.client (and its email parser)
    assert _present(mods, ("ssl", "_ssl", "http.client", "email")) == []
    # nothing is logged at WARNING, no credential helper is configured
    assert _present(mods, ("logging", "subprocess", "shutil")) == []


def test_default_inspect_on_a_registry_loads_no_template_engine(pushed: str) -> None:
    mods, res = _loaded(["inspect", pushed])
    assert res.returncode == 0, res.stderr
    assert f"Digest:    {TOP_DIGEST}\n" in res.stdout
    assert _present(mods, (*HEAVY, "ocitrace.template")) == []


def test_a_format_template_does_load_the_engine(pushed: str) -> None:
    """The checks above are not vacuous: the same probe sees the engine when it is used."""
    mods, res = _loaded(["inspect", "--format", "{{.Manifest.Digest}}", pushed])
    assert (res.returncode, res.stdout.strip()) == (0, TOP_DIGEST), res.stderr
    assert _present(mods, ("ocitrace.template",)) == ["ocitrace.template"]


def test_a_warm_audit_loads_no_discovery_engine_and_no_decoders(
    pushed: str, tmp_path: Path
) -> None:
    """Every image answered from the cache's records: the fetchers and attestation decoders
    are never needed (the cold run before it does load them).  dateutil is loaded by
    neither: BuildKit's ``Z`` timestamps take the standard library's parser."""
    repo = pushed.rpartition(":")[0]
    args = ["audit", repo, "-o", "jsonl", "--no-progress", "--cache-dir", str(tmp_path)]
    cold, res = _loaded(args)
    assert res.returncode in (0, 1), res.stderr  # 1: a policy finding, not an error
    unneeded = (
        "ocitrace.discover.engine",
        "ocitrace.attest.provenance",
        "ocitrace.attest.sbom",
        "ocitrace.audit.records",
    )
    assert _present(cold, unneeded) == sorted(unneeded)  # not vacuous
    assert _present(cold, ("dateutil",)) == []
    # jsonl, no --report, no policy file, nothing verified: no report writers (html,
    # xml.etree), TOML parser, csv, signer-policy model or retry jitter; an ASCII host is
    # resolved without the idna codec
    not_asked = (
        "ocitrace.audit.reports",
        "html",
        "xml.etree",
        "tomllib",
        "csv",
        "random",
        "encodings.idna",
    )
    assert _present(cold, not_asked) == []
    warm, res2 = _loaded(args)
    assert (res2.returncode, res2.stdout) == (res.returncode, res.stdout), res2.stderr
    assert "cache: 1 hits, 0 misses" in res2.stderr or " 0 misses" in res2.stderr
    assert _present(warm, (*unneeded, "dateutil")) == []
