"""``ocitrace completion bash|zsh|fish``: scripts generated from the parser, run in real shells.

bash: the script is sourced in a real bash and its completion function is called with
``COMP_WORDS``/``COMP_CWORD`` as bash's readline would set them for a TAB.  fish: the script
is sourced and ``complete -C`` (fish's own "what would TAB offer") is asked.  zsh: ``zsh -n``
parses it (zsh completion needs a terminal to run).  Shells missing are skipped (``make
system-deps`` installs zsh and fish).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.completion import SHELLS, script
from ocitrace.cli.main import build_parser
from tests.cli.inproc import run_cli

ROOT = Path(__file__).resolve().parents[2]

BASH_DRIVER = r"""
source "$1"
fn=$(complete -p ocitrace | sed -E 's/.*-F ([^ ]+).*/\1/')
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


def _commands() -> set[str]:
    """Every sub-command name and alias the parser knows."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    raise AssertionError("no sub-commands")


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("completion")
    paths = {}
    for shell in SHELLS:
        result = run_cli("completion", shell, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout == script(shell)
        paths[shell] = out / f"ocitrace.{shell}"
        paths[shell].write_text(result.stdout)
    return paths


def bash_complete(path: Path, *words: str) -> list[str]:
    """What TAB offers for the last of ``words`` (``""`` = completing a new word)."""
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", BASH_DRIVER, "bash", str(path), "ocitrace", *words],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]


def test_bash_completes_command_names(scripts: dict[str, Path]) -> None:
    assert bash_complete(scripts["bash"], "ins") == ["inspect"]
    assert sorted(bash_complete(scripts["bash"], "a")) == ["att", "attestations", "audit"]
    # every command registered in cli/main.py is offered, with nothing hand-listed
    assert set(bash_complete(scripts["bash"], "")) == _commands()


def test_bash_completes_flags_and_values(scripts: dict[str, Path]) -> None:
    bash = scripts["bash"]
    assert bash_complete(bash, "inspect", "--pl") == ["--platform"]
    assert bash_complete(bash, "att", "--js") == ["--json"]  # an alias has its command's flags
    assert bash_complete(bash, "audit", "-o", "") == ["table", "json", "jsonl", "csv"]
    assert bash_complete(bash, "audit", "--by", "") == ["platform", "image"]
    assert bash_complete(bash, "completion", "") == list(SHELLS)
    # FILE and DIR values complete paths (relative to the working directory, ROOT)
    assert bash_complete(bash, "audit", "--policy", "fixtures/audit/pol") == [
        "fixtures/audit/policy.toml"
    ]
    assert bash_complete(bash, "verify", "--notation-trust-store", "fixtures/au") == [
        "fixtures/audit"
    ]


def test_bash_script_has_no_syntax_error(scripts: dict[str, Path]) -> None:
    subprocess.run(["bash", "-n", str(scripts["bash"])], check=True, timeout=60)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_in_fish(scripts: dict[str, Path]) -> None:
    fish = scripts["fish"]
    subprocess.run(["fish", "--no-config", "-n", str(fish)], check=True, timeout=60)

    def complete(line: str) -> list[str]:
        result = subprocess.run(
            ["fish", "--no-config", "-c", f"source {fish}; complete -C {line!r}"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            check=True,
        )
        return [row.split("\t")[0] for row in result.stdout.splitlines() if row]

    assert complete("ocitrace ins") == ["inspect"]
    assert complete("ocitrace inspect --pla") == ["--platform"]
    assert sorted(complete("ocitrace audit --by ")) == ["image", "platform"]
    assert complete("ocitrace audit --policy fixtures/audit/pol") == ["fixtures/audit/policy.toml"]
    assert _commands() <= set(complete("ocitrace "))


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_parses_and_registers(scripts: dict[str, Path], tmp_path: Path) -> None:
    text = scripts["zsh"].read_text()
    subprocess.run(["zsh", "-n", str(scripts["zsh"])], check=True, timeout=60)
    assert text.startswith("#compdef ocitrace\n")
    for name in _commands():
        assert f"\n    {name}:'" in text, name
    assert '"*--platform[only this platform' in text  # repeatable flag, with its help
    # both ways the help text suggests register it as ocitrace's completer: eval'd after
    # compinit, or autoloaded as _ocitrace from a directory on $fpath
    fpath = tmp_path / "site-functions"
    fpath.mkdir()
    (fpath / "_ocitrace").write_text(text)
    for setup, completer in (
        (
            f'autoload -U compinit && compinit -u -d {tmp_path}/a && eval "$(<{scripts["zsh"]})"',
            "_shtab_ocitrace",
        ),
        (
            f"fpath=({fpath} $fpath); autoload -U compinit && compinit -u -d {tmp_path}/b",
            "_ocitrace",
        ),
    ):
        registered = subprocess.run(
            ["zsh", "-f", "-c", setup + " && print -r -- $_comps[ocitrace]"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert registered.stdout.strip() == completer, registered.stderr


def test_unknown_shell_is_a_usage_error() -> None:
    result = run_cli("completion", "tcsh", text=True)
    assert result.returncode == exitcodes.USAGE
    assert "invalid choice: 'tcsh'" in result.stderr
    with pytest.raises(ValueError, match="unsupported shell"):
        script("powershell")


def test_version_and_commands_do_not_import_shtab() -> None:
    code = (
        "import sys\n"
        "from ocitrace.cli.main import main\n"
        "assert main(['--version']) == 0\n"
        "assert main(['inspect', '--help']) == 0\n"
        "assert main(['--help']) == 0\n"
        "assert 'shtab' not in sys.modules, 'shtab imported'\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, timeout=120, cwd=ROOT, capture_output=True
    )
