"""``ocitrace digest REF... | -``: one digest per input line, in input order.

Module import stays light (argparse only): ``ocitrace --version`` imports every command
module to build the parser, and a one-reference ``digest`` should cost little more than
Python's own start-up.  The registry stack is imported inside :func:`run`.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from . import exitcodes

if TYPE_CHECKING:
    from ..reference import LayoutReference, Reference
    from ..resolve import LookupResult
    from ..source import Source
    from ..transport import TransportOptions

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
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--platform",
        metavar="OS/ARCH[/VARIANT]",
        help="digest of this platform's manifest in an index",
    )
    which.add_argument(
        "--index", action="store_true", help="always the top-level digest (the default)"
    )
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
    from ..oci.platform import parse_platform
    from ..resolve import lookup_digests

    platform = parse_platform(args.platform) if args.platform else None
    render = _renderer(args)
    inputs: Iterable[str] = read_inputs(args.refs, sys.stdin)
    options = None
    if getattr(args, "username", None):
        # credentials go only to the registries this run names: the password (first line
        # of stdin) is read first, then the whole list (streaming is kept without --username)
        import dataclasses

        from .common import registries_of, transport_options_from_args

        options = transport_options_from_args(args)
        inputs = list(inputs)
        options = dataclasses.replace(options, credential_registries=registries_of(inputs))
    opener, close = _opener(args, options)
    failed: list[LookupResult] = []
    total = 0
    try:
        for res in lookup_digests(
            inputs,
            opener,
            platform=platform,
            concurrency=args.concurrency,
        ):
            total += 1
            if res.ok:
                sys.stdout.write(render(res))
            else:
                failed.append(res)
                sys.stdout.flush()
                _report(res, getattr(args, "redactor", None))
                if args.json:
                    sys.stdout.write(render(res))
    finally:
        sys.stdout.flush()
        close()
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


def _report(res: LookupResult, redactor: Callable[[str], str] | None = None) -> None:
    from .main import format_error

    assert res.error is not None
    message = format_error(res.error)
    if not message.startswith(res.input):  # most errors already name their input
        message = f"{res.input}: {message}"
    if redactor is not None:
        message = redactor(message)
    print(f"ocitrace: digest: {message}", file=sys.stderr, flush=True)


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
    if json_keys:
        return values
    return {k[:1].upper() + k[1:]: v for k, v in values.items()}


def _opener(args: argparse.Namespace, options: TransportOptions | None = None) -> tuple[Any, Any]:
    """Source opener for registry and ``oci-layout://`` references, and its closer.

    The registry client (and so ``requests``) is only built for the first registry
    reference: a batch of layout references never imports the HTTP stack.  Layouts are
    opened with the run's size caps; ``options`` (when given) replace the flags' transport
    options, so a password already read is not read again.
    """
    from ..opener import open_layout
    from ..reference import LayoutReference
    from .common import limits_from_args

    state: dict[str, Any] = {}
    lock = threading.Lock()

    def registry_client() -> Any:
        with lock:
            if "client" not in state:
                import dataclasses

                from ..registry import RegistryClient
                from ..transport import Transport
                from .common import transport_options_from_args

                base = options if options is not None else transport_options_from_args(args)
                state["transport"] = Transport(
                    dataclasses.replace(base, pool_size=max(1, args.concurrency))
                )
                state["client"] = RegistryClient(state["transport"], limits=limits_from_args(args))
            return state["client"]

    def opener(ref: Reference | LayoutReference) -> Source:
        if isinstance(ref, LayoutReference):
            return open_layout(ref, limits_from_args(args))
        return registry_client().repository(ref.registry, ref.repository)  # type: ignore[no-any-return]

    def close() -> None:
        if "transport" in state:
            state["transport"].close()

    return opener, close
