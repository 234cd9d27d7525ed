"""Every README example runs, as shown, against `make demo KEEP=1`'s registry.

The module runs ``tools/demo.py --keep`` once (the demo itself must pass: every step exits
as expected and the one ``audit --policy`` run writes all five reports), then executes each
``$ …`` line of the README's ```` ```console ```` blocks in bash with ``REG`` set to that
registry, in a scratch directory whose ``fixtures`` is the repository's.  Lines up to the
next ``$`` are the expected output (stdout and stderr, as a terminal shows them): ``...``
alone on a line stands for any number of lines, ``127.0.0.1:PORT`` for the registry.  A
command's exit code must be 0 unless the next line is ``$ echo $?``, which shows it.
```` ```sh ```` blocks are not run (they need other machines: ``ghcr.io`` …).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ocitrace.template import render
from tests.support.registry import registry_available

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


@dataclass(frozen=True)
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    heading: str
    text: str


@dataclass(frozen=True)
class Example:
    line: int
    command: str
    expected: list[str]


def blocks(text: str) -> list[Block]:
    out: list[Block] = []
    heading = ""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("```"):
            lang, start, body = line[3:].strip(), i + 1, []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append(Block(lang, start, heading, "\n".join(body)))
        i += 1
    return out


def examples(block: Block) -> list[Example]:
    out: list[Example] = []
    lines = block.text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        assert line.startswith("$ "), f"README.md:{block.line + 1 + i}: output before a command"
        start, command = block.line + 1 + i, line[2:]
        while command.endswith("\\"):
            i += 1
            command += "\n" + lines[i]
        i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        out.append(Example(start, command, expected))
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """``expected`` (``...`` lines = any lines) is the whole of ``actual``, lines rstripped."""
    exp = [e.rstrip() for e in expected]
    act = [a.rstrip() for a in actual]
    while act and not act[-1]:
        act.pop()
    while exp and not exp[-1]:
        exp.pop()

    def at(e: int, a: int) -> bool:
        if e == len(exp):
            return a == len(act)
        if exp[e].strip() == "...":
            return any(at(e + 1, k) for k in range(a, len(act) + 1))
        return a < len(act) and act[a] == exp[e] and at(e + 1, a + 1)

    return at(0, 0)


CONSOLE = [b for b in blocks(README.read_text()) if b.lang == "console"]


# --- the demo, kept running ------------------------------------------------------------


@dataclass
class Demo:
    host: str
    output: str
    state: Path
    work: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    if not registry_available():
        pytest.skip("Debian's docker-registry (/usr/bin/docker-registry) is not installed")
    base = tmp_path_factory.mktemp("readme")
    home, work, bindir, state = (base / d for d in ("home", "work", "bin", "state"))
    for d in (home, work, bindir):
        d.mkdir()
    (work / "fixtures").symlink_to(ROOT / "fixtures")
    # `ocitrace` on PATH is the tree under test, whatever is installed
    shim = bindir / "ocitrace"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m ocitrace "$@"\n')
    shim.chmod(0o755)
    env = {
        "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as on a terminal
        "HOME": str(home),
        "DOCKER_CONFIG": str(home / ".docker"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "LANG": "C.UTF-8",
    }
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "demo.py"), "--keep", "--state", str(state)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    try:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        host = re.search(r"^  source .*# export REG=(\S+)", run.stdout, re.M)
        assert host is not None, run.stdout[-2000:]
        yield Demo(host.group(1), run.stdout, state, work, {**env, "REG": host.group(1)})
    finally:
        subprocess.run(
            [sys.executable, str(ROOT / "tools" / "demo.py"), "--stop", "--state", str(state)],
            env=env,
            timeout=60,
            check=True,
            capture_output=True,
        )


@pytest.mark.registry
def test_demo_keep_prints_how_to_use_and_stop_it(demo: Demo) -> None:
    env_file = (demo.state / "env").read_text()
    assert f"export REG={demo.host}\n" in env_file
    pid = int((demo.state / "registry.pid").read_text())
    assert f"still running at {demo.host} (pid {pid}," in demo.output
    assert f"(or: kill {pid})" in demo.output
    assert b"docker-registry" in Path(f"/proc/{pid}/cmdline").read_bytes()


@pytest.mark.registry
def test_demo_audit_writes_every_report_in_one_run(demo: Demo) -> None:
    """Issue 13: one `audit --policy` run on the demo registry gives table + 5 reports."""
    reports = demo.state / "reports"
    audit_line = next(
        line for line in demo.output.splitlines() if line.startswith("$ ocitrace audit ")
    )
    assert "--policy" in audit_line and audit_line.count("--report") == 5
    table = demo.output.split(audit_line, 1)[1]
    assert table.splitlines()[1].split()[:3] == ["REPOSITORY", "TAG", "PLATFORM"]
    summary = json.loads((reports / "audit.json").read_text())
    assert summary["summary"]["images"] == 7
    assert (reports / "audit.xml").read_text().startswith("<?xml")
    sarif = json.loads((reports / "audit.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert (reports / "audit.md").read_text().startswith("#")
    assert "<svg" in (reports / "audit.html").read_text()


# --- the README's console examples -----------------------------------------------------


@pytest.mark.registry
@pytest.mark.parametrize("block", CONSOLE, ids=[f"L{b.line}-{b.heading}" for b in CONSOLE])
def test_console_block_runs_as_shown(demo: Demo, block: Block) -> None:
    if "| jq" in block.text and shutil.which("jq") is None:
        pytest.skip("jq is not installed (make system-deps installs it)")
    steps = examples(block)
    assert steps
    # each block starts as after a fresh `make demo KEEP=1`: no audit cache yet
    shutil.rmtree(demo.env["XDG_CACHE_HOME"], ignore_errors=True)
    previous = 0
    for n, step in enumerate(steps):
        result = subprocess.run(
            ["bash", "-c", f"(exit {previous}); {step.command}"],
            cwd=demo.work,
            env=demo.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        previous = result.returncode
        expected = [line.replace("127.0.0.1:PORT", demo.host) for line in step.expected]
        assert matches(expected, result.stdout.split("\n")), (
            f"README.md:{step.line}: $ {step.command}\n--- README shows:\n"
            + "\n".join(expected)
            + "\n--- got:\n"
            + result.stdout
        )
        shows_code = n + 1 < len(steps) and steps[n + 1].command.startswith("echo $?")
        assert shows_code or result.returncode == 0, (
            f"README.md:{step.line}: $ {step.command}: exit {result.returncode}\n{result.stdout}"
        )


def _find(obj: Any, wanted: dict[str, Any]) -> bool:
    if obj == wanted:
        return True
    if isinstance(obj, dict):
        return any(_find(v, wanted) for v in obj.values())
    if isinstance(obj, list):
        return any(_find(v, wanted) for v in obj)
    return False


@pytest.mark.registry
def test_json_finding_is_in_the_audit_report(demo: Demo) -> None:
    """The README's finding-with-evidence block is one of the findings of its audit example."""
    [finding] = [b for b in blocks(README.read_text()) if b.lang == "json"]
    audit = next(b for b in CONSOLE if "--report json=audit.json" in b.text)
    test_console_block_runs_as_shown(demo, audit)
    report = json.loads((demo.work / "audit.json").read_text())
    assert _find(report, json.loads(finding.text))


