"""``ocitrace audit TARGET...``: provenance and SBOM report over a registry namespace.

Exit codes: 0 every row passed; :data:`~.exitcodes.POLICY` some row failed a policy;
:data:`~.exitcodes.PARTIAL` some target, repository or image could not be read (this
wins over a policy failure: those rows have no verdict); 130 interrupted (what was done
is still printed).  The summary line goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from . import exitcodes

if TYPE_CHECKING:
    from ..audit.cache import DiskCache
    from ..audit.rows import Row
    from ..audit.runner import AuditReport
    from ..audit.throttle import SleepMeter

__all__ = ["register", "run"]

EPILOG = """\
examples:
  ocitrace audit 127.0.0.1:5000
  ocitrace audit ghcr.io/acme/ --require provenance --max-age 90d
  ocitrace audit 127.0.0.1:5000/app --by image -o csv > report.csv
  ocitrace audit 127.0.0.1:5000/ -o jsonl | jq 'select(.status != "ok")'
  ocitrace audit 127.0.0.1:5000/ --format '{{.Repository}}:{{.Tag}} {{.Status}}'

targets: a registry (host[:port]), a namespace prefix ending in / (ghcr.io/acme/),
a repository (all tags), or one image (repo:tag or repo@digest).

-o json (one array) / jsonl (one object per line), keys per row: repository, tag,
digest, platform, status (ok|fail|error), failures, error, provenance, slsaVersion,
mode, builder, source, revision, builtAt, builtAtFrom (provenance|config),
sbomPackages, checks, warnings [{code, message}]; image rows also platformDigest,
attestations, provenanceRecord, sboms.
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
        nargs="+",
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
    sel.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]", help="only these platforms (comma-separated)"
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        choices=("table", "json", "jsonl", "csv"),
        default="table",
        help="report format (default table; json/jsonl keys below)",
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
        metavar="provenance|sbom",
        help="every image must have this attestation (repeatable)",
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
    run_g = p.add_argument_group("run")
    run_g.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=32,
        metavar="N",
        help="parallel requests per registry host; also the connection pool size (default 32)",
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
    from datetime import UTC, datetime

    from ..audit.image import MAX_ATTESTATION_SIZE
    from ..audit.output import compile_renderer, parse_columns
    from ..audit.policy import parse_policy
    from ..audit.rows import fold_by_image
    from ..audit.runner import AuditOptions, run_audit
    from ..audit.targets import parse_target
    from ..audit.throttle import SleepMeter
    from ..audit.walk import TagFilter
    from ..oci.platform import parse_platform

    targets = [parse_target(t) for t in args.targets]
    columns = parse_columns(args.columns)
    lookups = {"buildkit"} | {n for n in ("referrers", "cosign") if getattr(args, n)}
    options = AuditOptions(
        policy=parse_policy(
            require=args.require,
            max_age=args.max_age,
            builder=args.builder,
            source=args.source,
            require_mode=args.require_mode,
        ),
        now=datetime.now(UTC),
        tag_filter=TagFilter.parse(args.tags, args.exclude_tags),
        platforms=tuple(parse_platform(p) for p in (args.platform or "").split(",") if p.strip()),
        concurrency=max(1, args.concurrency),
        lookups=frozenset(lookups),
        max_blob_size=getattr(args, "max_blob_size", None) or MAX_ATTESTATION_SIZE,
    )
    render = compile_renderer(output=args.output, columns=columns, template=args.format)
    meter = SleepMeter()
    client, transport = _client(args, meter, {t.registry for t in targets if t.registry})
    cache = _cache(args)
    progress = _progress(args)
    errors = _ErrorLog()
    try:
        report = run_audit(
            targets,
            _RecordingCatalog(client, errors),
            options,
            open_source=_opener(client, cache, options.concurrency, errors),
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
        transport.close()
        if cache is not None:
            cache.close()  # pending write-behind entries
    rows: list[Row] = list(report.rows)
    if args.by == "image":
        rows = fold_by_image(rows)
    sys.stdout.write(render(rows))
    sys.stdout.flush()
    redact = getattr(args, "redactor", None) or (lambda text: text)
    for row in rows:
        if row.error is not None:
            line = error_line(row, errors.find(row.error), args)
            print(redact(line), file=sys.stderr)
    print(summary_line(report, rows, cache, transport, meter), file=sys.stderr)
    return exit_code(report, rows, errors)


def error_line(row: Row, exc: BaseException | None, args: argparse.Namespace) -> str:
    """``ocitrace: audit: <where>: <message> (hint: …)``; ``<where>`` is left out when
    the message already names the image (most errors name their input)."""
    from .common import cli_hint

    where = f"{row.repository}:{row.tag}" if row.tag else row.repository
    plat = f" ({row.platform})" if row.platform and "," not in row.platform else ""
    message = " ".join((row.error or "").split())
    if plat or not message.startswith(row.repository):
        message = f"{where}{plat}: {message}"
    hint = (cli_hint(exc, args) or getattr(exc, "hint", None)) if exc is not None else None
    hint = " ".join((hint or "").split())
    return f"ocitrace: audit: {message} (hint: {hint})" if hint else f"ocitrace: audit: {message}"


def exit_code(report: AuditReport, rows: list[Row], errors: _ErrorLog | None = None) -> int:
    """Interrupted 130; some rows errored: PARTIAL, or when every row errored the first
    error's own code (a wrong password is AUTH, not PARTIAL); policy failures POLICY."""
    from ..audit.rows import Status

    if report.interrupted:
        return exitcodes.INTERRUPTED
    failed = [r for r in rows if r.status is Status.ERROR]
    if failed and len(failed) == len(rows):
        first = errors.find(failed[0].error or "") if errors is not None else None
        return exitcodes.for_exception(first) if first is not None else exitcodes.ERROR
    if failed:
        return exitcodes.PARTIAL
    if any(r.status is Status.FAIL for r in rows):
        return exitcodes.POLICY
    return exitcodes.OK


def summary_line(
    report: AuditReport,
    rows: list[Row],
    cache: DiskCache | None,
    transport: Any,
    meter: SleepMeter | None = None,
) -> str:
    """``audit: 12 images in 5 repositories (20 rows): 20 ok, …; cache: 40 hits, …``."""
    from ..audit.rows import summarize

    s = summarize(rows)
    parts = [
        f"audit: {report.images} images in {report.repositories} repositories"
        f" ({s.rows} rows): {s.ok} ok, {s.failed} failed policy, {s.errors} errors"
    ]
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
    for host, rl in sorted(getattr(transport, "rate_limits", {}).items()):
        window = f" per {rl.window}s" if rl.window else ""
        parts.append(f"rate limit {host}: {_n(rl.remaining)}/{_n(rl.limit)} remaining{window}")
    if report.interrupted:
        parts.append("interrupted: partial results")
    return "; ".join(parts)


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


def _client(args: argparse.Namespace, meter: SleepMeter, registries: set[str]) -> tuple[Any, Any]:
    """Client and transport; the pool holds ``-j`` connections plus one for catalogs.
    ``--username`` credentials go to the TARGETs' ``registries`` only."""
    import dataclasses

    from ..registry import RegistryClient
    from ..transport import Transport
    from .common import limits_from_args, transport_options_from_args

    options = dataclasses.replace(
        transport_options_from_args(args, credentials_for=registries),
        pool_size=max(1, args.concurrency) + 1,
    )
    transport = Transport(options, sleep=meter)
    return RegistryClient(transport, limits=limits_from_args(args)), transport


def _cache(args: argparse.Namespace) -> DiskCache | None:
    if args.no_cache:
        return None
    from ..audit.cache import DiskCache, default_cache_dir

    root = args.cache_dir or default_cache_dir()
    return DiskCache(root, max_bytes=max(1, args.cache_size) * 1024 * 1024, write_behind=True)


def _opener(client: Any, cache: DiskCache | None, per_host: int, errors: _ErrorLog) -> Any:
    """Registry source → per-host throttle → error log → disk cache (hits never wait for a
    slot)."""
    from ..audit.cache import CachingSource
    from ..audit.throttle import HostLimiter

    limiter = HostLimiter(per_host)

    def open_source(registry: str, repository: str) -> Any:
        source = limiter.wrap(registry, client.repository(registry, repository))
        recorded = _RecordingSource(source, errors)
        return recorded if cache is None else CachingSource(recorded, cache)

    return open_source


class _ErrorLog:
    """The exceptions behind error rows, by message: rows carry only text, and the CLI
    needs the exception for the exit code and the hint."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._by_message: dict[str, BaseException] = {}

    def add(self, exc: BaseException) -> None:
        key = " ".join(str(exc).split())
        with self._lock:
            self._by_message.setdefault(key, exc)

    def find(self, message: str) -> BaseException | None:
        """The recorded exception whose message is ``message`` or ends it (rows may add a
        prefix such as ``tags:`` or ``config:``); the longest such message wins."""
        text = " ".join(message.split())
        with self._lock:
            if text in self._by_message:
                return self._by_message[text]
            ends = [k for k in self._by_message if k and text.endswith(k)]
            return self._by_message[max(ends, key=len)] if ends else None

    def calling(self, fn: Any, *a: Any, **kw: Any) -> Any:
        from ..errors import OcitraceError

        try:
            return fn(*a, **kw)
        except OcitraceError as exc:
            self.add(exc)
            raise

    def iterating(self, it: Any) -> Any:
        from ..errors import OcitraceError

        try:
            yield from it
        except OcitraceError as exc:
            self.add(exc)
            raise


class _RecordingCatalog:
    """The registry client for the walk, recording the errors its catalog raises."""

    def __init__(self, client: Any, errors: _ErrorLog) -> None:
        self._client = client
        self._errors = errors

    def repository(self, registry: str, repository: str) -> Any:
        return self._errors.calling(self._client.repository, registry, repository)

    def catalog(self, registry: str, prefix: str = "") -> Any:
        return self._errors.iterating(self._client.catalog(registry, prefix))


class _RecordingSource:
    """A Source that records the errors it raises in an :class:`_ErrorLog`."""

    def __init__(self, inner: Any, errors: _ErrorLog) -> None:
        self._inner = inner
        self._errors = errors

    @property
    def name(self) -> str:
        return str(self._inner.name)

    def resolve(self, ref: str) -> Any:
        return self._errors.calling(self._inner.resolve, ref)

    def manifest(self, ref: str) -> Any:
        return self._errors.calling(self._inner.manifest, ref)

    def blob(self, desc: Any, *, max_size: int | None = None) -> Any:
        return self._errors.calling(self._inner.blob, desc, max_size=max_size)

    def tags(self) -> Any:
        return self._errors.iterating(self._errors.calling(self._inner.tags))

    def referrers(self, digest: str, artifact_type: str | None = None) -> Any:
        return self._errors.calling(self._inner.referrers, digest, artifact_type)


class _Bar:
    """tqdm behind the runner's Progress protocol."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit="image", file=sys.stderr, leave=False, dynamic_ncols=True)

    def add_total(self, n: int) -> None:
        self._bar.total = (self._bar.total or 0) + n
        self._bar.refresh()

    def advance(self, n: int = 1) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def _progress(args: argparse.Namespace) -> _Bar | None:
    if args.no_progress or not sys.stderr.isatty():
        return None
    return _Bar()
