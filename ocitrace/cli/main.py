"""``ocitrace`` entry point: global options, sub-command dispatch, error → exit code.

Each sub-command lives in its own module exposing ``register(subparsers)`` (adds its parser
and sets ``func=run``) and ``run(args) -> int``.  Modules are imported lazily by name so
``ocitrace --version`` and ``ocitrace digest`` start fast.  This module is the one error
boundary: every exception becomes one redacted line on stderr and an exit code from
:mod:`.exitcodes` (``--debug`` adds the traceback).  stderr is wrapped here, once, in a
:class:`~.output.HumanStream`: registry text on it cannot drive the terminal.
"""

from __future__ import annotations

import sys

from .._version import __version__

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (mypy treats the name as True).
#: Everything else is imported inside the functions: ``ocitrace --version`` loads this
#: module and the version, nothing more (tests/test_startup_imports.py holds that).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence
    from typing import TextIO

    from .redaction import Redactor

#: sub-command modules under ocitrace.cli, in --help order.  Add yours here.
COMMANDS: tuple[str, ...] = (
    "inspect",
    "digest",
    "audit",
    "attestations",
    "provenance",
    "sbom",
    "manifest",
    "config",
    "blob",
    "tags",
    "catalog",
    "verify",
    "diff",
    "login",
    "logout",
    "completion",
)

EPILOG = """\
examples:
  ocitrace inspect 127.0.0.1:5000/app:v1
  ocitrace inspect --format '{{json .Provenance}}' ghcr.io/acme/app:v1
  ocitrace digest - < refs.txt
  ocitrace audit 127.0.0.1:5000/ --require provenance
  ocitrace manifest --platform linux/arm64 oci-layout://./layout:v1
  echo "$TOKEN" | ocitrace login ghcr.io -u octocat --password-stdin
  ocitrace blob -o layer.tgz 127.0.0.1:5000/app@sha256:…   (bytes as stored, verified)
  ocitrace -v tags 127.0.0.1:5000/app        (log each request, secrets redacted)

exit codes: 0 ok, 1 error, 2 usage, 3 bad reference, 4 not found, 5 auth, 6 network,
7 integrity, 8 template, 9 verification failed, 10 policy failed, 11 some items failed, 130 interrupted
"""

_VERBOSE_HELP = "log each request on stderr (secrets redacted); -vv for more detail"
_DEBUG_HELP = "on error, also print the traceback"


