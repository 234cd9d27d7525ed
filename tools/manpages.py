"""`make man`: manual pages generated from ocitrace's own argparse parser.

Writes ``ocitrace.1`` (global options, the list of commands, exit codes) and one
``ocitrace-COMMAND.1`` per sub-command (git's convention: ``man ocitrace-audit``) into
``docs/man/`` or the directory given.  The roff comes from argparse-manpage
(https://github.com/praiskup/argparse-manpage), fed the same parser the CLI runs with, so a
command or flag registered in ``ocitrace/cli`` is documented without anything written by
hand.  Set ``SOURCE_DATE_EPOCH`` for a reproducible date.

    python tools/manpages.py [OUTDIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argparse_manpage.manpage import Manpage  # noqa: E402

from ocitrace._version import __version__  # noqa: E402
from ocitrace.cli.main import build_parser  # noqa: E402

URL = "https://github.com/ocitrace/ocitrace"
MANUAL = "ocitrace manual"


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise ValueError("parser has no sub-commands")


def commands(
    parser: argparse.ArgumentParser,
) -> list[tuple[str, list[str], str, argparse.ArgumentParser]]:
    """(name, aliases, one-line help, parser) of each sub-command, in --help order."""
    sub = _subparsers(parser)
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    out: list[tuple[str, list[str], str, argparse.ArgumentParser]] = []
    seen: dict[int, list[str]] = {}
    for name, p in sub.choices.items():
        if id(p) in seen:  # an alias: same parser object as its command
            seen[id(p)].append(name)
            continue
        aliases: list[str] = []
        seen[id(p)] = aliases
        out.append((name, aliases, helps.get(name, ""), p))
    return out


def _data(description: str) -> dict[str, object]:
    return {
        "project_name": "ocitrace",
        "version": __version__,
        "manual_title": MANUAL,
        "url": URL,
        "description": description,
    }


def _roff(text: str) -> str:
    """Text for a roff line: backslashes and hyphens escaped, no control character first."""
    text = text.replace("\\", "\\\\").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def _notes(epilog: str) -> str:
    """A command's epilog (argparse prints it raw): indented lines (examples, tables) stay
    verbatim, prose is filled."""
    out: list[str] = []
    verbatim = False
    for line in epilog.strip("\n").split("\n"):
        indented = line.startswith((" ", "\t"))
        if indented != verbatim:
            out.append(".nf" if indented else ".fi")
            verbatim = indented
        out.append(".sp" if not line.strip() and not verbatim else _roff(line))
    if verbatim:
        out.append(".fi")
    return "\n".join(out)


def _ascii(text: str) -> str:
    """Non-ASCII characters as groff's \\[uXXXX] escapes (any roff, any locale)."""
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def _page(parser: argparse.ArgumentParser, prog: str, description: str, see_also: str) -> str:
    epilog, parser.epilog = parser.epilog, None  # printed as NOTES, examples verbatim
    try:
        page = Manpage(parser, _data(description))
        page.prog = prog  # title and NAME; the synopsis keeps parser.prog (`ocitrace NAME`)
        if epilog:
            page.add_section("notes", "=", _notes(epilog))
        page.add_section("see also", "=", see_also)
        return _ascii(str(page))
    finally:
        parser.epilog = epilog


def pages(parser: argparse.ArgumentParser | None = None) -> dict[str, str]:
    """File name -> manual page text, for the top level and every sub-command."""
    full = parser or build_parser()
    cmds = commands(full)
    out: dict[str, str] = {}

    top = build_parser(())  # global options only: each command has its own page
    for group in top._action_groups:
        group._group_actions = [
            a for a in group._group_actions if not isinstance(a, argparse._SubParsersAction)
        ]
    listing = "\n".join(
        f".TP\n\\fBocitrace {_roff(name)}\\fR"
        + (f" (alias: {_roff(', '.join(aliases))})" if aliases else "")
        + f"\n{_roff(help_)}; see \\fBocitrace\\-{_roff(name)}\\fR(1)"
        for name, aliases, help_, _ in cmds
    )
    top._manpage = [{"heading": "commands", "content": listing}]  # type: ignore[attr-defined]
    out["ocitrace.1"] = _page(
        top,
        "ocitrace",
        "inspect container images and their supply-chain attestations",
        ", ".join(f"\\fBocitrace\\-{_roff(n)}\\fR(1)" for n, *_ in cmds),
    )
    for name, aliases, help_, sub in cmds:
        description = help_ + (f" (alias: {', '.join(aliases)})" if aliases else "")
        out[f"ocitrace-{name}.1"] = _page(
            sub, f"ocitrace-{name}", description, "\\fBocitrace\\fR(1)"
        )
    return out


def main(argv: list[str]) -> int:
    outdir = Path(argv[0]) if argv else ROOT / "docs" / "man"
    outdir.mkdir(parents=True, exist_ok=True)
    written = pages()
    for old in outdir.glob("ocitrace*.1"):
        if old.name not in written:
            old.unlink()  # a command that no longer exists
    for name, text in written.items():
        (outdir / name).write_text(text)
    print(f"wrote {len(written)} manual pages to {outdir} (man -l {outdir}/ocitrace.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
