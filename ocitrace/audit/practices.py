"""Practice checks: judgements about how one platform image was built, with evidence.

Each check has a stable id (``dirty-tree``, ``unpinned-base``…), a default severity and a
one-line title (:data:`CHECKS`).  :func:`check_practices` turns what the audit already
read (the normalised provenance record, the image config's labels when they were read,
the attestations found) into :class:`PracticeFinding` objects; whether a finding fails or
only warns is the policy's business (:mod:`.policy`), not this module's.

Nothing here prints or fetches.  Build-argument *values* never leave this module: the
secret check reports names and why they look secret (``value: 41 chars, 5.1 bits/char``).
"""

from __future__ import annotations

import enum
import functools
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..attest.types import COSIGN_VULN
from ..discover import Attestation, Kind
from ..errors import FormatError, ReferenceError
from ..reference import parse_reference
from ..verify.model import Verification
from .signing import is_signed, signature_state

if TYPE_CHECKING:
    from ..attest.provenance import Dependency, ProvenanceRecord

__all__ = [
    "CHECKS",
    "LABEL_REVISION",
    "LABEL_SOURCE",
    "VULN_PREDICATE_PREFIXES",
    "CheckInfo",
    "FromLine",
    "PracticeFinding",
    "PracticeInput",
    "Severity",
    "check_practices",
    "from_lines",
    "normalize_repo_url",
    "secret_reason",
]

LABEL_SOURCE = "org.opencontainers.image.source"
LABEL_REVISION = "org.opencontainers.image.revision"
#: Predicate types of vulnerability scans: cosign's, OpenVEX, in-toto's vulns predicate.
VULN_PREDICATE_PREFIXES = (
    COSIGN_VULN,
    "https://openvex.dev/ns",
    "https://in-toto.io/attestation/vulns",
)


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}


@dataclass(frozen=True, slots=True)
class CheckInfo:
    id: str
    severity: Severity
    title: str
    help: str


def _info(id_: str, severity: Severity, title: str, help_: str) -> tuple[str, CheckInfo]:
    return id_, CheckInfo(id_, severity, title, help_)


#: Every practice check, by id (the order reports use).
CHECKS: dict[str, CheckInfo] = dict(
    [
        _info(
            "no-provenance",
            Severity.MEDIUM,
            "no provenance attestation",
            "build with --attest type=provenance,mode=max (buildx adds mode=min by default)",
        ),
        _info(
            "dirty-tree",
            Severity.HIGH,
            "built from a dirty working tree",
            "the revision had uncommitted changes (vcs revision ends in -dirty): the source "
            "that was built is not in version control",
        ),
        _info(
            "no-vcs",
            Severity.MEDIUM,
            "no VCS source or revision in the provenance",
            "build from a git checkout (buildx records vcs:source/vcs:revision) or a git context",
        ),
        _info(
            "unpinned-base",
            Severity.MEDIUM,
            "base image not pinned by digest",
            "write FROM image:tag@sha256:… so a rebuild uses the same base",
        ),
        _info(
            "secret-build-arg",
            Severity.HIGH,
            "build argument looks like a secret",
            "mode=max provenance records build-arg values: pass secrets with "
            "--secret / RUN --mount=type=secret, and rotate this one",
        ),
        _info(
            "label-missing",
            Severity.LOW,
            "OCI source/revision label missing",
            "set org.opencontainers.image.source and .revision (BUILDX_GIT_LABELS=1 does)",
        ),
        _info(
            "label-mismatch",
            Severity.MEDIUM,
            "OCI label disagrees with the provenance",
            "the label names another source or revision than the build recorded",
        ),
        _info(
            "provenance-min",
            Severity.LOW,
            "provenance mode=min",
            "mode=max records build args, secrets ids, the Dockerfile and the LLB",
        ),
        _info(
            "not-reproducible",
            Severity.INFO,
            "build not marked reproducible",
            "set SOURCE_DATE_EPOCH and attest:provenance=reproducible=true when it is",
        ),
        _info(
            "materials-incomplete",
            Severity.LOW,
            "materials not complete",
            "the builder does not claim to list every input (local contexts are not materials)",
        ),
        _info(
            "no-sbom",
            Severity.MEDIUM,
            "no SBOM attestation",
            "build with --attest type=sbom (or --sbom=true)",
        ),
        _info(
            "no-vuln-scan",
            Severity.LOW,
            "no vulnerability scan attestation",
            "attach a scan result (cosign attest --type vuln, OpenVEX)",
        ),
        _info(
            "unsigned",
            Severity.MEDIUM,
            "no signature (with a signer policy: none verified under it)",
            "sign the image (cosign sign / attest); found by --cosign / --referrers lookups, "
            "verified when a signer identity or key is given",
        ),
        _info(
            "base-outdated",
            Severity.MEDIUM,
            "base image tag moved since the build (rebuild needed)",
            "the base image's tag now points to another digest than the one built on",
        ),
    ]
)


