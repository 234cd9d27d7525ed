"""``ocitrace manifest REF``: print a manifest's bytes exactly as stored (like ``crane manifest``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..oci import mediatypes as mt
from ..oci.model import Index
from ..oci.platform import parse_platform
from .common import add_registry_options, open_source_from_args

EPILOG = """\
The bytes are written unchanged (no newline added), so piping them into sha256sum gives
the manifest digest.

examples:
  ocitrace manifest 127.0.0.1:5000/app:v1
  ocitrace manifest 127.0.0.1:5000/app@sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511
  ocitrace manifest --platform linux/arm64 127.0.0.1:5000/app:v1 | jq .config
  ocitrace manifest oci-layout://./layout:v1
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "manifest",
        help="print a manifest or index exactly as stored",
        description="Print the raw manifest (or index) of REF exactly as the registry stores it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF", help="image reference or oci-layout://PATH[:TAG|@DIGEST]")
    p.add_argument(
        "--platform",
        metavar="OS/ARCH[/VARIANT]",
        type=parse_platform,
        help="from an index, print the manifest of this platform instead "
        "(a single manifest is printed as is, like crane)",
    )
    add_registry_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..resolve import pick_platform

    source, ref = open_source_from_args(args, args.ref)
    fetched = source.manifest(ref.identifier)
    if args.platform is not None and mt.is_index(fetched.descriptor.media_type):
        child = pick_platform(Index.parse(fetched.data), args.platform, what=str(ref))
        fetched = source.manifest(child.digest)
    out = sys.stdout.buffer
    out.write(fetched.data)
    out.flush()
    return 0