def test_python_examples_run() -> None:
    [api] = [b for b in blocks(README.read_text()) if b.lang == "python"]
    result = subprocess.run(
        [sys.executable, "-c", api.text],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    shown = re.search(r"print\(oc\.resolve\(ref\)\.digest\)\s+# (sha256:[0-9a-f]+)…", api.text)
    assert shown is not None
    assert result.stdout.splitlines()[0].startswith(shown.group(1))
    prose = re.search(r"`(render\(.*?\))` gives `(.*?)`", README.read_text())
    assert prose is not None
    call = ast.parse(prose.group(1), mode="eval").body
    assert isinstance(call, ast.Call)
    template, data = (ast.literal_eval(arg) for arg in call.args)
    assert render(template, data) == prose.group(2)


def test_readme_links_work_on_pypi() -> None:
    """PyPI renders the README away from the repository (and gives headings no anchors):
    links must be absolute."""
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    assert links
    relative = [link for link in links if not re.match(r"https://|mailto:", link)]
    assert relative == []


def test_make_demo_installs_only_runtime_dependencies() -> None:
    dry = subprocess.run(
        ["make", "-n", "-B", "demo", "VENV=/nonexistent-venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "pip install -q -e ." in dry and "[dev]" not in dry
    assert "tools/demo.py" in dry and "--keep" not in dry
    keep = subprocess.run(
        ["make", "-n", "demo", "KEEP=1"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    assert "tools/demo.py --keep" in keep


def _synopses() -> list[str]:
    """The README's command summary: the plain ``` block under "## Commands", one segment per
    command (``ocitrace tags REPO / ocitrace catalog REGISTRY`` is two)."""
    text = README.read_text()
    section = text.split("\n## Commands\n", 1)[1]
    [block] = [b for b in blocks(section)[:1] if b.lang == ""]
    out = []
    for line in block.text.split("\n"):
        synopsis = re.split(r"\s{3,}", line.strip())[0]  # drop the description column
        for part in synopsis.split(" / "):
            out.append(part if part.startswith("ocitrace ") else "ocitrace " + part)
    return out


def test_command_summary_names_real_commands_flags_and_values() -> None:
    """Each line of the README's command summary uses commands, flags and flag values the
    parser accepts (e.g. no `sbom -o spdx-json` once that became --write-document)."""
    from ocitrace.cli.main import build_parser

    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    checked = 0
    for synopsis in _synopses():
        words = synopsis.split()
        assert words[1] in sub.choices, synopsis
        actions = {s: a for a in sub.choices[words[1]]._actions for s in a.option_strings}
        for flag, value in re.findall(
            r"(?<![\w-])(--?[a-zA-Z][\w-]*)(?:[ =]([a-z][\w|-]*))?", synopsis
        ):
            assert flag in actions, (synopsis, flag)
            checked += 1
            action = actions[flag]
            for alternative in value.split("|") if value and action.nargs != 0 else ():
                if action.choices is not None:
                    assert alternative in action.choices, (synopsis, flag, alternative)
                elif callable(action.type):
                    action.type(alternative)  # raises for a value the command refuses
    assert checked > 10
