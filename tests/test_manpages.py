"""`make man` (tools/manpages.py): a page per sub-command, generated from the parser, that
groff reads without a warning and ``man -l`` renders."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ocitrace.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("manpages", ROOT / "tools" / "manpages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Sub-command name -> parser, aliases left out (they share their command's parser)."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            out: dict[str, argparse.ArgumentParser] = {}
            for name, p in action.choices.items():
                if all(p is not q for q in out.values()):
                    out[name] = p
            return out
    raise AssertionError("no sub-commands")


@pytest.fixture(scope="module")
def mandir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("man")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "manpages.py"), str(out)],
        check=True,
        timeout=120,
        capture_output=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1764748800"},
    )
    return out


def test_a_page_per_command(mandir: Path) -> None:
    expected = {"ocitrace.1"} | {f"ocitrace-{name}.1" for name in _commands()}
    assert {p.name for p in mandir.iterdir()} == expected
    assert "att" not in {p.name.removeprefix("ocitrace-")[:-2] for p in mandir.iterdir()}


def test_pages_name_every_flag_and_the_synopsis(mandir: Path) -> None:
    for name, parser in _commands().items():
        text = (mandir / f"ocitrace-{name}.1").read_text()
        assert text.startswith(
            f'.TH OCITRACE\\-{name.upper().replace("-", chr(92) + "-")} "1" "2025\\-12\\-03"'
        )
        assert f"\n.B ocitrace\n{name} " in text or f"\n.B ocitrace\n{name}\n" in text
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            for flag in action.option_strings:
                assert "\\fB" + flag.replace("-", "\\-") + "\\fR" in text, (name, flag)
    top = (mandir / "ocitrace.1").read_text()
    for name in _commands():
        assert f"\\fBocitrace {name.replace('-', chr(92) + '-')}\\fR" in top
        assert f"\\fBocitrace\\-{name.replace('-', chr(92) + '-')}\\fR(1)" in top


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_groff_reads_every_page_without_warnings(mandir: Path) -> None:
    for page in sorted(mandir.iterdir()):
        result = subprocess.run(
            ["groff", "-ww", "-z", "-man", "-Tutf8", str(page)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and result.stderr == "", (page.name, result.stderr)


@pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed")
def test_man_renders_a_command_page(mandir: Path) -> None:
    result = subprocess.run(
        ["man", "-l", str(mandir / "ocitrace-audit.1")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MANWIDTH": "100", "MAN_KEEP_FORMATTING": "", "PAGER": "cat"},
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["OCITRACE-AUDIT(1)", "ocitrace", "manual", "OCITRACE-AUDIT(1)"]
    assert "NAME" in lines and "SYNOPSIS" in lines and "NOTES" in lines
    # the epilog's examples stay one per line, verbatim
    assert "         ocitrace audit ghcr.io/acme/ --baseline last.json --fail-on new" in lines


def test_module_api_lists_pages_in_process() -> None:
    pages = _tool().pages()
    assert set(pages) == {"ocitrace.1"} | {f"ocitrace-{n}.1" for n in _commands()}
    assert all(text.isascii() for text in pages.values())  # non-ASCII as \[uXXXX]
