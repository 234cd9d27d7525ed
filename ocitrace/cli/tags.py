"""``ocitrace tags REPO``: list a repository's tags, one per line, sorted."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from ..errors import UsageError
from ..reference import LayoutReference
from .common import add_registry_options, open_source_from_args

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
    source, ref = open_source_from_args(args, args.repo)
    if not isinstance(ref, LayoutReference) and (ref.tag is not None or ref.digest is not None):
        raise UsageError(
            f"{args.repo}: give a repository, not an image",
            input=args.repo,
            hint=f"ocitrace tags {ref.name}",
        )
    tags = (t for t in source.tags() if not (args.omit_digest_tags and _DIGEST_TAG.match(t)))
    out = sys.stdout
    if args.json:
        out.write(json.dumps({"name": ref.name, "tags": list(tags)}, indent=2) + "\n")
    else:
        for tag in tags:  # streamed: a large repository prints as pages arrive
            out.write(tag + "\n")
    out.flush()
    return 0
