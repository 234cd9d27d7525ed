"""The readable ``ocitrace diff`` report: sections per platform, ``+``/``-``/``~`` lines.

``+`` only in the new image (B), ``-`` only in the old (A), ``~`` changed (old → new).
Only what differs is listed.  Every string from the images passes :func:`safe` (control
characters escaped), so a hostile label cannot drive the terminal.  ``colour=True`` adds
ANSI colours (the CLI decides: a terminal, and ``NO_COLOR`` unset).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..textsafe import escape_unprintable
from .model import (
    AttestationEntry,
    AttestationsDiff,
    ConfigDiff,
    DockerfileStatus,
    FieldChange,
    ImageDiff,
    MapDiff,
    PlatformDiff,
    ProvenanceDiff,
    SbomDiff,
    SetDiff,
    Value,
)

__all__ = ["render_text", "safe"]

_COLOURS = {"+": "\x1b[32m", "-": "\x1b[31m", "~": "\x1b[33m", "#": "\x1b[1m", "@": "\x1b[36m"}
_RESET = "\x1b[0m"


def safe(text: str) -> str:
    """``text`` on one line with every unprintable character (C0, DEL, C1, bidi
    controls, separators) shown as ``\\xNN`` / ``\\uNNNN``: textsafe's strict form."""
    return escape_unprintable(text)


def _value(v: Value) -> str:
    if v is None or v == "":
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return safe(json.dumps(list(v)))
    return safe(str(v))


class _Out:
    def __init__(self, colour: bool) -> None:
        self.lines: list[str] = []
        self.colour = colour

    def line(self, marker: str, text: str, indent: int = 2) -> None:
        body = (
            f"{' ' * indent}{marker} {text}"
            if marker and marker in "+-~"
            else f"{' ' * indent}{text}"
        )
        if self.colour and marker in _COLOURS:
            body = f"{_COLOURS[marker]}{body}{_RESET}"
        self.lines.append(body)

    def head(self, text: str, indent: int = 0) -> None:
        self.line("#", text, indent)


def render_text(diff: ImageDiff, *, colour: bool = False) -> str:
    """The whole report, newline-terminated."""
    out = _Out(colour)
    out.line("-", f"old: {safe(diff.old.reference)}  {safe(diff.old.digest)}", 0)
    out.line("+", f"new: {safe(diff.new.reference)}  {safe(diff.new.digest)}", 0)
    if not diff.differs:
        out.lines.append("no differences")
        return "\n".join(out.lines) + "\n"
    for p in diff.only_old:
        out.line("-", f"platform {safe(p)} only in old", 0)
    for p in diff.only_new:
        out.line("+", f"platform {safe(p)} only in new", 0)
    if diff.index_attestations.differs:
        out.lines.append("")
        out.head("index")
        _attestations(out, diff.index_attestations)
    for pd in diff.platforms:
        out.lines.append("")
        _platform(out, pd)
    return "\n".join(out.lines) + "\n"


def _platform(out: _Out, p: PlatformDiff) -> None:
    if p.same_image:
        out.head(f"{safe(p.platform)}  {safe(p.old_digest)} (same image)")
    else:
        out.head(f"{safe(p.platform)}  {safe(p.old_digest)} → {safe(p.new_digest)}")
    if not (p.provenance.differs or p.config.differs or p.attestations.differs) and not any(
        s.differs for s in p.sboms
    ):
        out.line("", "no differences in provenance, SBOM, config or attestations")
        return
    if p.provenance.differs:
        _provenance(out, p.provenance)
    for s in p.sboms:
        if s.differs:
            _sbom(out, s)
    if p.config.differs:
        _config(out, p.config)
    if p.attestations.differs:
        out.head("attestations", 1)
        _attestations(out, p.attestations)


def _fields(out: _Out, fields: Iterable[FieldChange]) -> None:
    for f in fields:
        out.line("~", f"{f.name}: {_value(f.old)} → {_value(f.new)}")


def _map(out: _Out, label: str, m: MapDiff) -> None:
    for e in m.added:
        out.line("+", f"{label} {safe(e.key)}={safe(e.value)}")
    for e in m.removed:
        out.line("-", f"{label} {safe(e.key)}={safe(e.value)}")
    for c in m.changed:
        if c.redacted:
            out.line("~", f"{label} {safe(c.key)}: value changed ({c.old})")
        else:
            out.line("~", f"{label} {safe(c.key)}: {safe(c.old)} → {safe(c.new)}")


