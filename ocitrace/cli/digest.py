"""``ocitrace digest REF... | -``: one digest per input line, in input order.

Module import stays light (argparse only): ``ocitrace --version`` imports every command
module to build the parser, and a one-reference ``digest`` should cost little more than
Python's own start-up.  The registry stack is imported inside :func:`run`.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from . import exitcodes

if TYPE_CHECKING:
    from ..api import Client
    from ..resolve import LookupResult

__all__ = ["register", "run"]

EPILOG = """\
examples:
  ocitrace digest 127.0.0.1:5000/app:v1
  ocitrace digest --platform linux/arm64 ghcr.io/acme/app:v1
  ocitrace digest --format '{{.Input}} {{.Digest}}' - < refs.txt   # failed lines: stderr only
  ocitrace digest --format '{{.Name}}@{{.Digest}}' app:v1 app:v2
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "digest",
        help="print the digest of each reference (HEAD-first, concurrent)",
        description="Print one digest per reference, in input order. Errors go to stderr "
        "for their line; every other line is still printed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "refs",
        nargs="+",
        metavar="REF",
        help="image reference, or - to read one per line from stdin",
    )
    from .common import add_platform_option

    add_platform_option(
        p,
        help="digest of this platform's manifest in an index (repeatable or comma-separated: "
        "the first one the index has); an error lists the index's platforms when none matches",
    )
    p.add_argument("--index", action="store_true", help="always the top-level digest (the default)")
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--format",
        metavar="TEMPLATE",
        help="Go template per line: .Input .Name .Tag .Digest .MediaType .Size",
    )
    out.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=32,
        metavar="N",
        help="parallel lookups; also the connection pool size (default 32)",
    )
    _add_registry_options(p)
    p.set_defaults(func=run)


def _add_registry_options(p: argparse.ArgumentParser) -> None:
    from .common import add_registry_options

    add_registry_options(p)


def read_inputs(refs: list[str], stdin: Any) -> Iterator[str]:
    """Arguments in order; ``-`` expands to stdin's non-blank, non-comment lines."""
    for ref in refs:
        if ref != "-":
            yield ref
            continue
        for line in stdin:
            text = line.strip()
            if text and not text.startswith("#"):
                yield text


def run(args: argparse.Namespace) -> int:
    if args.index and args.platform:
        from ..errors import UsageError

        raise UsageError("--index and --platform exclude each other", input="--index/--platform")
    render = _renderer(args)
    inputs: Iterable[str] = (
        read_inputs(args.refs, args.stdin) if "-" in args.refs else list(args.refs)
    )
    refs: list[str] | None = None
    if getattr(args, "username", None):
        # credentials go only to the registries this run names: the password (first line
        # of stdin) is read first (in client_from_args), then the whole list; streaming is
        # kept without --username
        refs = []
    from .output import human

    # digests for people: escaped; --json and --format: exact
    out = args.stdout if args.json or args.format else human(args.stdout)
    err = args.stderr
    failed: list[LookupResult] = []
    total = 0
    with _client(args, refs, inputs) as (oc, inputs):
        for res in oc.iter_digests(inputs, args.platform):
            total += 1
            if res.ok:
                out.write(render(res))
            else:
                failed.append(res)
                out.flush()
                _report(res, err, getattr(args, "redactor", None))
                if args.json:
                    out.write(render(res))
        out.flush()
    if total == 0:
        from ..errors import UsageError

        raise UsageError(
            "digest: no references on stdin (only blank or # comment lines)",
            input="-",
            hint="give one reference per line on stdin, or name them as arguments",
        )
    if not failed:
        return exitcodes.OK
    if len(failed) == total:
        assert failed[0].error is not None
        return exitcodes.for_exception(failed[0].error)
    return exitcodes.PARTIAL


@contextlib.contextmanager
def _client(
    args: argparse.Namespace, refs: list[str] | None, inputs: Iterable[str]
) -> Iterator[tuple[Client, Iterable[str]]]:
    """The run's Client (``-j`` requests in flight); with ``--username`` the password is
    read first, then the input list, whose registries alone get the credentials."""
    from .common import client_from_args

    if refs is None:
        oc = client_from_args(args, concurrency=args.concurrency)
    else:

        def named() -> list[str]:
            refs.extend(inputs)  # read after the password (the first line of stdin)
            return refs

        oc = client_from_args(args, refs=named, concurrency=args.concurrency)
        inputs = refs
    with oc:
        yield oc, inputs


def _report(res: LookupResult, err: TextIO, redactor: Callable[[str], str] | None = None) -> None:
    from .main import format_error

    assert res.error is not None
    message = format_error(res.error)
    if not message.startswith(res.input):  # most errors already name their input
        message = f"{res.input}: {message}"
    if redactor is not None:
        message = redactor(message)
    print(f"ocitrace: digest: {message}", file=err, flush=True)


def _renderer(args: argparse.Namespace) -> Any:
    if args.json:
        import json

        def as_json(res: LookupResult) -> str:
            return json.dumps(_data(res, json_keys=True), separators=(",", ":")) + "\n"

        return as_json
    if args.format:
        from ..audit.output import compile_template

        line = compile_template(args.format)
        return lambda res: line(_data(res, json_keys=False))
    return lambda res: res.digest + "\n"


def _data(res: LookupResult, *, json_keys: bool) -> dict[str, Any]:
    ref = res.reference
    desc = res.descriptor
    values = {
        "input": res.input,
        "name": res.name,
        "tag": getattr(ref, "tag", None) or "",
        "digest": res.digest,
        "mediaType": desc.media_type if desc else "",
        "size": desc.size if desc else 0,
    }
    if res.error is not None:
        values["error"] = str(res.error)
        values["errorKind"] = type(res.error).__name__
    if json_keys:
        return values
    return {k[:1].upper() + k[1:]: v for k, v in values.items()}
