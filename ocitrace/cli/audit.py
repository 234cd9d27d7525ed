"""``ocitrace audit TARGET...``: provenance and SBOM report over a registry namespace.

Exit codes: 0 every row passed; :data:`~.exitcodes.POLICY` some row failed a policy;
:data:`~.exitcodes.PARTIAL` some target, repository or image could not be read (this
wins over a policy failure: those rows have no verdict); 130 interrupted (what was done
is still printed).  The summary line goes to stderr.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import exitcodes

if TYPE_CHECKING:
    from ..api import AuditResult
    from ..audit.cache import DiskCache
    from ..audit.rows import Row
    from ..audit.throttle import SleepMeter

__all__ = ["DEFAULT_JOBS", "register", "run"]

#: ``-j``: requests in flight per registry host (and the connection pool's size)
DEFAULT_JOBS = 32

EPILOG = """\
examples:
  ocitrace audit 127.0.0.1:5000
  ocitrace audit ghcr.io/acme/ --require provenance --max-age 90d
  ocitrace audit 127.0.0.1:5000/app --by image -o csv > report.csv
  ocitrace audit 127.0.0.1:5000/ -o jsonl | jq 'select(.status != "ok")'
  ocitrace audit 127.0.0.1:5000/ --format '{{.Repository}}:{{.Tag}} {{.Status}}'
  ocitrace audit ghcr.io/acme/ --policy audit.toml --report sarif=audit.sarif
  ocitrace audit ghcr.io/acme/ --baseline last.json --fail-on new
  ocitrace audit ghcr.io/acme/ --require signed \
      --certificate-identity-regexp '^https://github.com/acme/' \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com
  ocitrace audit 127.0.0.1:5000/app --require signed --key cosign.pub

