"""``ocitrace manifest REF``: print a manifest's bytes exactly as stored (like ``crane manifest``)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_platform_option, add_registry_options, client_from_args, write_bytes

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
    add_platform_option(
        p,
        help="from an index, print the manifest of this platform instead (repeatable or "
        "comma-separated: the first one the index has); a single manifest is printed when "
        "its config's platform matches; an error lists the image's platforms otherwise",
    )
    add_registry_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with client_from_args(args, refs=[args.ref]) as oc:
        fetched = oc.manifest(args.ref, args.platform)
    write_bytes(args.stdout, fetched.data)
    return 0
