"""Audit policies: parsed once (flags and/or a TOML policy file), evaluated per platform image.

A failed check yields a short human message (``no provenance``, ``built 120d ago
(max 90d)``); an image passes when the list is empty.  Bad input (a duration or a
regular expression that does not parse, an unknown key in a policy file) raises
:class:`~ocitrace.errors.PolicyError`.

Practice findings (:mod:`.practices`) get an action from the policy: ``fail`` (a
failure message), ``warn`` (shown, exit code unchanged; the default) or ``ignore``.
A policy file adds rules per repository glob (:func:`load_policy_file`); the effective
policy for one repository is :meth:`Policy.resolve`.

Signatures: ``verify`` holds the signer policy of the CLI's cosign flags (identity,
issuer, keys, trusted root); a policy file's ``signer-identity``/``signer-issuer``
(regexps) give it per repository glob.  :meth:`Policy.signature_policy` is the one a
repository's signatures are verified under (None: not verified, presence only), and
``require = ["signed"]`` fails images where nothing verifies under it.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PolicyError
from .facts import Facts
from .practices import CHECKS, PracticeFinding, Severity

if TYPE_CHECKING:  # (verify.model, its regexps and dataclasses: imported when signatures matter)
    from ..verify.model import Policy as SignerPolicy

__all__ = [
    "ACTIONS",
    "REQUIREMENTS",
    "Policy",
    "Rule",
    "format_duration",
    "load_policy_file",
    "parse_duration",
    "parse_policy",
]

#: ``signature``: one is present (verified when a signer policy is given); ``signed``: a
#: signature or attestation verifies under the signer policy
REQUIREMENTS = ("provenance", "sbom", "vuln", "signature", "signed")
ACTIONS = ("fail", "warn", "ignore")
#: A requirement that a finding stands for: required, that finding fails whatever its action.
_REQUIRED_BY_FINDING = {"vuln": "no-vuln-scan", "signature": "unsigned", "signed": "unsigned"}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION_RE = re.compile(r"(\d+)([smhdwy])")
_DURATION_HINT = "write a duration as a number and unit: 90d, 12h, 2w, 1w3d (s m h d w y)"


def parse_duration(text: str) -> timedelta:
    """``90d`` / ``12h`` / ``2w`` / ``1w3d`` → timedelta; raise PolicyError otherwise."""
    s = text.strip().lower()
    pos, seconds = 0, 0
    for m in _DURATION_RE.finditer(s):
        if m.start() != pos:
            break
        seconds += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not s or pos != len(s):
        raise PolicyError(f"invalid duration {text!r}", input=text, hint=_DURATION_HINT)
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Compact rendering for messages: whole days when ≥ 1 day, else hours, else minutes."""
    secs = int(delta.total_seconds())
    if secs >= 86400:
        return f"{secs // 86400}d"
    if secs >= 3600:
        return f"{secs // 3600}h"
    return f"{max(secs // 60, 0)}m"


def _compile(pattern: str | None, what: str) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PolicyError(
            f"invalid {what} regular expression {pattern!r}: {exc}",
            input=pattern,
            hint="Python regular-expression syntax; it is searched, not anchored",
        ) from exc