targets: a registry (host[:port]), a namespace prefix ending in / (ghcr.io/acme/),
a repository (all tags), one image (repo:tag or repo@digest), or an OCI layout
(oci-layout://DIR for every tag, oci-layout://DIR:TAG for one).  Targets that hold no
image at all are an error (exit 4), so a mistyped namespace never passes a CI gate.

-o json (one array) / jsonl (one object per line), keys per row: repository, tag,
digest, platform, status (ok|fail|error), failures, error, errorKind, provenance, slsaVersion,
mode, builder, source, revision, builtAt, builtAtFrom (provenance|config),
sbomPackages, signer (the SIGNER cell), signature (verified|invalid|no-policy|
unsupported|unsigned), signerIdentity, signerIssuer, checks, warnings [{code, message}];
image rows also platformDigest, attestations, provenanceRecord, sboms, findings [{id,
severity, message, evidence, action}], skippedChecks (labels with --read-config),
verifications (as ocitrace verify --json items, with a signer policy).  With --baseline,
-o json is the report document ({summary, rows}, rows marked change: new|changed|
unchanged|gone).

reports: --report json=FILE (summary + rows), junit=FILE (a test case per image),
sarif=FILE (SARIF 2.1.0, a result per finding), markdown=FILE, html=FILE (one file,
inline SVG charts, no network).  Policy file (--policy, TOML): [defaults] and
[[rules]] repositories = ["glob"], keys require, fail, warn, ignore, max-age, builder,
source, require-mode, signer-identity, signer-issuer (regexps, together), read-config.

signatures: with a signer policy (the identity/issuer flags or --key below, or
signer-identity/signer-issuer in the policy file for the repositories it covers) the
cosign and referrers stores are asked (as --cosign --referrers) and every signature and
attestation is verified as ocitrace verify does, offline.  SIGNER: "verified <identity>",
"invalid: <reason>", "signed (no policy given)", "unsigned"; the unsigned finding then
means "none verified under the policy".  --require signed fails images where nothing
verifies; --require signature only needs one present.
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="report provenance and SBOM of every image in a registry namespace",
        description="Walk registries, namespaces or repositories and report, per image and "
        "platform, its provenance, builder, source, build time and SBOM; apply policies.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="registry, namespace/ prefix, repository or image (see below)",
    )
    sel = p.add_argument_group("selection")
    sel.add_argument("--tags", metavar="REGEX", help="only tags matching REGEX (whole tag)")
    sel.add_argument(
        "--exclude-tags",
        metavar="REGEX",
        help="skip tags matching REGEX (default: cosign sha256-<hex>[.sig|.att|.sbom] tags)",
    )
    from .common import add_platform_option

    add_platform_option(sel, help="only these platforms (repeatable or comma-separated)")
    out = p.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        choices=("table", "json", "jsonl", "csv"),
        default="table",
        help="report format (default table; json/jsonl keys below)",
    )
    out.add_argument(
        "--json", action="store_const", const="json", dest="output", help="same as -o json"
    )
    out.add_argument(
        "--format",
        metavar="TEMPLATE",
        help="Go template per row (.Repository .Tag .Digest .Status …)",
    )
    out.add_argument("--columns", metavar="LIST", help="comma-separated columns for table/csv")
    out.add_argument(
        "--by",
        choices=("platform", "image"),
        default="platform",
        help="one row per platform (default) or per image",
    )
    out.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT=FILE",
        help="also write a report: json, junit, sarif, markdown or html (repeatable)",
    )
    out.add_argument("--wide", action="store_true", help="table: every column, values not elided")
    out.add_argument(
        "--width",
        type=int,
        metavar="N",
        help="table width to fit (default: the terminal's; not limited when piped)",
    )
    out.add_argument(
        "--color",
        "--colour",
        choices=("auto", "always", "never"),
        default="auto",
        help="table colours (auto: on a terminal unless NO_COLOR is set)",
    )
    out.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    look = p.add_argument_group(
        "attestation lookups",
        "BuildKit's index entries are always read (no extra request). Each switch below "
        "adds requests per image and platform digest, so they are off by default.",
    )
    look.add_argument(
        "--referrers",
        action="store_true",
        help="also ask the referrers API (or its sha256-<hex> tag fallback): +1 per digest",
    )
    look.add_argument(
        "--cosign",
        action="store_true",
        help="also look for cosign .att/.sig/.sbom tags: +3 per digest",
    )
    pol = p.add_argument_group("policies (set the exit code)")
    pol.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="provenance|sbom|vuln|signature|signed",
        help="every image must have this attestation (repeatable; signature: present; "
        "signed: one verifies under the signer policy below)",
    )
    pol.add_argument(
        "--max-age",
        metavar="DURATION",
        help="build finished (else config created) within, e.g. 90d, 12h, 2w",
    )
    pol.add_argument(
        "--builder", metavar="REGEX", help="provenance builder id must match (searched)"
    )
    pol.add_argument(
        "--source", metavar="REGEX", help="source repository URL must match (searched)"
    )
    pol.add_argument("--require-mode", choices=("max", "min"), help="provenance mode at least this")
    pol.add_argument(
        "--policy",
        metavar="FILE",
        help="TOML policy file: [defaults] and [[rules]] per repository glob (see README); "
        "the flags above override it",
    )
    pol.add_argument(
        "--explain-policy",
        action="store_true",
        help="print the effective policy (file + flags) as JSON and exit",
    )
    pol.add_argument(
        "--fail-finding",
        action="append",
        default=[],
        metavar="ID|SEVERITY",
        help="practice findings that fail (check id, high/medium/low/info = that and above, *);"
        " others only warn",
    )
    pol.add_argument(
        "--read-config",
        action="store_true",
        help="read every image config for the label checks (+1 request per platform)",
    )
    pol.add_argument(
        "--check-base-updates",
        action="store_true",
        help="resolve unpinned base images' tags now (contacts their registries): "
        "base-outdated when the tag moved since the build",
    )
    pol.add_argument(
        "--baseline",
        metavar="FILE",
        help="a previous JSON report: mark rows new/changed/gone",
    )
    pol.add_argument(
        "--fail-on",
        choices=("any", "new"),
        default="any",
        help="with --baseline, 'new' fails only on regressions (default any failure)",
    )
    from .verify import add_policy_options

    add_policy_options(
        p.add_argument_group(
            "signer policy (cosign's flags; verifies signatures, see below)",
        )  # type: ignore[arg-type]
    )
    run_g = p.add_argument_group("run")
    run_g.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=DEFAULT_JOBS,
        metavar="N",
        help="parallel requests per registry host; also the connection pool size "
        f"(default {DEFAULT_JOBS})",
    )
    run_g.add_argument(
        "--cache-dir", metavar="DIR", help="disk cache (default $XDG_CACHE_HOME/ocitrace)"
    )
    run_g.add_argument(
        "--no-cache", action="store_true", help="do not read or write the disk cache"
    )
    run_g.add_argument(
        "--cache-size",
        type=int,
        default=256,
        metavar="MIB",
        help="cache size bound (default 256 MiB)",
    )
    from .common import add_registry_options

    add_registry_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    from datetime import UTC, datetime

    from ..audit.output import compile_streamer, parse_columns
    from ..audit.policy import parse_policy
    from ..audit.throttle import SleepMeter
    from ..errors import UsageError
    from .common import client_from_args

    if args.explain_policy:
        policy = _policy_from_args(args, parse_policy)
        args.stdout.write(json.dumps(policy.to_json(), indent=2) + "\n")
        return exitcodes.OK
    if not args.targets:
        raise UsageError("audit needs at least one TARGET", hint="ocitrace audit REGISTRY[/NS/]")
    reports = _report_paths(args.report)
    baseline = None
    if args.baseline:
        from ..audit.baseline import load_baseline

        baseline = load_baseline(args.baseline)
    _policy_from_args(args, parse_policy)  # a bad policy fails before any request
    columns = parse_columns(args.columns)
    render = compile_streamer(output=args.output, columns=columns, template=args.format)
    meter = SleepMeter()
    client = client_from_args(
        args,
        registries=_target_registries(args.targets),
        concurrency=args.concurrency,
        sleep=meter,
    )
    cache = _cache(args)
    progress = _progress(args)
    now = datetime.now(UTC)
    try:
        with client:
            result = client.audit(
                args.targets,
                require=args.require,
                max_age=args.max_age,
                builder=args.builder,
                source=args.source,
                require_mode=args.require_mode,
                tags=args.tags,
                exclude_tags=args.exclude_tags,
                platforms=args.platform,
                referrers=args.referrers,
                cosign=args.cosign,
                now=now,
                cache=cache,
                progress=progress,
                policy_file=args.policy,
                fail_findings=args.fail_finding,
                read_config=args.read_config,
                check_base_updates=args.check_base_updates,
                verify_policy=signer_policy(args),
            )
            rate_limits = client.rate_limits()
    finally:
        if progress is not None:
            progress.close()
        if cache is not None:
            cache.close()  # pending write-behind entries
    platform_rows = list(result.rows)
    doc: dict[str, Any] = {}
    comparison = None
    if reports or baseline is not None:  # the document holds every row decoded: only if read
        doc, comparison = _document(args, result, platform_rows, now, baseline)
    for kind, path in reports:
        from ..audit.reports import render_report

        _write(path, render_report(kind, doc))
    rows = platform_rows
    if args.by == "image":
        from ..audit.rows import fold_by_image

        rows = fold_by_image(rows)
    from .output import human

    if args.output == "table" and args.format is None:
        from ..audit.table import colour_enabled

        colour = colour_enabled(args.color, args.stdout, getattr(args, "environ", None))
        table = _table(args, rows, columns if args.columns else None, comparison)
        human(args.stdout, sgr=colour).write(table)  # cells escaped, then coloured
    elif args.output == "json" and args.format is None:
        from ..audit.reports import render_json

        # with a baseline the rows carry their marks: the report document (summary + rows)
        if baseline is not None:
            args.stdout.write(render_json(doc))
        else:
            _write_pieces(args.stdout, render(rows))
    elif args.output == "csv" and args.format is None:
        _write_pieces(human(args.stdout), render(rows))
    else:  # jsonl, or a template: exact, written row by row (nothing built whole)
        _write_pieces(args.stdout, render(rows))
    args.stdout.flush()
    redact = getattr(args, "redactor", None) or (lambda text: text)
    for row in rows:
        if row.error is not None:
            print(redact(error_line(row, args)), file=args.stderr)
    line = summary_line(result, rows, cache, rate_limits, meter)
    if comparison is not None:
        marks = doc["summary"].get("changes", {})
        line += "; baseline: " + ", ".join(f"{n} {k}" for k, n in sorted(marks.items()))
        line += f", {len(comparison.regressions)} regressions"
    print(line, file=args.stderr)
    code = exit_code(result, rows)
    if comparison is not None and args.fail_on == "new" and code == exitcodes.POLICY:
        return exitcodes.POLICY if comparison.regressions else exitcodes.OK
    return code


