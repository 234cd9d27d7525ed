"""``ocitrace tags REPO``: list a repository's tags, one per line, sorted."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from .common import add_registry_options, client_from_args
from .output import lines

#: tags that only exist to point at other content (referrers fallback, cosign).
_DIGEST_TAG = re.compile(r"^sha(256|384|512)-[a-f0-9]+(\.(sig|att|sbom))?$")

EPILOG = """\
examples:
  ocitrace tags 127.0.0.1:5000/app
  ocitrace tags --omit-digest-tags ghcr.io/acme/app
  ocitrace tags oci-layout://./layout
  ocitrace tags --json 127.0.0.1:5000/app | jq -r '.tags[-1]'

--json prints {"name": REPO, "tags": [...]} (the registry API's own shape, tags sorted).
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "tags",
        help="list the tags of a repository",
        description="List the tags of REPO, one per line, sorted.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("repo", metavar="REPO", help="repository ([registry/]name) or oci-layout://PATH")
    p.add_argument(
        "-O",
        "--omit-digest-tags",
        action="store_true",
        help="hide sha256-<hex> tags (referrers fallback, cosign .sig/.att/.sbom)",
    )
    p.add_argument("--json", action="store_true", help='print {"name": REPO, "tags": [...]}')
    add_registry_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..reference import parse_any

    name = parse_any(args.repo).name
    with client_from_args(args, refs=[args.repo]) as oc:
        tags = [
            t for t in oc.tags(args.repo) if not (args.omit_digest_tags and _DIGEST_TAG.match(t))
        ]
    out = args.stdout
    if args.json:
        out.write(json.dumps({"name": name, "tags": tags}, indent=2) + "\n")
    else:
        lines(out, tags)  # hostile registry text: one escaped tag per line
    out.flush()
    return 0