@dataclass(frozen=True, slots=True)
class Rule:
    """Settings for the repositories matching one of ``repositories`` (fnmatch globs,
    matched against ``registry/repository`` and against the repository path alone).
    ``settings`` holds only the keys the rule sets (field names of :class:`Policy`)."""

    repositories: tuple[str, ...]
    settings: Mapping[str, Any]

    def matches(self, repository: str) -> bool:
        path = repository.split("/", 1)[1] if "/" in repository else repository
        return any(
            fnmatch.fnmatchcase(repository, g) or fnmatch.fnmatchcase(path, g)
            for g in self.repositories
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """The checks requested; all optional. Regexes are searched (use ^…$ to anchor).

    ``fail``/``warn``/``ignore`` select practice findings by check id, severity name
    (that severity and above) or ``*``; an id beats a severity beats ``*``; unselected
    findings warn.  ``rules`` (from a policy file) override these per repository.
    """

    require: frozenset[str] = field(default_factory=frozenset)
    max_age: timedelta | None = None
    builder: re.Pattern[str] | None = None
    source: re.Pattern[str] | None = None
    require_mode: str | None = None
    fail: frozenset[str] = field(default_factory=frozenset)
    warn: frozenset[str] = field(default_factory=frozenset)
    ignore: frozenset[str] = field(default_factory=frozenset)
    signer_identity: re.Pattern[str] | None = None
    signer_issuer: re.Pattern[str] | None = None
    read_config: bool = False  # read image configs (label checks)
    rules: tuple[Rule, ...] = ()
    origin: str = ""  # the policy file, when there is one
    #: the signer policy of the CLI's flags (cosign's: identity, issuer, keys, trusted
    #: root); its identity beats the file's ``signer-identity``/``signer-issuer``
    verify: SignerPolicy | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.require
            or self.max_age
            or self.builder
            or self.source
            or self.require_mode
            or self.fail
            or self.signer_identity
            or self.signer_issuer
            or any("fail" in r.settings or "require" in r.settings for r in self.rules)
        )

    @property
    def verifies(self) -> bool:
        """Whether some repository's signatures are verified (signature lookups needed)."""
        return self.signature_policy() is not None or any(
            _verifying_settings(r.settings) for r in self.rules
        )

    def signature_policy(self) -> SignerPolicy | None:
        """The signer policy this (resolved) policy verifies signatures under; None when
        nothing asks for verification (signatures are then counted, not verified).

        The flags' identity/issuer win; else the file's ``signer-identity``/``signer-issuer``
        regexps, on the flags' keys and trusted root.  ``require signed`` without either
        gives an empty policy: nothing can verify, so those images fail.
        """
        base = self.verify
        if base is not None and base.has_identity:
            return base
        if self.signer_identity is not None or self.signer_issuer is not None:
            if self.signer_identity is None or self.signer_issuer is None:
                raise PolicyError(
                    "signer-identity and signer-issuer go together"
                    + (f" ({self.origin})" if self.origin else ""),
                    input=self.origin or None,
                    hint='e.g. signer-identity = "^https://github.com/acme/" and '
                    'signer-issuer = "^https://token.actions.githubusercontent.com$"',
                )
            from ..verify.model import Policy as SignerPolicy

            return dataclasses.replace(
                base or SignerPolicy(),
                identity_regexp=self.signer_identity.pattern,
                issuer_regexp=self.signer_issuer.pattern,
            )
        if base is not None and (base.given or base.notation_trust_store is not None):
            return base
        if "signed" in self.require:
            from ..verify.model import Policy as SignerPolicy

            return base or SignerPolicy()
        return None

    @property
    def reads_config(self) -> bool:
        """Whether any repository's policy needs the image configs (label checks)."""
        return self.read_config or any(r.settings.get("read_config") for r in self.rules)

    def resolve(self, repository: str) -> Policy:
        """The effective policy for ``repository``: matching rules applied in file order."""
        out = self
        for rule in self.rules:
            if rule.matches(repository):
                out = dataclasses.replace(out, **dict(rule.settings))
        return dataclasses.replace(out, rules=()) if self.rules else out

    def evaluate(self, facts: Facts, now: datetime) -> tuple[str, ...]:
        """Messages of the checks ``facts`` fail (empty: passes)."""
        out: list[str] = []
        if "provenance" in self.require and not facts.has_provenance:
            out.append("no provenance")
        if "sbom" in self.require and not facts.has_sbom:
            out.append("no SBOM")
        if self.require_mode and not _mode_ok(facts.mode, self.require_mode):
            out.append(f"provenance mode {facts.mode or 'none'} (want {self.require_mode})")
        if self.max_age is not None:
            out.extend(self._age(facts, now, self.max_age))
        if self.builder is not None and not self.builder.search(facts.builder or ""):
            out.append(
                f"builder {facts.builder or 'unknown'} does not match {self.builder.pattern}"
            )
        if self.source is not None and not self.source.search(facts.source or ""):
            out.append(f"source {facts.source or 'unknown'} does not match {self.source.pattern}")
        return tuple(out)

    def action(self, finding: PracticeFinding) -> str:
        """``fail``, ``warn`` or ``ignore`` for one finding (requirements force ``fail``)."""
        for req, fid in _REQUIRED_BY_FINDING.items():
            if req in self.require and finding.id == fid:
                return "fail"
        lists: dict[str, frozenset[str]] = {n: getattr(self, n) for n in ("fail", "ignore", "warn")}
        sev = finding.severity
        for tier in ("id", "severity", "*"):
            for name, selected in lists.items():
                if tier == "id" and finding.id in selected:
                    return name
                if tier == "severity" and any(_severity_covers(x, sev) for x in selected):
                    return name
                if tier == "*" and "*" in selected:
                    return name
        return "warn"

    def evaluate_findings(
        self, findings: Sequence[PracticeFinding]
    ) -> tuple[tuple[str, ...], tuple[tuple[PracticeFinding, str], ...]]:
        """(failure messages, (finding, action) for every finding, ignored ones included:
        reports hide them but coverage still counts them)."""
        kept = [(f, self.action(f)) for f in findings]
        failures = [f"{f.id}: {f.message}" for f, a in kept if a == "fail"]
        return tuple(failures), tuple(kept)

    @staticmethod
    def _age(facts: Facts, now: datetime, limit: timedelta) -> Iterable[str]:
        if facts.built_at is None:
            return ("build time unknown",)
        age = now - facts.built_at
        if age > limit:
            return (f"built {format_duration(age)} ago (max {format_duration(limit)})",)
        return ()

    def to_json(self) -> dict[str, Any]:
        """The effective settings (``--explain-policy``), rules with only what they set."""
        out = _settings_json(self)
        out["rules"] = [
            {"repositories": list(r.repositories), **_settings_json(r.settings)} for r in self.rules
        ]
        if self.origin:
            out["file"] = self.origin
        return out