def _write_pieces(stream: Any, pieces: Any) -> None:
    for piece in pieces:
        stream.write(piece)


def _policy_from_args(args: argparse.Namespace, parse_policy: Any) -> Any:
    return parse_policy(
        require=args.require,
        max_age=args.max_age,
        builder=args.builder,
        source=args.source,
        require_mode=args.require_mode,
        fail=args.fail_finding,
        read_config=args.read_config,
        file=args.policy,
        signer=signer_policy(args),
    )


def signer_policy(args: argparse.Namespace) -> Any:
    """The :class:`~ocitrace.verify.Policy` of the signer flags (None when none given).

    Identity flags go in pairs and a key or trust store stands alone, as for ``verify``;
    ``--trusted-root``/``--no-offline`` alone serve the policy file's signer identities.
    """
    from .verify import policy_from_args

    cached = getattr(args, "_signer_policy", False)
    if cached is not False:
        return cached
    names = (
        "certificate_identity",
        "certificate_identity_regexp",
        "certificate_oidc_issuer",
        "certificate_oidc_issuer_regexp",
        "notation_trust_store",
        "key",
    )
    policy = None
    if any(getattr(args, n, None) for n in names):
        policy = policy_from_args(args, required=True)
    elif args.trusted_root is not None or not args.offline:
        from ..verify.model import Policy

        policy = Policy.from_files(trusted_root=args.trusted_root, offline=args.offline)
    args._signer_policy = policy
    return policy