def _set(out: _Out, label: str, s: SetDiff) -> None:
    for v in s.added:
        out.line("+", f"{label} {safe(v)}")
    for v in s.removed:
        out.line("-", f"{label} {safe(v)}")


def _presence(out: _Out, what: str, old: bool, new: bool) -> bool:
    """One line when only one side has ``what``; True when both have it."""
    if old and not new:
        out.line("-", f"{what} only in old")
    elif new and not old:
        out.line("+", f"{what} only in new")
    return old and new


def _provenance(out: _Out, d: ProvenanceDiff) -> None:
    out.head("provenance", 1)
    if not _presence(out, "provenance", d.old_present, d.new_present):
        if not (d.old_present or d.new_present):
            return
        side = "+" if d.new_present else "-"  # one side only: what it says
        for f in d.fields:
            out.line(side, f"{f.name}: {_value(f.new if d.new_present else f.old)}")
    else:
        _fields(out, d.fields)
    _map(out, "build-arg", d.build_args)
    _map(out, "frontend option", d.frontend_options)
    for m in d.materials_added:
        out.line("+", f"material {safe(m.name)} {safe(m.digest) or '(no digest)'}  {safe(m.uri)}")
    for m in d.materials_removed:
        out.line("-", f"material {safe(m.name)} {safe(m.digest) or '(no digest)'}  {safe(m.uri)}")
    for c in d.materials_changed:
        if c.old_digest != c.new_digest:
            out.line(
                "~",
                f"material {safe(c.name)}: {_value(c.old_digest)} → {_value(c.new_digest)}",
            )
        if c.old_uri != c.new_uri:
            out.line("~", f"material {safe(c.name)} uri: {safe(c.old_uri)} → {safe(c.new_uri)}")
    _set(out, "secret", d.secrets)
    _set(out, "ssh", d.ssh)
    df = d.dockerfile
    if df.status is DockerfileStatus.CHANGED:
        out.line("~", "Dockerfile changed" + (f" ({df.reason})" if df.reason else ":"))
        for line in df.unified:
            _diff_line(out, line)


def _diff_line(out: _Out, line: str) -> None:
    """A unified-diff line, indented, coloured like git's (no extra marker)."""
    text = "    " + safe(line)
    if out.colour:
        key = (
            "@" if line.startswith("@@") else ("#" if line.startswith(("---", "+++")) else line[:1])
        )
        if key in _COLOURS:
            text = f"{_COLOURS[key]}{text}{_RESET}"
    out.lines.append(text)


def _sbom(out: _Out, s: SbomDiff) -> None:
    out.head(f"sbom ({safe(s.role)})", 1)
    if not _presence(
        out,
        f"SBOM ({s.new_format or s.old_format}, {s.new_count or s.old_count} packages)",
        s.old_present,
        s.new_present,
    ):
        return
    _fields(out, s.fields)
    if s.old_count != s.new_count:
        out.line("~", f"packages: {s.old_count} → {s.new_count}")
    for p in s.added:
        out.line(
            "+", f"{safe(p.name)} {safe(p.version) or '(no version)'} ({safe(p.type) or 'no type'})"
        )
    for p in s.removed:
        out.line(
            "-", f"{safe(p.name)} {safe(p.version) or '(no version)'} ({safe(p.type) or 'no type'})"
        )
    for c in s.version_changed:
        out.line(
            "~",
            f"{safe(c.name)} ({safe(c.type) or 'no type'}): {_value(c.old_version)} → {_value(c.new_version)}",
        )
    for c in s.license_changed:
        out.line("~", f"{safe(c.name)} licence: {_value(c.old_license)} → {_value(c.new_license)}")


def _config(out: _Out, c: ConfigDiff) -> None:
    out.head("config", 1)
    if not _presence(out, "image config", c.old_present, c.new_present):
        return
    _fields(out, c.fields)
    _map(out, "env", c.env)
    _map(out, "label", c.labels)
    _set(out, "exposed port", c.exposed_ports)


def _entry(e: AttestationEntry) -> str:
    what = safe(e.predicate_type) or e.kind
    status = "signed" if e.signed else "unsigned"
    if e.verified is not None:
        status += ", verified" if e.verified else ", NOT verified"
    return f"{e.store} {e.kind} {what} ({status})"


def _attestations(out: _Out, d: AttestationsDiff) -> None:
    for e in d.added:
        out.line("+", _entry(e))
    for e in d.removed:
        out.line("-", _entry(e))
    for c in d.changed:
        what = safe(c.predicate_type) or c.kind
        for f in c.fields:
            out.line("~", f"{c.store} {c.kind} {what}: {f.name} {_value(f.old)} → {_value(f.new)}")
