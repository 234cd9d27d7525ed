"""``ocitrace blob REF@DIGEST`` and ``ocitrace config REF``: bytes exactly as stored.

Flags + one ``Client`` call (:meth:`~ocitrace.Client.open_blob` /
:meth:`~ocitrace.Client.save_blob` / :meth:`~ocitrace.Client.config`) + writing the bytes.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import UsageError
from ..oci.limits import Limits
from .common import (
    add_platform_option,
    add_registry_options,
    client_from_args,
    parse_size,
    write_bytes,
)

BLOB_EPILOG = """\
The bytes are written exactly as stored, streamed (never held in memory), and their digest
is checked against DIGEST:
  -o FILE   FILE appears (atomically replaced) only once the digest matched; on a mismatch,
            a size over --max-size or any other error, nothing is left behind (exit 7 for
            integrity errors).
  stdout    bytes are written as they arrive, so on a mismatch they have been written
            already: the error (exit 7) comes after them.  Use -o when that matters.
Binary is not written to a terminal: redirect stdout, or give -o FILE (-o - forces stdout).

examples:
  ocitrace blob -o layer.tar.gz 127.0.0.1:5000/app@sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1
  ocitrace blob oci-layout://./layout@sha256:457f… | tar tz
  ocitrace manifest REF | jq -r '.layers[].digest'      (the digests to ask for)
"""

CONFIG_EPILOG = """\
The image config blob is written exactly as stored (no newline added; piping it into
sha256sum gives the config digest), verified against the manifest's config descriptor and
capped by --max-blob-size.  For an index, --platform picks the image; an index holding one
image needs none, one holding several lists its platforms in the error (exit 2).

examples:
  ocitrace config 127.0.0.1:5000/app:v1 | jq .config.Env
  ocitrace config --platform linux/arm64 ghcr.io/acme/app:v1
  ocitrace config --pretty oci-layout://./layout:v1
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "blob",
        help="write a blob's bytes exactly as stored (digest verified)",
        description="Write the blob REPO@DIGEST (or oci-layout://DIR@DIGEST) exactly as stored.",
        epilog=BLOB_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF@DIGEST", help="repository@digest or oci-layout://DIR@DIGEST")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (created only once verified); - for stdout, even a terminal",
    )
    p.add_argument(
        "--max-size",
        metavar="SIZE",
        type=parse_size,
        default=Limits().blob_stream,
        help="refuse blobs larger than SIZE (default: 32GiB)",
    )
    add_registry_options(p)
    p.set_defaults(func=run)


def register_config(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "config",
        help="print an image's config blob exactly as stored",
        description="Print the image config of REF exactly as stored (digest verified).",
        epilog=CONFIG_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF", help="image reference or oci-layout://PATH[:TAG|@DIGEST]")
    add_platform_option(
        p,
        help="from an index, the config of this platform's image (repeatable or "
        "comma-separated: the first one the index has)",
    )
    p.add_argument(
        "--pretty",
        action="store_true",
        help="indent the JSON (2 spaces, key order kept, non-ASCII as \\uXXXX) instead of the stored bytes",
    )
    add_registry_options(p)
    p.set_defaults(func=run_config)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def run(args: argparse.Namespace) -> int:
    output = args.output
    if output is None and _isatty(args.stdout):
        raise UsageError(
            "refusing to write blob bytes to a terminal",
            input=args.ref,
            hint="redirect stdout, or give -o FILE (-o - writes to the terminal anyway)",
        )
    with client_from_args(args, refs=[args.ref]) as oc:
        if output not in (None, "-"):
            oc.save_blob(args.ref, output, max_size=args.max_size)
            return 0
        with oc.open_blob(args.ref, max_size=args.max_size) as stream:
            for chunk in stream:
                write_bytes(args.stdout, chunk)
    return 0


def run_config(args: argparse.Namespace) -> int:
    with client_from_args(args, refs=[args.ref]) as oc:
        fetched = oc.config(args.ref, args.platform)
    if args.pretty:
        from ..errors import FormatError

        try:
            doc = json.loads(fetched.data)
        except (ValueError, RecursionError) as exc:
            raise FormatError(
                f"{args.ref}: the config is not JSON; print it without --pretty",
                input=args.ref,
            ) from exc
        args.stdout.write(json.dumps(doc, indent=2) + "\n")
        return 0
    write_bytes(args.stdout, fetched.data)
    return 0