def _report_paths(items: list[str]) -> list[tuple[str, str]]:
    if not items:
        return []  # (the report writers, html and xml.etree: not loaded without --report)
    from ..audit.reports import REPORT_FORMATS
    from ..errors import UsageError

    out = []
    for item in items:
        kind, sep, path = item.partition("=")
        kind = {"md": "markdown", "xml": "junit"}.get(kind.strip().lower(), kind.strip().lower())
        if not sep or not path or kind not in REPORT_FORMATS:
            raise UsageError(
                f"bad --report {item!r}",
                input=item,
                hint=f"--report FORMAT=FILE, FORMAT one of {', '.join(REPORT_FORMATS)}",
            )
        out.append((kind, path))
    return out


def _document(
    args: argparse.Namespace, result: Any, rows: list[Row], now: Any, baseline: Any
) -> tuple[dict[str, Any], Any]:
    from ..audit.policy import parse_policy
    from ..audit.reports import build_document

    doc = build_document(
        rows,
        generated_at=now,
        targets=list(args.targets),
        policy=_policy_from_args(args, parse_policy).to_json(),
        interrupted=result.interrupted,
    )
    if baseline is None:
        return doc, None
    from ..audit.baseline import apply_baseline

    return apply_baseline(doc, baseline)


def _write(path: str, text: str) -> None:
    from ..errors import UsageError

    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write report {path}: {exc.strerror or exc}", input=path) from exc


def _table(args: argparse.Namespace, rows: list[Row], columns: Any, comparison: Any) -> str:
    import shutil

    from ..audit.table import TableStyle, colour_enabled, render_table, target_base

    env = getattr(args, "environ", None)
    isatty = getattr(args.stdout, "isatty", None)
    width: int | None = args.width  # piped: whole lines (grep, less -S) unless --width
    if width is None and isatty is not None and isatty():
        width = shutil.get_terminal_size((100, 24)).columns
    style = TableStyle(
        width=width,
        wide=args.wide,
        colour=colour_enabled(args.color, args.stdout, env),
        base=target_base([r.repository for r in rows], list(args.targets)),
    )
    if comparison is None:
        return render_table(rows, columns, style)
    from ..audit.baseline import change_of
    from ..audit.rows import Row as RowType

    def change(row: Row) -> str:
        plats = [p.platform for p in row.parts] if row.parts else [row.platform]
        return change_of(comparison, row.repository, row.tag, plats)

    gone = [
        RowType(
            repository=str(g.get("repository")),
            tag=str(g.get("tag") or ""),
            digest=str(g.get("digest") or ""),
            platform=str(g.get("platform") or ""),
        )
        for g in comparison.gone
    ]
    return render_table(rows, columns, style, change=change, gone=gone)


def _target_registries(targets: list[str]) -> frozenset[str]:
    """The registries the TARGETs name (``--username`` credentials go to these only)."""
    from ..audit.targets import parse_target
    from ..errors import OcitraceError
    from ..reference import LAYOUT_PREFIX

    out: set[str] = set()
    for text in targets:
        if text.startswith(LAYOUT_PREFIX):
            continue
        try:
            target = parse_target(text)
        except OcitraceError:
            continue  # reported by the audit itself
        if target.registry:
            out.add(target.registry)
    return frozenset(out)