@dataclass(frozen=True, slots=True)
class PracticeFinding:
    """One practice finding on one platform image; ``evidence`` never holds secrets."""

    id: str
    severity: Severity
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "message": self.message,
            "evidence": dict(self.evidence),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> PracticeFinding:
        """Read back :meth:`to_json` output (a baseline report); FormatError when malformed."""
        try:
            return cls(
                str(obj["id"]),
                Severity(obj.get("severity", "info")),
                str(obj.get("message", "")),
                dict(obj.get("evidence") or {}),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise FormatError(f"not a finding: {exc}", input=str(obj)[:80]) from exc


def _finding(id_: str, message: str, **evidence: Any) -> PracticeFinding:
    return PracticeFinding(id_, CHECKS[id_].severity, message, evidence)


@dataclass(frozen=True, slots=True)
class PracticeInput:
    """What one platform image's checks look at.

    ``labels`` is None when the image config was not read (label checks are then
    skipped and listed in :attr:`skipped`); ``lookups`` are the attestation stores that
    were asked (signatures live outside BuildKit's index entries); ``verifications`` the
    outcome per signed item under the repository's signer policy (None: no policy, so
    signatures are only counted).
    """

    record: ProvenanceRecord | None
    attestations: Sequence[Attestation] = ()
    has_sbom: bool = False
    labels: Mapping[str, str] | None = None
    lookups: frozenset[str] = frozenset({"buildkit"})
    verifications: Sequence[Verification] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    findings: tuple[PracticeFinding, ...]
    skipped: tuple[str, ...]  # check ids not evaluated, for lack of data


def check_practices(inp: PracticeInput, enabled: Iterable[str] | None = None) -> Outcome:
    """Run every check (or those in ``enabled``) on one platform image."""
    want = set(CHECKS if enabled is None else enabled)
    out: list[PracticeFinding] = []
    skipped: list[str] = []
    rec = inp.record
    if rec is None:
        out.append(_finding("no-provenance", "no provenance attestation found"))
        skipped += [
            c
            for c in ("dirty-tree", "no-vcs", "unpinned-base", "secret-build-arg", "label-mismatch")
            if c in want
        ]
    else:
        out += _provenance_checks(rec)
    if inp.labels is None:
        skipped += [c for c in ("label-missing", "label-mismatch") if c in want]
    else:
        out += _label_checks(inp.labels, rec)
    if not inp.has_sbom:
        out.append(_finding("no-sbom", "no SBOM attestation found", lookups=sorted(inp.lookups)))
    out += _vuln_check(inp)
    out += _signature_check(inp)
    return Outcome(tuple(f for f in out if f.id in want), tuple(dict.fromkeys(s for s in skipped)))


def _provenance_checks(rec: ProvenanceRecord) -> list[PracticeFinding]:
    out: list[PracticeFinding] = []
    if rec.source_dirty:
        out.append(
            _finding(
                "dirty-tree",
                f"revision {rec.source_revision[:12]} was built with uncommitted changes",
                source=rec.source_repository,
                revision=f"{rec.source_revision}-dirty",
            )
        )
    if not rec.source_repository or not rec.source_revision:
        missing = [
            n
            for n, v in (("source", rec.source_repository), ("revision", rec.source_revision))
            if not v
        ]
        out.append(
            _finding(
                "no-vcs",
                f"provenance has no VCS {' or '.join(missing)}",
                source=rec.source_repository or None,
                revision=rec.source_revision or None,
                sourceFrom=rec.source_from or None,
            )
        )
    out += _base_checks(rec)
    if rec.mode == "max":
        for name, reason in sorted(_secret_args(rec.build_args).items()):
            out.append(
                _finding(
                    "secret-build-arg",
                    f"build arg {name} looks like a secret ({reason})",
                    arg=name,
                    reason=reason,
                )
            )
    if rec.mode == "min":
        out.append(_finding("provenance-min", "provenance mode=min", mode="min"))
    if rec.is_buildkit and rec.reproducible is not True:
        out.append(
            _finding(
                "not-reproducible",
                "build not marked reproducible",
                reproducible=rec.reproducible,
            )
        )
    if rec.completeness.materials is False:
        out.append(
            _finding(
                "materials-incomplete",
                "materials not claimed complete",
                completeness=rec.completeness.to_json(),
                materials=len(rec.dependencies),
            )
        )
    return out


# --- base images -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FromLine:
    """One ``FROM`` instruction of a Dockerfile, variables substituted where known."""

    line: int  # 1-based line where the instruction starts
    text: str  # the instruction as written (continuations joined)
    image: str  # the image operand after substitution ("" when it could not be resolved)
    stage: str = ""  # ``AS name``
    unresolved: tuple[str, ...] = ()  # variables with no default and no build arg


_VAR_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")
_VAR_DEFAULT_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}")


