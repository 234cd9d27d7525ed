"""``ocitrace inspect``: ``docker buildx imagetools inspect`` output, fetched lazily."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..textsafe import escape_line
from .common import add_platform_option, client_from_args, write_bytes
from .output import human

if TYPE_CHECKING:
    from ..api import Client

DESCRIPTION = """\
Print an image (index or manifest) exactly as `docker buildx imagetools inspect`
v0.36 does for the same content: the default listing, --raw, or a Go template
(--format), but fetching only what the output needs, concurrently.
"""

EPILOG = r"""
default listing:
  Name/MediaType/Digest of the top level, then for an index one block per entry
  (attestation manifests included): Name (REF@digest), MediaType, Platform as
  written in the descriptor (linux/arm64/v8 stays so), OSVersion, OSFeatures,
  URLs and Annotations when the entry has a platform.  Annotation lines are
  sorted by key (buildx prints Go map order, which is random; sorted is one of
  its possible outputs).  Costs one request.

--raw:
  the stored bytes of the top level, no newline added (they hash to the digest).

--format TEMPLATE (Go text/template, buildx's data model):
  .Name        the argument as typed (no :latest added)
  .Manifest    an index: {SchemaVersion MediaType Digest Size Manifests
               Annotations}; a single manifest: its descriptor
               {MediaType Digest Size ...}
  .Image       image config (image-spec Image: Created Author Architecture OS
               Variant Config{User Env Entrypoint Cmd Labels ...} RootFS History).
               With more than one platform: a map keyed by normalised platform
               ("linux/arm64", not "linux/arm64/v8"): use index .Image "linux/amd64"
  .Provenance  {SLSA}: the SLSA predicate as generic JSON (v0.2 or v1, as built);
               a map by platform when there are several platforms
  .SBOM        {SPDX AdditionalSPDXs}: SPDX predicates (first, then the rest)
  {{json .}} has name, manifest and image only (.Provenance/.SBOM are methods).
  Go types, JSON keys, %T and error texts are buildx's, and so are the methods
  of digests and times: .Manifest.Digest.Encoded, .Image.Created.Format "2006-01-02".
  A format that reprints as {{.Manifest}} gives the default listing.
  Only what the template touches is fetched: {{.Name}} or {{.Manifest.Digest}}
  need the top manifest alone; .Image no attestation layers; .Provenance and
  .SBOM no image configs.  When .Provenance/.SBOM find nothing (or fail to
  load on a single-platform image), stdout is what buildx prints ({} or
  <no value>) and stderr gets one line saying what was looked for and where.

--platform os/arch[/variant] (repeatable):
  narrow to images of those platforms (normalised: linux/arm64 = linux/arm64/v8);
  with one platform left, .Image/.Provenance/.SBOM take the single shape, so
  {{.Image.Architecture}} works without index.

examples:
  ocitrace inspect 127.0.0.1:5000/app:v1
  ocitrace inspect --raw 127.0.0.1:5000/app:v1 | sha256sum
  ocitrace inspect --format '{{json .Provenance}}' 127.0.0.1:5000/app:v1
  ocitrace inspect --platform linux/arm64 --format '{{.Image.Created}}' REF
  ocitrace inspect --format '{{range .Manifest.Manifests}}{{.Digest}}{{"\n"}}{{end}}' REF
  ocitrace inspect oci-layout://./layout:v1

  Dockerfile of a single-platform image, SLSA v0.2 provenance (BuildKit mode=max;
  the metadata key is not a Go identifier, so it is read with index):
    ocitrace inspect --format '{{range (index .Provenance.SLSA.metadata "https://mobyproject.org/buildkit@v1#metadata").source.infos}}{{if eq .filename "Dockerfile"}}{{.data}}{{end}}{{end}}' REF
  the same with SLSA v1 provenance:
    ocitrace inspect --format '{{range .Provenance.SLSA.runDetails.metadata.buildkit_metadata.source.infos}}{{if eq .filename "Dockerfile"}}{{.data}}{{end}}{{end}}' REF
  (.data is base64: pipe through base64 -d); on a multi-platform image use
  (index .Provenance "linux/amd64").SLSA or --platform linux/amd64.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``inspect`` parser."""
    p = subparsers.add_parser(
        "inspect",
        help="show an image like docker buildx imagetools inspect",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF", help="image reference or oci-layout://DIR[:TAG|@DIGEST]")
    p.add_argument("--format", default=None, metavar="TEMPLATE", help="Go template (see below)")
    p.add_argument(
        "--raw",
        action="store_true",
        help="print the stored manifest bytes (with --platform: the chosen image's manifest)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the whole document as JSON: name, manifest, image, provenance, sbom",
    )
    add_platform_option(p, help="only images of this platform (repeatable or comma-separated)")
    _add_registry_options(p)
    p.set_defaults(func=run)


def _add_registry_options(p: argparse.ArgumentParser) -> None:
    from .common import add_registry_options

    add_registry_options(p)


def run(args: argparse.Namespace) -> int:
    """Print the listing, the raw bytes, the JSON document or the rendered template."""
    chosen = [
        name
        for name, on in (
            ("--format", args.format is not None),
            ("--raw", args.raw),
            ("--json", args.json),
        )
        if on
    ]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be used together", input="/".join(chosen))
    out = args.stdout
    with client_from_args(args, refs=[args.ref]) as oc:
        if args.raw:
            write_bytes(out, oc.inspect_raw(args.ref, args.platform))
        elif args.json:
            doc = oc.inspect_document(args.ref, args.platform)
            out.write(json.dumps(doc, indent=2) + "\n")
        elif args.format is None:
            listing = oc.inspect_listing(args.ref, args.platform)
            # buildx's bytes when piped; on a terminal, registry text cannot drive it
            (human(out) if _is_terminal(out) else out).write(listing)
        else:
            _format(args, oc)
    out.flush()
    return 0


def _format(args: argparse.Namespace, oc: Client) -> None:
    """Run ``--format``: output on stdout (what ran before an execution error too, as
    buildx streams it), the notes on stderr."""
    from ..inspect.format import FormatExecError

    try:
        result = oc.format(args.ref, args.format, args.platform)
    except FormatExecError as exc:
        args.stdout.write(exc.partial_output)
        _notes(args, exc.notes)
        raise
    args.stdout.write(result.output)
    _notes(args, result.notes)


def _notes(args: argparse.Namespace, notes: tuple[str, ...]) -> None:
    args.stdout.flush()
    for line in notes:
        args.stderr.write(f"ocitrace: note: {escape_line(line)}\n")


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False