def error_line(row: Row, args: argparse.Namespace) -> str:
    """``ocitrace: audit: <where>: <message> (hint: …)``; ``<where>`` is left out when
    the message already names the image (most errors name their input).  The hint comes
    from the row's exception (and the CLI's flags)."""
    from .common import cli_hint

    exc = row.exception
    where = f"{row.repository}:{row.tag}" if row.tag else row.repository
    plat = f" ({row.platform})" if row.platform and "," not in row.platform else ""
    message = " ".join((row.error or "").split())
    if plat or not message.startswith(row.repository):
        message = f"{where}{plat}: {message}"
    hint = (cli_hint(exc, args) or getattr(exc, "hint", None)) if exc is not None else None
    hint = " ".join((hint or "").split())
    return f"ocitrace: audit: {message} (hint: {hint})" if hint else f"ocitrace: audit: {message}"


def exit_code(result: AuditResult, rows: list[Row]) -> int:
    """Interrupted 130; some rows errored: PARTIAL, or when every row errored the first
    error's own code from its exception (a wrong password is AUTH, not PARTIAL); policy
    failures POLICY."""
    from ..audit.rows import Status

    if result.interrupted:
        return exitcodes.INTERRUPTED
    failed = [r for r in rows if r.status is Status.ERROR]
    if failed and len(failed) == len(rows):
        first = failed[0].exception
        return exitcodes.for_exception(first) if first is not None else exitcodes.ERROR
    if failed:
        return exitcodes.PARTIAL
    if any(r.status is Status.FAIL for r in rows):
        return exitcodes.POLICY
    return exitcodes.OK


def summary_line(
    result: AuditResult,
    rows: list[Row],
    cache: DiskCache | None,
    rate_limits: Mapping[str, Any],
    meter: SleepMeter | None = None,
) -> str:
    """``audit: 12 images in 5 repositories (20 rows): 8 ok, 10 warn, 2 failed policy, 0
    errors; signatures: 3 verified, 1 invalid, 16 unsigned; cache: 40 hits, …``."""
    from ..audit.rows import summarize

    s = summarize(rows)
    parts = [
        f"audit: {result.images} images in {result.repositories} repositories"
        f" ({s.rows} rows): {s.ok - s.warn} ok, {s.warn} warn, {s.failed} failed policy,"
        f" {s.errors} errors"
    ]
    if s.signatures:
        words = {"no-policy": "signed (no policy given)", "unsupported": "not supported"}
        parts.append(
            "signatures: " + ", ".join(f"{n} {words.get(k, k)}" for k, n in s.signatures.items())
        )
    if s.warned_images:
        codes = ", ".join(f"{code} {n}" for code, n in s.warning_codes.items())
        parts.append(f"consistency warnings in {s.warned_images} images ({codes})")
    if cache is not None:
        st = cache.stats()
        parts.append(f"cache: {st.hits} hits, {st.misses} misses")
    if meter is not None and meter.waits:
        parts.append(
            f"backed off {meter.waits} times (429/Retry-After or retryable errors),"
            f" longest {meter.longest:.1f}s"
        )
    for host, rl in sorted(rate_limits.items()):
        window = f" per {rl.window}s" if rl.window else ""
        parts.append(f"rate limit {host}: {_n(rl.remaining)}/{_n(rl.limit)} remaining{window}")
    if result.interrupted:
        parts.append("interrupted: partial results")
    return "; ".join(parts)


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


def _cache(args: argparse.Namespace) -> DiskCache | None:
    if args.no_cache:
        return None
    from ..audit.cache import DiskCache, default_cache_dir

    root = args.cache_dir or default_cache_dir()
    return DiskCache(root, max_bytes=max(1, args.cache_size) * 1024 * 1024, write_behind=True)


class _Bar:
    """tqdm behind the runner's Progress protocol."""

    def __init__(self, stream: Any) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit="image", file=stream, leave=False, dynamic_ncols=True)

    def add_total(self, n: int) -> None:
        self._bar.total = (self._bar.total or 0) + n
        self._bar.refresh()

    def advance(self, n: int = 1) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def _progress(args: argparse.Namespace) -> _Bar | None:
    stream = args.stderr
    if args.no_progress or not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    from .output import raw

    return _Bar(raw(stream))  # draws with \r: not through the escaping stream