def _settings_json(src: Policy | Mapping[str, Any]) -> dict[str, Any]:
    def get(name: str) -> Any:
        return getattr(src, name) if isinstance(src, Policy) else src.get(name)

    out: dict[str, Any] = {}
    signer = src.verify if isinstance(src, Policy) else None
    if signer is not None:
        out["signer"] = _signer_json(signer)
    for name, key in _KEYS.items():
        if not isinstance(src, Policy) and name not in src:
            continue
        value = get(name)
        if isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, timedelta):
            value = format_duration(value)
        elif isinstance(value, re.Pattern):
            value = value.pattern
        out[key] = value
    return out


def _signer_json(p: SignerPolicy) -> dict[str, Any]:
    """The flags' signer policy for ``--explain-policy`` (key count, not key bytes)."""
    return {
        "identity": p.identity,
        "identityRegexp": p.identity_regexp,
        "issuer": p.issuer,
        "issuerRegexp": p.issuer_regexp,
        "keys": len(p.keys),
        "trustedRoot": "given" if p.trusted_root is not None else "sigstore public-good",
        "offline": p.offline,
        "notationTrustStore": str(p.notation_trust_store) if p.notation_trust_store else None,
    }


def _verifying_settings(settings: Mapping[str, Any]) -> bool:
    return (
        "signer_identity" in settings
        or "signer_issuer" in settings
        or "signed" in settings.get("require", ())
    )


def _severity_covers(selector: str, severity: Severity) -> bool:
    try:
        return severity.rank >= Severity(selector).rank
    except ValueError:
        return False


def _mode_ok(have: str | None, want: str) -> bool:
    """``max`` needs max; ``min`` is met by any provenance (max records more than min)."""
    return have == "max" if want == "max" else have in ("min", "max")


#: Policy field → policy-file / JSON key.
_KEYS = {
    "require": "require",
    "max_age": "max-age",
    "builder": "builder",
    "source": "source",
    "require_mode": "require-mode",
    "fail": "fail",
    "warn": "warn",
    "ignore": "ignore",
    "signer_identity": "signer-identity",
    "signer_issuer": "signer-issuer",
    "read_config": "read-config",
}
_FIELDS = {v: k for k, v in _KEYS.items()}


def _requirements(items: Iterable[str], what: str) -> frozenset[str]:
    wanted = frozenset(r.strip().lower() for item in items for r in item.split(",") if r.strip())
    unknown = sorted(wanted - set(REQUIREMENTS))
    if unknown:
        raise PolicyError(
            f"unknown requirement {unknown[0]!r}",
            input=unknown[0],
            hint=f"{what} takes {', '.join(REQUIREMENTS)}",
        )
    return wanted


def _mode(value: str | None) -> str | None:
    if value is not None and value not in ("max", "min"):
        raise PolicyError(f"unknown provenance mode {value!r}", input=value, hint="use max or min")
    return value


def _selectors(items: Iterable[str], what: str) -> frozenset[str]:
    known = set(CHECKS) | {s.value for s in Severity} | {"*"}
    out = frozenset(i.strip().lower() for i in items if i.strip())
    bad = sorted(out - known)
    if bad:
        raise PolicyError(
            f"unknown finding {bad[0]!r} in {what}",
            input=bad[0],
            hint=f"a check id ({', '.join(CHECKS)}), a severity (high, medium, low, info) or *",
        )
    return out


def parse_policy(
    *,
    require: Iterable[str] = (),
    max_age: str | None = None,
    builder: str | None = None,
    source: str | None = None,
    require_mode: str | None = None,
    fail: Iterable[str] = (),
    read_config: bool = False,
    file: str | Path | None = None,
    signer: SignerPolicy | None = None,
) -> Policy:
    """Build a :class:`Policy` from option values; raise PolicyError on bad input.

    With ``file``, the policy file is the base and the options given here (the CLI's
    shortcuts) override it for every repository, as a last ``*`` rule.  ``signer``: the
    signer policy of the CLI's verify flags (see :meth:`Policy.signature_policy`).
    """
    flags: dict[str, Any] = {}
    wanted = _requirements(require, "--require")
    if wanted:
        flags["require"] = wanted
    if max_age is not None:
        flags["max_age"] = parse_duration(max_age)
    if builder is not None:
        flags["builder"] = _compile(builder, "--builder")
    if source is not None:
        flags["source"] = _compile(source, "--source")
    if _mode(require_mode) is not None:
        flags["require_mode"] = require_mode
    failing = _selectors([f for item in fail for f in item.split(",")], "--fail-finding")
    if failing:
        flags["fail"] = failing
    if read_config:
        flags["read_config"] = True
    if file is None:
        return _checked(Policy(**flags, verify=signer))
    base = dataclasses.replace(load_policy_file(file), verify=signer)
    if not flags:
        return _checked(base)
    return _checked(dataclasses.replace(base, rules=(*base.rules, Rule(("*",), flags))))