def build_parser(names: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    """The parser with the sub-commands ``names`` registered; by default all of them (the
    full parser, for ``--help``, completion and man pages).

    :func:`main` registers only the command being run (:func:`_commands_needed`): each
    command module is imported by its ``register``, so ``ocitrace digest`` loads no other
    command's dependencies.
    """
    import argparse
    import importlib

    parser_class = _parser_class()
    parser = parser_class(
        prog="ocitrace",
        description="Inspect container images and their supply-chain attestations in OCI registries.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ocitrace {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    parser.add_argument("-v", "--verbose", action="count", default=0, help=_VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=parser_class)
    for name in names:
        importlib.import_module(f"{__package__}.{name}").register(sub)
    seen: set[int] = set()
    for subparser in sub.choices.values():  # aliases share one parser
        if id(subparser) not in seen:
            seen.add(id(subparser))
            _add_global_options(subparser)
    return parser


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing :mod:`shutil` (and the
    bz2/lzma modules it loads): ``COLUMNS``, else stdout's terminal, else 80."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


_PARSER_CLASS: list[type[argparse.ArgumentParser]] = []


def _parser_class() -> type[argparse.ArgumentParser]:
    """The CLI's parser class (made on first use: it subclasses argparse's)."""
    if _PARSER_CLASS:
        return _PARSER_CLASS[0]
    import argparse

    class Parser(argparse.ArgumentParser):
        """argparse's parser, its help formatter told the width (argparse asks shutil,
        which costs more start-up than the rest of the parser; same width, same help)."""

        def _get_formatter(self) -> argparse.HelpFormatter:
            return self.formatter_class(prog=self.prog, width=_terminal_columns() - 2)  # type: ignore[call-arg]

    _PARSER_CLASS.append(Parser)
    return Parser


def _add_global_options(p: argparse.ArgumentParser) -> None:
    """``--debug`` and ``-v`` after the command name too (``ocitrace tags -v REPO``).

    SUPPRESS defaults keep the values given before the command name when not repeated.
    """
    import argparse

    group = p.add_argument_group("output options")
    for flags, kw in (
        (("--debug",), {"action": "store_true", "help": _DEBUG_HELP}),
        (("-v", "--verbose"), {"action": "count", "help": _VERBOSE_HELP}),
    ):
        try:
            group.add_argument(*flags, default=argparse.SUPPRESS, **kw)  # type: ignore[arg-type]
        except argparse.ArgumentError:
            pass  # the command defines its own flag of that name


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the CLI with these streams and environment; returns the exit code.

    Defaults are the process's own (``sys.argv[1:]``, ``sys.stdin`` …, ``os.environ``), so
    tests and embedding programs run a command in process.  Commands read them from
    ``args.stdin``/``args.stdout``/``args.stderr``/``args.environ``.  argparse's usage errors,
    ``--help`` and ``--version`` return their code (2 or 0) instead of raising SystemExit.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if _only_version(args_list):  # before building any parser: Python's start-up + ~1 ms
        out = sys.stdout if stdout is None else stdout
        try:
            out.write(f"ocitrace {__version__}\n")
            out.flush()
        except BrokenPipeError:
            _silence_stdout(out)
        return 0
    return _run(args_list, stdin, stdout, stderr, environ)


def _only_version(argv: Sequence[str]) -> bool:
    """``--version``, possibly after the global flags: what argparse would answer with the
    version and exit 0 (anything else, abbreviations included, goes through argparse)."""
    for arg in argv:
        if arg == "--version":
            return True
        if arg not in ("--debug", "--verbose") and not (
            len(arg) > 1 and arg[0] == "-" and arg[1:] == "v" * (len(arg) - 1)
        ):
            return False
    return False


def _run(
    args_list: list[str],
    stdin: TextIO | None,
    stdout: TextIO | None,
    stderr: TextIO | None,
    environ: Mapping[str, str] | None,
) -> int:
    import contextlib
    import os

    from . import exitcodes
    from .logsetup import cli_logging
    from .output import human
    from .redaction import Redactor

    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = human(sys.stderr if stderr is None else stderr)  # only people read stderr
    environ = os.environ if environ is None else environ
    redactor = Redactor()
    debug = "--debug" in args_list
    try:
        parser = build_parser(_commands_needed(args_list))
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = _parse(parser, args_list)
    except SystemExit as exc:  # --help, --version, a usage error
        return exc.code if isinstance(exc.code, int) else exitcodes.USAGE
    except KeyboardInterrupt:
        print("ocitrace: interrupted", file=stderr)
        return exitcodes.INTERRUPTED
    except Exception as exc:  # an argparse type= function raising from the errors tree
        return _report(exc, stderr, debug=debug, redactor=redactor)
    args.redactor = redactor
    args.stdin, args.stdout, args.stderr, args.environ = stdin, stdout, stderr, environ
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(stderr)
        return exitcodes.USAGE
    with cli_logging(args.verbose or 0, stderr, redactor):
        try:
            code: int = func(args)
            stdout.flush()
            return code
        except KeyboardInterrupt:
            print("ocitrace: interrupted", file=stderr)
            return exitcodes.INTERRUPTED
        except BrokenPipeError:
            _silence_stdout(stdout)
            return exitcodes.OK
        except Exception as exc:  # one boundary: every error becomes one line + exit code
            return _report(exc, stderr, debug=bool(args.debug), redactor=redactor, args=args)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; unknown flags are reported with the sub-command's own usage line."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        culprit = _subparser(parser, getattr(args, "command", None)) or parser
        culprit.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _subparser(parser: argparse.ArgumentParser, name: str | None) -> argparse.ArgumentParser | None:
    import argparse

    for action in parser._actions:  # argparse keeps no public handle on its sub-parsers
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            found: argparse.ArgumentParser = action.choices[name]
            return found
    return None


def _report(
    exc: BaseException,
    stderr: TextIO,
    *,
    debug: bool,
    redactor: Redactor,
    args: argparse.Namespace | None = None,
) -> int:
    """Print the error (and the traceback with ``--debug``), redacted; its exit code."""
    from ..textsafe import escape_line
    from . import exitcodes

    if debug:
        import traceback

        text = "".join(traceback.format_exception(exc))
        stderr.write(redactor(text))
    hint = None
    if args is not None:
        from .common import cli_hint

        hint = cli_hint(exc, args)
    line = escape_line(redactor(format_error(exc, hint)))  # registry text: no terminal control
    print(f"ocitrace: error: {line}", file=stderr)
    return exitcodes.for_exception(exc)


def _silence_stdout(stdout: TextIO) -> None:
    """After EPIPE (``ocitrace tags R | head -1``) point stdout at /dev/null so the
    interpreter's final flush does not print a second error."""
    import io
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # a stream without a descriptor
        pass


def _commands_needed(argv: Sequence[str]) -> Sequence[str]:
    """Which command modules to import: the one named in ``argv``, none for a bare
    ``--version``, all of them otherwise (help, aliases, errors)."""
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("-"):
            continue
        return (arg,) if arg in COMMANDS else COMMANDS
    return () if "--version" in argv else COMMANDS


def format_error(exc: BaseException, hint: str | None = None) -> str:
    """One line: the message, then the hint (``hint``, else the exception's) when there is one."""
    msg = " ".join(str(exc).split()) or type(exc).__name__
    hint = " ".join(str(hint or getattr(exc, "hint", "") or "").split())
    return f"{msg} (hint: {hint})" if hint else msg


def entry() -> None:  # pragma: no cover - the process boundary, exercised by subprocess tests
    """Console-script entry.  After Ctrl-C, exit at once: worker threads still blocked in a
    socket read would otherwise keep the interpreter waiting for them."""
    code = main()
    if code == 130:  # exitcodes.INTERRUPTED (not imported: --version loads nothing more)
        import os

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
