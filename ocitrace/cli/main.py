"""``ocitrace`` entry point: global options, sub-command dispatch, error → exit code.

Each sub-command lives in its own module exposing ``register(subparsers)`` (adds its parser
and sets ``func=run``) and ``run(args, ctx) -> int``.  Modules are imported lazily by name so
``ocitrace --version`` and ``ocitrace digest`` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from .. import __version__
from . import exitcodes

#: sub-command modules under ocitrace.cli, in --help order.  Add yours here.
COMMANDS: tuple[str, ...] = (
    "inspect",
    "digest",
    "audit",
    "attestations",
    "provenance",
    "sbom",
    "manifest",
    "tags",
    "catalog",
)

EPILOG = """\
examples:
  ocitrace inspect 127.0.0.1:5000/app:v1
  ocitrace inspect --format '{{json .Provenance}}' ghcr.io/acme/app:v1
  ocitrace digest - < refs.txt
  ocitrace audit 127.0.0.1:5000/ --require provenance
  ocitrace manifest --platform linux/arm64 oci-layout://./layout:v1

exit codes: 0 ok, 1 error, 2 usage, 3 bad reference, 4 not found, 5 auth, 6 network,
7 integrity, 8 template, 10 policy failed, 11 some items failed, 130 interrupted
"""


def build_parser(names: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    """The parser with every available sub-command registered (or just ``only``, for speed:
    importing one command module keeps ``ocitrace digest`` start-up close to Python's)."""
    parser = argparse.ArgumentParser(
        prog="ocitrace",
        description="Inspect container images and their supply-chain attestations in OCI registries.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ocitrace {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0,
        help="log requests on stderr (secrets redacted); -vv for more",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in names:
        try:
            mod = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue  # command not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used as the console-script entry point)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_commands_needed(args_list))
    args = parser.parse_args(args_list)
    if args.verbose:
        logging.basicConfig(
            level=logging.DEBUG if args.verbose > 1 else logging.INFO,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return exitcodes.USAGE
    try:
        code: int = func(args)
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        return exitcodes.OK
    except Exception as exc:  # one boundary: every error becomes one line + exit code
        if args.debug:
            import traceback

            traceback.print_exc()
        print(f"ocitrace: error: {format_error(exc)}", file=sys.stderr)
        return exitcodes.for_exception(exc)


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


def format_error(exc: BaseException) -> str:
    """One line: the message, then the hint when there is one."""
    msg = " ".join(str(exc).split("\n")) or type(exc).__name__
    hint = getattr(exc, "hint", "")
    return f"{msg} (hint: {hint})" if hint else msg


def entry() -> None:  # pragma: no cover
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