def _checked(policy: Policy) -> Policy:
    """Signer settings that can never work are errors before any request: a lone
    ``signer-identity``/``signer-issuer`` (in [defaults] or with [defaults] in a rule), and
    ``require signed`` with no signer policy anywhere."""
    policy.signature_policy()
    for rule in policy.rules:
        dataclasses.replace(policy, **dict(rule.settings), rules=()).signature_policy()
    requires_signed = "signed" in policy.require or any(
        "signed" in r.settings.get("require", ()) for r in policy.rules
    )
    signer = policy.verify
    has_signer = (
        (signer is not None and (signer.given or signer.notation_trust_store is not None))
        or policy.signer_identity is not None
        or any("signer_identity" in r.settings for r in policy.rules)
    )
    if requires_signed and not has_signer:
        raise PolicyError(
            "require signed needs a signer policy",
            input="signed",
            hint="give --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp] "
            "or --key PEM, or signer-identity and signer-issuer in the policy file",
        )
    return policy


def load_policy_file(path: str | Path) -> Policy:
    """Read a TOML policy file (see the README): ``[defaults]`` and ``[[rules]]``."""
    import tomllib

    p = Path(path)
    try:
        with p.open("rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise PolicyError(
            f"cannot read policy file {p}: {exc.strerror or exc}", input=str(p)
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            f"policy file {p} is not valid TOML: {exc}", input=str(p), hint="see TOML 1.0"
        ) from exc
    return policy_from_document(doc, str(p))


def policy_from_document(doc: Mapping[str, Any], origin: str = "") -> Policy:
    """A :class:`Policy` from a decoded policy file (the TOML tables as dicts)."""
    unknown = sorted(set(doc) - {"defaults", "rules"})
    if unknown:
        raise PolicyError(
            f"{origin or 'policy'}: unknown table {unknown[0]!r}",
            input=unknown[0],
            hint="a policy file has [defaults] and [[rules]]",
        )
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise PolicyError(f"{origin or 'policy'}: [defaults] must be a table", input=origin)
    base = _settings(defaults, f"{origin}: [defaults]", allow_repositories=False)
    rules_doc = doc.get("rules", [])
    if not isinstance(rules_doc, list):
        raise PolicyError(f"{origin or 'policy'}: rules must be [[rules]] tables", input=origin)
    rules = []
    for n, item in enumerate(rules_doc, 1):
        where = f"{origin}: [[rules]] #{n}"
        if not isinstance(item, Mapping):
            raise PolicyError(f"{where} must be a table", input=origin)
        globs = item.get("repositories")
        if isinstance(globs, str):
            globs = [globs]
        if not globs or not all(isinstance(g, str) and g for g in globs):
            raise PolicyError(
                f"{where}: repositories must be a glob or a list of globs",
                input=origin,
                hint='repositories = ["acme/*", "127.0.0.1:5000/legacy-*"]',
            )
        rules.append(Rule(tuple(globs), _settings(item, where, allow_repositories=True)))
    return Policy(**base, rules=tuple(rules), origin=origin)


def _settings(table: Mapping[str, Any], where: str, *, allow_repositories: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "repositories" and allow_repositories:
            continue
        name = _FIELDS.get(key)
        if name is None:
            raise PolicyError(
                f"{where}: unknown key {key!r}",
                input=key,
                hint=f"keys: {', '.join(_KEYS.values())}"
                + (", repositories" if allow_repositories else ""),
            )
        out[name] = _value(name, key, value, where)
    return out


def _value(name: str, key: str, value: Any, where: str) -> Any:
    def strings() -> list[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise PolicyError(f"{where}: {key} must be a string or a list of strings", input=key)
        return items

    def string() -> str:
        if not isinstance(value, str):
            raise PolicyError(f"{where}: {key} must be a string", input=key)
        return value

    if name == "require":
        return _requirements(strings(), f"{where}: require")
    if name in ("fail", "warn", "ignore"):
        return _selectors(strings(), f"{where}: {key}")
    if name == "max_age":
        return parse_duration(string())
    if name == "require_mode":
        return _mode(string())
    if name == "read_config":
        if not isinstance(value, bool):
            raise PolicyError(f"{where}: {key} must be true or false", input=key)
        return value
    return _compile(string(), f"{where}: {key}")
