"""``ocitrace diff A B``: what changed between two images, per platform, from their
attestations (provenance, SBOMs), image configs and attestation stores."""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import exitcodes

__all__ = ["register", "run"]

#: --exit-code when the images differ (as `git diff --exit-code`; also exitcodes.ERROR)
DIFFERS = 1

EPILOG = """\
markers: + only in B (new), - only in A (old), ~ changed (A → B).  Only what differs is
listed.  Values of secret-looking build arguments and environment variables (names with
secret, token, password, key, auth…, or values shaped like tokens) are never printed.

examples:
  ocitrace diff 127.0.0.1:5000/app:v1 127.0.0.1:5000/app:v2
  ocitrace diff --platform linux/arm64 oci-layout://./old:v1 oci-layout://./new:v1
  ocitrace diff --exit-code app:v1 app:v2 >/dev/null || echo "v2 differs"
  ocitrace diff --json app:v1 app:v2 | jq '.platforms[].sboms[].versionChanged'
  ocitrace diff --format '{{range .Platforms}}{{.Platform}} {{.Differs}}{{"\\n"}}{{end}}' A B

--json keys (camelCase; every object with changes also has "differs"):
  {"old"/"new": {"reference", "digest", "mediaType", "platforms"},
   "onlyOld", "onlyNew": [platform...],
   "indexAttestations": {"added", "removed", "changed"},
   "platforms": [{"platform", "oldDigest", "newDigest",
     "provenance": {"oldPresent", "newPresent", "fields": [{"name", "old", "new"}],
       "buildArgs", "frontendOptions": {"added"/"removed": [{"key", "value", "redacted"}],
                                        "changed": [{"key", "old", "new", "redacted"}]},
       "materialsAdded"/"materialsRemoved": [{"name", "uri", "digest", "kind"}],
       "materialsChanged": [{"name", "kind", "oldUri", "newUri", "oldDigest", "newDigest"}],
       "secrets", "ssh": {"added", "removed"},
       "dockerfile": {"status": same|changed|not-compared, "unified": [line...], "reason"}},
     "sboms": [{"role", "oldPresent", "newPresent", "oldFormat", "newFormat", "oldCount",
       "newCount", "fields", "added"/"removed": [{"name", "version", "type", "purl", "license"}],
       "versionChanged"/"licenseChanged": [{"name", "type", "oldVersion", "newVersion",
       "oldLicense", "newLicense", "oldPurl", "newPurl"}]}],
     "config": {"oldPresent", "newPresent", "fields", "env", "labels", "exposedPorts"},
     "attestations": {"added"/"removed": [{"store", "kind", "predicateType", "signed",
       "verified"}], "changed": [{"store", "kind", "predicateType", "fields"}]}}],
   "differs"}
  provenance field names: slsaVersion predicateType statementType buildType builderId mode
  frontend frontendSource sourceRepository sourceRevision sourceDirty configSourceUri
  configSourcePath startedOn finishedOn builderPlatform dockerfileVersion hermetic
  reproducible; config: entrypoint cmd user workingDir created layers layersSize;
  sbom: format tools; attestations: signed verified (null: not verified).

--format runs a Go template over the same document with Go-style field names
(.Old.Digest, .Platforms, .Provenance.BuildArgs.Added, .Differs); map keys stay as written.

exit codes: 0 (also with differences, unless --exit-code), 1 with --exit-code when
anything differs, 4 a platform asked for is on neither side, others as every command.
"""


def register(sub: Any) -> None:
    from .discovery import add_discovery_options

    p = sub.add_parser(
        "diff",
        help="what changed between two images (provenance, SBOM, config, attestations)",
        description="Compare two images per platform: provenance (source, builder, build "
        "args, materials, Dockerfile), SBOM packages, image config and attestations.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("old", metavar="A", help="the old image: reference or oci-layout://PATH[:TAG]")
    p.add_argument("new", metavar="B", help="the new image: reference or oci-layout://PATH[:TAG]")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the diff as JSON (keys below)")
    out.add_argument("--format", metavar="TEMPLATE", help="Go template over the diff model")
    p.add_argument(
        "--exit-code", action="store_true", help="exit 1 when anything differs (as git diff)"
    )
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the report: auto (a terminal, and NO_COLOR unset), always, never",
    )
    add_discovery_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import client_from_args
    from .discovery import _cosign_repository
    from .verify import policy_from_args

    with client_from_args(args, refs=[args.old, args.new]) as oc:
        diff = oc.diff(
            args.old,
            args.new,
            args.platform,
            referrers=not args.no_referrers,
            cosign=not args.no_cosign,
            cosign_repository=_cosign_repository(args),
            policy=policy_from_args(args),
        )
    out = args.stdout
    if args.json:
        out.write(json.dumps(diff.to_json(), indent=2) + "\n")
    elif args.format is not None:
        from ..diff import to_data
        from ..template import Template, json_func

        tpl = Template("format").funcs({"json": json_func}).parse(args.format)
        text = tpl.execute(to_data(diff, pascal=True))
        out.write(text if text.endswith("\n") else text + "\n")
    else:
        from ..diff.report import render_text
        from .output import human

        colour = _colour(args)
        human(out, sgr=colour).write(render_text(diff, colour=colour))
    out.flush()
    return DIFFERS if args.exit_code and diff.differs else exitcodes.OK


def _colour(args: argparse.Namespace) -> bool:
    if args.color != "auto":
        return bool(args.color == "always")
    environ = getattr(args, "environ", None) or {}
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(args.stdout, "isatty", None)
    return bool(isatty and isatty())
