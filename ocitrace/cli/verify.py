"""``ocitrace verify REF``: establish trust in an image's signatures and attestations.

Flags follow ``cosign verify`` / ``verify-attestation``.  Exit 0 when at least one matching
item verifies (signature, certificate chain, transparency log, identity, issuer and subject
all hold); 9 otherwise, with one line per item saying why.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from . import exitcodes
from .common import add_platform_option, add_registry_options, client_from_args

EPILOG = """\
examples:
  ocitrace verify ghcr.io/acme/app:v1 \\
      --certificate-identity-regexp '^https://github.com/acme/' \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com
  ocitrace verify --key cosign.pub --predicate-type slsaprovenance 127.0.0.1:5000/app:v1
  ocitrace verify --trusted-root trusted_root.jsonl --json oci-layout://./layout@sha256:…
  ocitrace verify --notation-trust-store ./truststore registry.example/app:v1
  gh attestation download oci://ghcr.io/acme/app:v1 -R acme/app   # writes sha256:….jsonl
  ocitrace verify --bundle sha256:….jsonl --trusted-root roots.jsonl \
      --certificate-identity-regexp '^https://github.com/acme/' \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com ghcr.io/acme/app:v1

Offline by default: the trusted root is the Sigstore public-good root shipped with
sigstore-python (or --trusted-root FILE); no TUF refresh, no Rekor query.  --no-offline
refreshes the public-good root through TUF first.

Each line: PLATFORM STORE WHAT: OUTCOME (details), where OUTCOME is "verified <signer>",
"invalid: <reason> (why)" with reason signature, certificate chain, transparency log,
identity, issuer, subject, format or key, "unsigned", "signed (no policy given)" or
"verification not supported (why)".

--json prints {"digest", "verified", "items": [{"status", "reason", "detail", "method",
"signer": {"identity", "issuer", "sans", "github": {"repository", "ref", "commit",
"workflow", "trigger", "runInvocation"}, "subject", "keyFingerprint"}, "logIndex",
"integratedTime", "signingTime", "predicateType", "subjects", "store", "kind", "platform",
"attachedTo", "manifestDigest", "layerDigest", "signatures"}]}.