def _instructions(text: str) -> Iterable[tuple[int, str]]:
    """(line number, instruction) with ``\\`` continuations joined and comments dropped."""
    start, buf = 0, ""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comment lines inside a continuation are skipped by BuildKit too
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        yield start, (buf + line).strip()
        buf = ""
    if buf:
        yield start, buf.strip()


def from_lines(dockerfile: str, build_args: Mapping[str, str] | None = None) -> list[FromLine]:
    """The ``FROM`` instructions, with global ``ARG`` defaults and ``build_args`` applied."""
    given = tuple(sorted((build_args or {}).items()))
    if len(dockerfile) > _MEMO_MAX:
        return list(_parse_from_lines(dockerfile, given))
    return list(_memo_from_lines(dockerfile, given))


_MEMO_MAX = 64 * 1024  # larger Dockerfiles are parsed every time, not kept


def _parse_from_lines(
    dockerfile: str, build_args: tuple[tuple[str, str], ...]
) -> tuple[FromLine, ...]:
    args: dict[str, str | None] = {}
    given = dict(build_args)
    out: list[FromLine] = []
    seen_from = False
    for n, inst in _instructions(dockerfile):
        word, _, rest = inst.partition(" ")
        keyword = word.upper()
        if keyword == "ARG" and not seen_from:
            for decl in rest.split():
                name, eq, default = decl.partition("=")
                args[name] = given.get(name, _unquote(default) if eq else None)
        elif keyword == "FROM":
            seen_from = True
            words = [w for w in rest.split() if not w.startswith("--")]
            if not words:
                continue
            stage = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
            image, unresolved = _substitute(words[0], {**args, **given})
            out.append(FromLine(n, inst, image, stage, unresolved))
    return tuple(out)


#: :func:`from_lines` memoised: the tags of one repository are mostly built from one
#: Dockerfile with the same arguments, so an audit parses each text once
_memo_from_lines = functools.lru_cache(maxsize=256)(_parse_from_lines)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _substitute(word: str, values: Mapping[str, str | None]) -> tuple[str, tuple[str, ...]]:
    unresolved: list[str] = []

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        value = values.get(name)
        if value is not None:
            return value
        d = _VAR_DEFAULT_RE.fullmatch(m.group(0))
        if d is not None:
            return d.group(2)
        unresolved.append(name)
        return ""

    image = _VAR_RE.sub(repl, _unquote(word))
    return ("" if unresolved else image), tuple(unresolved)


def _image_key(ref: str) -> tuple[str, str | None, str | None] | None:
    """(normalised name, tag, digest) of an image reference; None when it does not parse."""
    try:
        r = parse_reference(ref)
    except ReferenceError:
        return None
    return r.name, r.tag, r.digest


def _base_checks(rec: ProvenanceRecord) -> list[PracticeFinding]:
    try:
        dockerfile = rec.dockerfile()
    except FormatError:
        dockerfile = None
    bases = rec.base_images
    if dockerfile is None:
        return _base_checks_from_materials(bases)
    out: list[PracticeFinding] = []
    stages: set[str] = set()
    for fl in from_lines(dockerfile, rec.build_args):
        if fl.stage:
            stage_name = fl.stage.lower()
        else:
            stage_name = ""
        if fl.unresolved:
            out.append(
                _finding(
                    "unpinned-base",
                    f"line {fl.line}: FROM names ${fl.unresolved[0]}, unknown: "
                    "cannot tell whether it is pinned",
                    line=fl.line,
                    instruction=fl.text,
                    unresolved=list(fl.unresolved),
                )
            )
        elif fl.image.lower() != "scratch" and fl.image.lower() not in stages:
            key = _image_key(fl.image)
            if key is not None and key[2] is None:
                name, tag = key[0], key[1] or "latest"
                resolved = _resolved(bases, name, tag)
                implicit = "" if key[1] else " (no tag: latest)"
                msg = f"line {fl.line}: FROM {fl.image}{implicit} is not pinned by digest"
                if resolved:
                    msg += f"; built on {resolved}"
                out.append(
                    _finding(
                        "unpinned-base",
                        msg,
                        line=fl.line,
                        instruction=fl.text,
                        image=f"{name}:{tag}",
                        resolvedDigest=resolved or None,
                        source="dockerfile",
                    )
                )
        if stage_name:
            stages.add(stage_name)
    return out


