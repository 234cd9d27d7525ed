"""buildx's ``--format`` runs on the hand-built quirks images, replayed against a real registry.

The quirks layout is pushed to the session registry (``missing-blob`` cannot be: the
registry refuses a manifest whose blob is absent, so those runs read the layout, which
buildx treats identically).  stdout must equal buildx's byte for byte; for runs buildx
ended with a template error, the error text must equal its stderr line too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ocitrace.errors import OcitraceError
from ocitrace.inspect.format import is_manifest_format, render_format
from ocitrace.inspect.inspection import Inspection
from ocitrace.reference import parse_reference
from ocitrace.registry import RegistryClient
from ocitrace.template import ExecError, TemplateError
from ocitrace.transport.core import Transport
from tests.support.registry import RunningRegistry, push_layout

from .goldens import QUIRKS_LAYOUT, QUIRKS_PREFIX, ROOT, quirks_layout_tags, sort_annotation_blocks
from .layoutsrc import inspect_layout
from .quirkcases import QuirkCase, format_cases

REPO_PREFIX = "fmtquirks/"

# Runs not replayed: images missing from the layout, randomness, deliberate differences.
DIFFERENT: dict[str, str] = {
    "badtime.Name": "quirks/badtime is not in the layout (and buildx fails every --format run "
    "on an unparsable config time, ocitrace only when .Image is read)",
    "urls.Name-refused-url": "buildx fetches descriptor urls before the registry and fails on a "
    "refused one; ocitrace reads manifests from the registry only",
    "dup-platform.Image-created": "buildx picks one of two same-platform images at random",
    "timefmt.Created-print-and-json": "quirks/timefmt is not in the quirks layout",
    "timefmt.json-Image": "quirks/timefmt is not in the quirks layout",
}
_ADDRESS = re.compile(rb"0x[0-9a-f]{6,}")  # Go prints nested pointers as addresses
# buildx's cause text after "error calling X: " comes from containerd's fetcher.
CAUSE_DIFFERS = {"missing-blob.multi.json-Provenance", "missing-blob.multi.json-SBOM"}

CASES = format_cases()


def _serve_ref(ref: str) -> str:
    return ref.replace(QUIRKS_PREFIX, "", 1)


@pytest.fixture(scope="module")
def host(registry: RunningRegistry, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every quirks image (except missing-blob) pushed as fmtquirks/<name>:<tag>."""
    index = json.loads((QUIRKS_LAYOUT / "index.json").read_text())
    for entry in index["manifests"]:
        served = _serve_ref(entry["annotations"]["io.containerd.image.name"])
        if served.startswith("missing-blob"):
            continue
        repo, tag = served.rsplit(":", 1)
        one = tmp_path_factory.mktemp("one")
        (one / "blobs").symlink_to(QUIRKS_LAYOUT / "blobs")
        (one / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
        (one / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
        push_layout(registry, one, REPO_PREFIX + repo, tag, auth=None)
        if served == "single:v1":
            push_layout(registry, one, REPO_PREFIX + repo, "latest", auth=None)
    return registry.host


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(16) as p:
        yield p


def _inspection(host: str, pool: ThreadPoolExecutor, case: QuirkCase) -> tuple[Inspection, str]:
    if case.ref.startswith(QUIRKS_PREFIX + "missing-blob"):
        tag = {v: k for k, v in quirks_layout_tags().items()}[case.ref]
        ins, _ = inspect_layout(pool, QUIRKS_LAYOUT, case.ref, tag)
        return ins, case.ref
    typed = case.ref.replace(QUIRKS_PREFIX, f"{host}/{REPO_PREFIX}", 1)
    ref = parse_reference(typed)
    client = RegistryClient(Transport())
    return Inspection(client.repository(ref.registry, ref.repository), ref, pool), typed


def _expected(case: QuirkCase, host: str) -> bytes:
    if case.ref.startswith(QUIRKS_PREFIX + "missing-blob"):
        return case.stdout
    return case.stdout.replace(QUIRKS_PREFIX.encode(), f"{host}/{REPO_PREFIX}".encode())


def _expected_error(case: QuirkCase) -> str:
    line = case.stderr.removeprefix("ERROR: ").rstrip("\n")
    if case.stem in CAUSE_DIFFERS:
        return line[: line.index(": error calling ") + len(": error calling ")]
    return line


@pytest.mark.parametrize("case", [c for c in CASES if c.tz is None], ids=lambda c: c.stem)
def test_quirk_format(host: str, pool: ThreadPoolExecutor, case: QuirkCase) -> None:
    if case.stem in DIFFERENT:
        pytest.skip(DIFFERENT[case.stem])
    output = ""
    error: Exception | None = None
    try:
        ins, typed = _inspection(host, pool, case)
        output = render_format(ins, typed, case.template).output
    except ExecError as exc:
        output, error = exc.partial_output, exc
    except (TemplateError, OcitraceError) as exc:
        error = exc
    got, want = output.encode(), _expected(case, host)
    if is_manifest_format(case.template):  # the listing: annotations in Go map order
        got, want = (sort_annotation_blocks(b.decode()).encode() for b in (got, want))
    assert _ADDRESS.sub(b"0xADDR", got) == _ADDRESS.sub(b"0xADDR", want)
    if case.exit_code == 0:
        assert error is None
    else:
        assert error is not None, "buildx failed this run"
        served = _expected_error(case).replace(QUIRKS_PREFIX, f"{host}/{REPO_PREFIX}")
        assert str(error).startswith(served)


@pytest.mark.parametrize("case", [c for c in CASES if c.tz is not None], ids=lambda c: c.stem)
def test_quirk_format_time_zone(host: str, case: QuirkCase) -> None:
    """Go names a parsed offset after the local zone when they agree (TZ of the process)."""
    typed = case.ref.replace(QUIRKS_PREFIX, f"{host}/{REPO_PREFIX}", 1)
    env = {**os.environ, "TZ": str(case.tz), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "ocitrace", "inspect", "--format", case.template, typed],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
        cwd=Path(ROOT),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == case.stdout


def test_all_readme_format_runs_are_covered() -> None:
    stems = {c.stem for c in CASES}
    assert {
        "multi.json-dot",
        "single.Provenance-SBOM-print",
        "tz-Asia-Tokyo.Created-arm64-offset",
    } <= stems
    assert len(CASES) > 80