exit codes: 0 at least one item verified, 9 verification failed (nothing verified), and the
usual 2-8 for usage, reference, not found, auth, network, integrity errors.
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "verify",
        help="verify an image's signatures and attestations (Sigstore, cosign, Notation)",
        description="Verify the signatures and attestations of REF, offline, against a policy.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF", help="image reference or oci-layout://PATH[:TAG|@DIGEST]")
    add_policy_options(p)
    p.add_argument(
        "--predicate-type",
        metavar="TYPE",
        help="only attestations of this type: slsaprovenance, slsaprovenance1, spdxjson, "
        "cyclonedx, vuln, openvex, custom, link, or a URI",
    )
    add_platform_option(p, help="only these platform images (index-level items always)")
    from .discovery import add_bundle_option

    add_bundle_option(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_registry_options(p)
    p.set_defaults(func=run)


def add_policy_options(p: argparse.ArgumentParser) -> None:
    """cosign's policy flags (identity, issuer, key, trusted root, offline, Notation trust
    store): ``verify`` and the commands with a SIGNED column (``attestations``,
    ``provenance``, ``sbom``) share them."""
    ident = p.add_mutually_exclusive_group()
    ident.add_argument("--certificate-identity", metavar="ID", help="exact signer identity (SAN)")
    ident.add_argument(
        "--certificate-identity-regexp", metavar="RE", help="signer identity regexp (search)"
    )
    iss = p.add_mutually_exclusive_group()
    iss.add_argument("--certificate-oidc-issuer", metavar="ISS", help="exact OIDC issuer")
    iss.add_argument("--certificate-oidc-issuer-regexp", metavar="RE", help="OIDC issuer regexp")
    p.add_argument(
        "--key",
        action="append",
        default=[],
        type=Path,
        metavar="PEM",
        help="public key file (ECDSA P-256/P-384, RSA, Ed25519); repeatable",
    )
    p.add_argument(
        "--trusted-root",
        type=Path,
        metavar="FILE",
        help="Sigstore trusted_root.json, or JSON lines of several (gh attestation trusted-root)",
    )
    p.add_argument(
        "--offline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="never fetch TUF metadata or query Rekor (default); --no-offline refreshes the "
        "public-good root through TUF",
    )
    p.add_argument(
        "--notation-trust-store",
        type=Path,
        metavar="DIR",
        help="directory of CA certificates for Notation JWS signatures",
    )


def policy_from_args(args: argparse.Namespace, *, required: bool = False) -> Any:
    """The :class:`~ocitrace.verify.Policy` the flags describe; ``None`` when no policy flag
    was given and ``required`` is False (then nothing is verified)."""
    given = any(
        getattr(args, name, None)
        for name in (
            "certificate_identity",
            "certificate_identity_regexp",
            "certificate_oidc_issuer",
            "certificate_oidc_issuer_regexp",
            "key",
            "notation_trust_store",
            "trusted_root",
        )
    )
    if not given and not required:
        return None
    return _policy(args)


def _policy(args: argparse.Namespace) -> Any:
    from ..errors import UsageError
    from ..verify.model import Policy, predicate_type_uri

    has_identity = bool(args.certificate_identity or args.certificate_identity_regexp)
    has_issuer = bool(args.certificate_oidc_issuer or args.certificate_oidc_issuer_regexp)
    if has_identity != has_issuer:
        raise UsageError(
            "keyless verification needs both an identity and an issuer",
            hint="give --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]",
        )
    if not (has_identity or args.key or args.notation_trust_store):
        raise UsageError(
            "no verification policy given",
            hint="give --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp], "
            "--key PEM, or --notation-trust-store DIR",
        )
    predicate_type = getattr(args, "predicate_type", None)
    if predicate_type:
        predicate_type_uri(predicate_type)  # unknown short names: PolicyError (usage)
    return Policy.from_files(
        key=None,
        trusted_root=args.trusted_root,
        notation_trust_store=args.notation_trust_store,
        identity=args.certificate_identity,
        identity_regexp=args.certificate_identity_regexp,
        issuer=args.certificate_oidc_issuer,
        issuer_regexp=args.certificate_oidc_issuer_regexp,
        keys=tuple(_read_keys(args.key)),
        offline=args.offline,
        predicate_type=predicate_type,
    )


def _read_keys(paths: list[Path]) -> list[bytes]:
    from ..errors import ConfigError

    out = []
    for path in paths:
        try:
            out.append(path.read_bytes())
        except OSError as exc:
            raise ConfigError(
                f"cannot read key {path}: {exc.strerror or exc}", input=str(path)
            ) from exc
    return out


def _safe(text: str) -> str:
    """Untrusted text (from certificates, registries) made safe for a terminal line."""
    from ..textsafe import escape_unprintable

    return escape_unprintable(text)


def _line(v: Any) -> str:
    from ..verify.model import Reason

    what = v.predicate_type or v.kind
    detail = v.summary()
    extra = []
    if v.log_index is not None:
        extra.append(f"log index {v.log_index}")
    if v.integrated_time is not None:
        extra.append(v.integrated_time.strftime("%Y-%m-%dT%H:%M:%SZ"))
    elif v.signing_time is not None:
        extra.append("signed " + v.signing_time.isoformat())
    if v.signer is not None and v.signer.repository and v.ok:
        extra.append(f"repo {v.signer.repository}" + (f"@{v.signer.ref}" if v.signer.ref else ""))
    if v.signer is not None and v.signer.identity and v.reason not in (None, Reason.IDENTITY):
        extra.append(f"signed by {v.signer.identity}")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return _safe(f"{v.platform:<12} {v.store:<13} {what}: {detail}{tail}")


def run(args: argparse.Namespace) -> int:
    policy = policy_from_args(args, required=True)
    with client_from_args(args, refs=[args.ref]) as oc:
        report = oc.verify(args.ref, policy, platforms=args.platform, bundles=args.bundle)
    out = args.stdout
    if args.json:
        out.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        from .output import human

        out = human(out)
        for v in report.items:
            out.write(_line(v) + "\n")
        if not report.items:
            out.write("nothing signed found\n")
    out.flush()
    if report.ok:
        return exitcodes.OK
    n = len(report.items)
    args.stderr.write(
        f"ocitrace: verification failed: none of {n} item(s) verified under the policy\n"
        if n
        else "ocitrace: verification failed: no signatures or attestations found\n"
    )
    return exitcodes.VERIFY_FAILED


# --- helpers for the commands with a SIGNED column (attestations, provenance, sbom) ------------


def signed_cell(item: Any, report: Any) -> str:
    """The SIGNED column for one discovered item: ``verified <identity>``, ``invalid:
    <reason>``, ``unsigned``, ``signed (no policy given)``, ``verification not supported``."""
    if report is not None:
        v = report.for_item(item.manifest_digest, item.layer.digest)
        if v is not None:
            return _safe(v.cell())
    return "signed (no policy given)" if item.signed else "unsigned"


def verification_json(item: Any, report: Any) -> Any:
    """The item's verification as JSON (``None`` when nothing was verified)."""
    if report is None:
        return None
    v = report.for_item(item.manifest_digest, item.layer.digest)
    return v.to_json() if v is not None else None


def signer_line(item: Any, report: Any) -> str:
    """``Signed by: …`` for provenance / SBOM summaries ("" when no policy was given)."""
    if report is None:
        return ""
    return f"Signed by: {signed_cell(item, report)}"
