"""``ocitrace completion bash|zsh|fish``: a shell completion script generated from the parser.

The script is written by `shtab <https://github.com/iterative/shtab>`_ from the same
argparse parser the commands run with, so every sub-command, alias, flag and ``choices``
list is in it without anything hand-written.  shtab is imported only here, when a script is
asked for: ``ocitrace --version`` and the data commands never load it.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

#: shells ``ocitrace completion`` writes for (all supported by shtab >= 1.8).
SHELLS: tuple[str, ...] = ("bash", "zsh", "fish")

EPILOG = """\
examples:
  ocitrace completion bash > ~/.local/share/bash-completion/completions/ocitrace
  eval "$(ocitrace completion zsh)"
  ocitrace completion fish | source

install (the script is static: regenerate it after upgrading ocitrace):
  bash  ocitrace completion bash > ~/.local/share/bash-completion/completions/ocitrace
        (or add  eval "$(ocitrace completion bash)"  to ~/.bashrc)
  zsh   ocitrace completion zsh > DIR/_ocitrace   (DIR on $fpath before compinit runs)
        (or add  eval "$(ocitrace completion zsh)"  to ~/.zshrc after compinit)
  fish  ocitrace completion fish > ~/.config/fish/completions/ocitrace.fish

Completes sub-commands and aliases, every flag, the values of flags with fixed choices
(-o FORMAT, --by, --color ...) and file or directory names where a flag takes a FILE, PEM
or DIR.
"""

#: metavar word -> what shtab should offer for the flag's value.
_FILE_METAVARS = re.compile(r"\b(FILE|PEM)\b")
_DIR_METAVARS = re.compile(r"\bDIR\b")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh, fish)",
        description="Print a tab-completion script for SHELL, generated from ocitrace's own "
        "argument parser (every command and flag of this version).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", metavar="SHELL", choices=SHELLS, help="bash, zsh or fish")
    p.set_defaults(func=run)


def script(shell: str) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`), from the full parser."""
    import shtab

    from .main import build_parser

    if shell not in SHELLS:
        raise ValueError(f"unsupported shell {shell!r} (one of {', '.join(SHELLS)})")
    parser = build_parser()
    _mark_paths(parser)
    text: str = shtab.complete(parser, shell=shell)
    return text


def _mark_paths(parser: argparse.ArgumentParser) -> None:
    """Let flags whose metavar names a FILE/PEM or DIR complete file or directory names."""
    import shtab

    seen: set[int] = set()
    stack = [parser]
    while stack:
        p = stack.pop()
        if id(p) in seen:
            continue
        seen.add(id(p))
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
                continue
            metavar = action.metavar if isinstance(action.metavar, str) else ""
            if not action.option_strings or not metavar:
                continue
            if _DIR_METAVARS.search(metavar):
                action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
            elif _FILE_METAVARS.search(metavar) and "=" not in metavar:
                action.complete = shtab.FILE  # type: ignore[attr-defined]


def run(args: argparse.Namespace) -> int:
    args.stdout.write(script(args.shell))
    args.stdout.flush()
    return 0
