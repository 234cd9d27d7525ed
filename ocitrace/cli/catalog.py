"""``ocitrace catalog REGISTRY``: list a registry's repositories (``/v2/_catalog``, all pages)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .common import add_registry_options, client_from_args
from .output import lines

EPILOG = """\
Most public registries (Docker Hub, GHCR) do not offer the catalog API.

examples:
  ocitrace catalog 127.0.0.1:5000
  ocitrace catalog --prefix team/ 127.0.0.1:5000
  ocitrace catalog 127.0.0.1:5000/team/        (same as --prefix team/)
  ocitrace catalog --json 127.0.0.1:5000 | jq -r '.repositories[]'

--json prints {"repositories": [...]} (the registry API's own shape, every page joined).
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "catalog",
        help="list the repositories of a registry",
        description="List the repositories of REGISTRY, one per line, in the registry's order.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("registry", metavar="REGISTRY[/PREFIX]", help="registry host[:port]")
    p.add_argument("--prefix", help="only repositories whose name starts with PREFIX")
    p.add_argument(
        "--page-size",
        metavar="N",
        type=_positive_int,
        default=None,
        help="ask for N names per page (the registry's default otherwise)",
    )
    p.add_argument("--json", action="store_true", help='print {"repositories": [...]}')
    add_registry_options(p)
    p.set_defaults(func=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    out = args.stdout
    with client_from_args(args) as oc:
        names = oc.catalog(args.registry, args.prefix, page_size=args.page_size)
        if args.json:
            out.write(json.dumps({"repositories": list(names)}, indent=2) + "\n")
        else:
            lines(out, names)  # streamed page by page, one escaped name per line
    out.flush()
    return 0