def _base_checks_from_materials(bases: Sequence[Dependency]) -> list[PracticeFinding]:
    """mode=min has no Dockerfile: a base image material named by tag was asked for by tag."""
    out = []
    for dep in bases:
        key = _image_key(dep.image_ref) if dep.image_ref else None
        if key is None or key[2] is not None:
            continue
        name, tag = key[0], key[1] or "latest"
        out.append(
            _finding(
                "unpinned-base",
                f"base image {name}:{tag} was named by tag; built on {dep.digest}",
                image=f"{name}:{tag}",
                resolvedDigest=dep.digest or None,
                material=dep.uri,
                source="materials",
            )
        )
    return out


def _resolved(bases: Sequence[Dependency], name: str, tag: str) -> str:
    for dep in bases:
        key = _image_key(dep.image_ref) if dep.image_ref else None
        if key is not None and key[0] == name and (key[1] or "latest") == tag:
            return dep.digest
    return ""


# --- secrets -------------------------------------------------------------------------------

_SECRET_WORDS = frozenset(
    {
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "credential",
        "credentials",
        "apikey",
        "privatekey",
        "secretkey",
        "accesskey",
        "auth",
        "cookie",
    }
)
_SECRET_PAIRS = frozenset(
    {("api", "key"), ("access", "key"), ("private", "key"), ("signing", "key")}
)
_KNOWN_VALUE_RES = (
    ("GitHub token", re.compile(r"(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("GitLab token", re.compile(r"glpat-[A-Za-z0-9_-]{20,}")),
    ("AWS access key id", re.compile(r"(AKIA|ASIA)[0-9A-Z]{16}")),
    ("Slack token", re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Stripe key", re.compile(r"[sr]k_(live|test)_[A-Za-z0-9]{16,}")),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("JWT", re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("URL with a password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
)
_TOKENISH_RE = re.compile(r"[A-Za-z0-9+/=_\-.~]+")
_HEX_RE = re.compile(r"[0-9a-fA-F]+")


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def secret_reason(name: str, value: str) -> str | None:
    """Why ``name=value`` looks like a secret (never quoting the value), or None."""
    words = _name_words(name)
    joined = "".join(words)
    for label, rx in _KNOWN_VALUE_RES:
        if rx.search(value):
            return f"value: looks like a {label}"
    named = next((w for w in words if w in _SECRET_WORDS), None)
    if named is None:
        named = next(
            (f"{a}_{b}" for a, b in itertools.pairwise(words) if (a, b) in _SECRET_PAIRS),
            None,
        )
    if named is None and any(s in joined for s in ("password", "secret", "apikey", "token")):
        named = next(s for s in ("password", "secret", "apikey", "token") if s in joined)
    if named is not None and value:
        return f"name contains {named!r}"
    if _high_entropy(value):
        return f"value: {len(value)} chars, {_entropy(value):.1f} bits/char"
    return None


def _high_entropy(value: str) -> bool:
    """Long, token-shaped and random-looking; hex strings (commits, digests) are skipped."""
    if len(value) < 20 or not _TOKENISH_RE.fullmatch(value) or _HEX_RE.fullmatch(value):
        return False
    classes = sum(
        bool(re.search(rx, value)) for rx in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[+/=_\-.~]")
    )
    return classes >= 3 and _entropy(value) >= 4.0


def _secret_args(args: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for name, value in args.items():
        reason = secret_reason(name, value)
        if reason is not None:
            out[name] = reason
    return out


# --- labels --------------------------------------------------------------------------------


def normalize_repo_url(url: str) -> str:
    """Compare repository URLs loosely: scheme, ``.git``, trailing ``/``, case, scp-style."""
    u = url.strip().lower()
    m = re.fullmatch(r"(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)", u)
    if m is not None and "://" not in u:
        u = f"{m.group(1)}/{m.group(2)}"
    u = re.sub(r"^[a-z][a-z0-9+.-]*://", "", u)
    u = re.sub(r"^[^/@]+@", "", u)  # user info
    u = u.split("#", 1)[0].rstrip("/")
    return u[:-4] if u.endswith(".git") else u


def _label_checks(labels: Mapping[str, str], rec: ProvenanceRecord | None) -> list[PracticeFinding]:
    out: list[PracticeFinding] = []
    for key in (LABEL_SOURCE, LABEL_REVISION):
        if not labels.get(key):
            out.append(_finding("label-missing", f"label {key} is not set", label=key))
    if rec is None:
        return out
    src, rev = labels.get(LABEL_SOURCE, ""), labels.get(LABEL_REVISION, "")
    if (
        src
        and rec.source_repository
        and (normalize_repo_url(src) != normalize_repo_url(rec.source_repository))
    ):
        out.append(
            _finding(
                "label-mismatch",
                f"label {LABEL_SOURCE} {src} is not the provenance source {rec.source_repository}",
                label=LABEL_SOURCE,
                labelValue=src,
                provenanceValue=rec.source_repository,
            )
        )
    have = rec.source_revision.lower()
    if rev and have and not _same_revision(rev.lower(), have):
        out.append(
            _finding(
                "label-mismatch",
                f"label {LABEL_REVISION} {rev[:12]} is not the provenance revision {have[:12]}",
                label=LABEL_REVISION,
                labelValue=rev,
                provenanceValue=rec.source_revision,
            )
        )
    return out


def _same_revision(a: str, b: str) -> bool:
    a = a.removesuffix("-dirty")
    n = min(len(a), len(b))
    return n >= 7 and a[:n] == b[:n]


# --- vulnerability scans and signatures ---------------------------------------------------


def _vuln_check(inp: PracticeInput) -> list[PracticeFinding]:
    types = [a.predicate_type for a in inp.attestations if a.predicate_type]
    if any(t.startswith(VULN_PREDICATE_PREFIXES) for t in types):
        return []
    return [
        _finding(
            "no-vuln-scan",
            "no vulnerability scan attestation found",
            predicateTypes=sorted(set(types)),
            lookups=sorted(inp.lookups),
        )
    ]


def signature_evidence(inp: PracticeInput) -> dict[str, Any]:
    """Signatures present among the attestations, and with a signer policy how each
    signed item verified (the verified signer's identity and issuer when one did)."""
    sigs = [a for a in inp.attestations if a.kind is Kind.SIGNATURE]
    signed_att = [a for a in inp.attestations if a.kind is not Kind.SIGNATURE and is_signed(a)]
    ev: dict[str, Any] = {
        "signatures": len(sigs),
        "signedAttestations": len(signed_att),
        "verified": False,
        "basis": "presence only (no signer policy given: signatures are not verified)",
        "lookups": sorted(inp.lookups),
    }
    if inp.verifications is None:
        return ev
    state = signature_state(inp.attestations, inp.verifications, inp.lookups)
    ev["verified"] = state.state == "verified"
    ev["basis"] = "verified under the signer policy"
    ev["signer"] = state.cell
    ev["signerIdentity"] = state.identity
    ev["signerIssuer"] = state.issuer
    ev["items"] = [_verification_evidence(v) for v in inp.verifications]
    return ev


def _verification_evidence(v: Verification) -> dict[str, Any]:
    return {
        "outcome": v.cell(),
        "detail": v.detail,
        "method": v.method.value,
        "store": v.store,
        "kind": v.kind,
        "predicateType": v.predicate_type,
        "signerIdentity": v.signer.identity if v.signer else None,
        "signerIssuer": v.signer.issuer if v.signer else None,
        "manifestDigest": v.manifest_digest,
    }


def _signature_check(inp: PracticeInput) -> list[PracticeFinding]:
    ev = signature_evidence(inp)
    if inp.verifications is not None:
        if ev["verified"]:
            return []
        where = ", ".join(ev["lookups"])
        return [
            _finding(
                "unsigned",
                f"signature not verified under the policy: {ev['signer']} (looked in: {where})",
                **ev,
            )
        ]
    if ev["signatures"] or ev["signedAttestations"]:
        return []
    where = ", ".join(ev["lookups"])
    hint = "" if {"cosign", "referrers"} & inp.lookups else "; add --cosign / --referrers to look"
    return [_finding("unsigned", f"no signature found (looked in: {where}{hint})", **ev)]
