"""Audit reports for people and CI: a JSON document, JUnit XML, SARIF 2.1.0, Markdown, HTML.

Every renderer works from the JSON document (:func:`build_document`), so a report written
now and one rebuilt from a saved ``-o``/``--report json`` file say the same.  The
document is ``{"ocitraceAudit": 1, "generatedAt", "targets", "policy", "summary",
"rows"}``; ``rows`` are the platform rows' JSON (``Row.to_json``) plus ``state`` (``ok``,
``warn`` — passed with findings the policy only warns about —, ``fail``, ``error``) and,
with a baseline, ``change`` (``new``/``changed``/``unchanged``/``gone``).  Rows whose
signatures were looked at carry ``signer`` (the SIGNER cell) and ``signature`` (its
state); every report shows them (JUnit ``<system-out>``, SARIF result properties,
Markdown and HTML columns) and the summary counts them (``summary.signatures``).

All text from registries and attestations is escaped for its format (XML, HTML,
Markdown table cells); nothing here prints or fetches.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .._version import __version__
from ..errors import UsageError
from ..textsafe import escape, escape_line
from .practices import CHECKS
from .rows import Row
from .signing import STATES as SIGNATURE_STATES

__all__ = [
    "REPORT_FORMATS",
    "build_document",
    "image_groups",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_report",
    "render_sarif",
    "row_state",
    "summarize_rows",
    "visible_findings",
]

DOCUMENT_VERSION = 1
STATES = ("ok", "warn", "fail", "error")
INFO_URI = "https://github.com/ocitrace/ocitrace"


def visible_findings(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The findings a report shows: those the policy does not ignore."""
    return [f for f in row.get("findings") or [] if f.get("action") != "ignore"]


def row_state(row: Mapping[str, Any]) -> str:
    status = str(row.get("status", "ok"))
    if status == "ok" and any(f.get("action") == "warn" for f in visible_findings(row)):
        return "warn"
    return status


def _row_json(row: Row) -> dict[str, Any]:
    out = row.to_json()
    out["state"] = row_state(out)
    return out


def build_document(
    rows: Sequence[Row],
    *,
    generated_at: datetime,
    targets: Sequence[str] = (),
    policy: Mapping[str, Any] | None = None,
    interrupted: bool = False,
) -> dict[str, Any]:
    """The JSON report: summary block first, then one entry per (platform) row."""
    items = [_row_json(r) for r in rows]
    return {
        "ocitraceAudit": DOCUMENT_VERSION,
        "generatedAt": generated_at.isoformat().replace("+00:00", "Z"),
        "tool": {"name": "ocitrace", "version": __version__},
        "targets": list(targets),
        "interrupted": interrupted,
        "policy": dict(policy or {}),
        "summary": summarize_rows(items),
        "rows": items,
    }


def summarize_rows(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts per state, per finding id and per repository (with coverage)."""
    live = [r for r in items if r.get("change") != "gone"]
    states = {s: 0 for s in STATES}
    findings: dict[str, dict[str, Any]] = {}
    repos: dict[str, dict[str, Any]] = {}
    images: set[tuple[str, str, str]] = set()
    for r in live:
        state = str(r.get("state") or row_state(r))
        states[state] = states.get(state, 0) + 1
        images.add((str(r.get("repository")), str(r.get("tag")), str(r.get("digest"))))
        repo = repos.setdefault(
            str(r.get("repository")),
            {
                "rows": 0,
                **{s: 0 for s in STATES},
                "provenance": 0,
                "sbom": 0,
                "signed": 0,
                "vulnScan": 0,
            },
        )
        repo["rows"] += 1
        repo[state] += 1
        if r.get("error") is None:
            ids = {f.get("id") for f in r.get("findings") or []}
            repo["provenance"] += bool(r.get("provenance"))
            repo["sbom"] += r.get("sbomPackages") is not None
            repo["signed"] += "unsigned" not in ids
            repo["vulnScan"] += "no-vuln-scan" not in ids
        seen: set[str] = set()
        for f in visible_findings(r):
            fid = str(f.get("id"))
            entry = findings.setdefault(
                fid, {"severity": f.get("severity"), "rows": 0, "count": 0, "fail": 0, "warn": 0}
            )
            entry["count"] += 1
            if fid not in seen:  # rows with this finding, each counted once
                seen.add(fid)
                entry["rows"] += 1
                action = str(f.get("action", "warn"))
                entry[action] = entry.get(action, 0) + 1
    changes: dict[str, int] = {}
    for r in items:
        if "change" in r:
            changes[str(r["change"])] = changes.get(str(r["change"]), 0) + 1
    signatures: dict[str, int] = {}
    for r in live:
        if r.get("signature"):
            signatures[str(r["signature"])] = signatures.get(str(r["signature"]), 0) + 1
    out: dict[str, Any] = {
        "images": len(images),
        "rows": len(live),
        "states": states,
        "findings": dict(sorted(findings.items(), key=lambda kv: _check_order(kv[0]))),
        "repositories": dict(sorted(repos.items())),
    }
    if signatures:  # rows per signature state (verified, invalid, no-policy, …)
        out["signatures"] = {
            k: signatures[k] for k in (*SIGNATURE_STATES, *sorted(signatures)) if k in signatures
        }
    if changes:
        out["changes"] = changes
    return out


def _signatures_text(counts: Mapping[str, int]) -> str:
    """``1 verified, 1 invalid, 2 unsigned`` (the words of the stderr summary)."""
    return ", ".join(f"{n} {_SIGNATURE_WORDS.get(k, k)}" for k, n in counts.items())


_SIGNATURE_WORDS = {"no-policy": "signed (no policy given)", "unsupported": "not supported"}


def _check_order(check_id: str) -> tuple[int, str]:
    keys = list(CHECKS)
    return (keys.index(check_id) if check_id in keys else len(keys), check_id)


def image_groups(items: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Rows grouped by image (repository, tag, digest), first-seen order."""
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for r in items:
        key = (str(r.get("repository")), str(r.get("tag")), str(r.get("digest")))
        groups.setdefault(key, []).append(r)
    return list(groups.values())


def _image_name(r: Mapping[str, Any]) -> str:
    tag = r.get("tag") or ""
    return f"{r.get('repository')}:{tag}" if tag else str(r.get("repository"))


def _image_ref(r: Mapping[str, Any]) -> str:
    digest = r.get("digest") or ""
    return f"{r.get('repository')}@{digest}" if digest else _image_name(r)


# --- JSON ------------------------------------------------------------------------------------


def render_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2) + "\n"


# --- JUnit -----------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: object) -> str:
    """Text XML 1.0 can carry and a terminal can show (``cat report.xml``): control
    characters shown as ``\\xHH`` (textsafe), the non-characters U+FFFE/U+FFFF as U+FFFD."""
    return _XML_BAD.sub("\ufffd", escape(str(text)))


def render_junit(doc: Mapping[str, Any]) -> str:
    """One ``<testsuite>`` per repository, one ``<testcase>`` per image (tag).

    ``fail`` → ``<failure>`` (policy failures, per platform), ``error`` → ``<error>``;
    warned findings go to ``<system-out>`` so CI shows them without failing.
    """
    rows = [r for r in doc.get("rows", []) if r.get("change") != "gone"]
    suites = ET.Element("testsuites", name="ocitrace audit")
    by_repo: dict[str, list[list[Mapping[str, Any]]]] = {}
    for group in image_groups(rows):
        by_repo.setdefault(str(group[0].get("repository")), []).append(group)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for repo, groups in by_repo.items():
        suite = ET.SubElement(suites, "testsuite", name=_x(repo))
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for group in groups:
            counts["tests"] += 1
            first = group[0]
            case = ET.SubElement(
                suite,
                "testcase",
                name=_x(first.get("tag") or first.get("repository")),
                classname=_x(repo),
            )
            errors = [r for r in group if r.get("status") == "error"]
            failed = [r for r in group if r.get("status") == "fail"]
            if errors:
                counts["errors"] += 1
                el = ET.SubElement(
                    case, "error", message=_x(_platform_join(errors, lambda r: [r["error"]]))
                )
                el.text = _x("\n".join(f"{_plat(r)}{r.get('error')}" for r in errors))
            elif failed:
                counts["failures"] += 1
                el = ET.SubElement(
                    case,
                    "failure",
                    message=_x(_platform_join(failed, lambda r: r.get("failures") or [])),
                    type="policy",
                )
                el.text = _x(
                    "\n".join(f"{_plat(r)}{m}" for r in failed for m in r.get("failures") or [])
                )
            out_lines = [f"{_plat(r)}signer: {r['signer']}" for r in group if r.get("signer")]
            out_lines += [
                f"{_plat(r)}[{f.get('severity')}] {f.get('id')}: {f.get('message')}"
                for r in group
                for f in visible_findings(r)
                if f.get("action") == "warn"
            ]
            if out_lines:
                ET.SubElement(case, "system-out").text = _x("\n".join(out_lines))
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        suites.set(k, str(v))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _plat(r: Mapping[str, Any]) -> str:
    return f"{r.get('platform')}: " if r.get("platform") else ""


def _platform_join(
    rows: Sequence[Mapping[str, Any]], messages: Callable[[Mapping[str, Any]], Iterable[Any]]
) -> str:
    return "; ".join(f"{_plat(r)}{m}" for r in rows for m in messages(r))


# --- SARIF -----------------------------------------------------------------------------------

_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_POLICY_RULE = "policy"


def _level(finding: Mapping[str, Any]) -> str:
    if finding.get("action") == "fail":
        return "error"
    return "warning" if finding.get("severity") in ("high", "medium") else "note"


def render_sarif(doc: Mapping[str, Any]) -> str:
    """SARIF 2.1.0: one run, a rule per practice check, one result per finding.

    Results point at the image (``oci://registry/repository@digest``) as their artifact;
    policy failures that are not findings (``no SBOM``, ``built 120d ago``) are results of
    the rule ``policy``.  ``partialFingerprints`` stay stable across runs of one image.
    """
    rules = [
        {
            "id": info.id,
            "name": "".join(w.title() for w in info.id.split("-")),
            "shortDescription": {"text": info.title},
            "fullDescription": {"text": info.help},
            "help": {"text": info.help},
            "defaultConfiguration": {
                "level": "warning" if info.severity.value in ("high", "medium") else "note"
            },
            "properties": {"severity": info.severity.value},
        }
        for info in CHECKS.values()
    ]
    rules.append(
        {
            "id": _POLICY_RULE,
            "name": "Policy",
            "shortDescription": {"text": "audit policy check failed"},
            "fullDescription": {"text": "a --require/--max-age/--builder/--source check failed"},
            "defaultConfiguration": {"level": "error"},
        }
    )
    index = {r["id"]: i for i, r in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for r in doc.get("rows", []):
        if r.get("change") == "gone" or r.get("status") == "error":
            continue
        finding_failures = set()
        for f in visible_findings(r):
            fid = str(f.get("id"))
            finding_failures.add(f"{fid}: {f.get('message')}")
            results.append(
                _sarif_result(
                    r,
                    fid,
                    index.get(fid, -1),
                    _level(f),
                    str(f.get("message")),
                    f.get("evidence") or {},
                )
            )
        for msg in r.get("failures") or []:
            if msg not in finding_failures:
                results.append(
                    _sarif_result(r, _POLICY_RULE, index[_POLICY_RULE], "error", str(msg), {})
                )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ocitrace",
                "version": __version__,
                "informationUri": INFO_URI,
                "rules": rules,
            }
        },
        "results": results,
        "invocations": [{"executionSuccessful": not doc.get("interrupted", False)}],
    }
    sarif = {"$schema": _SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(sarif, indent=2) + "\n"


def _sarif_result(
    r: Mapping[str, Any],
    rule_id: str,
    rule_index: int,
    level: str,
    message: str,
    evidence: Mapping[str, Any],
) -> dict[str, Any]:
    where = _image_ref(r)
    text = f"{_image_name(r)} ({r.get('platform') or 'image'}): {message}"
    key = json.dumps([rule_id, r.get("repository"), r.get("tag"), r.get("platform"), message])
    out: dict[str, Any] = {
        "ruleId": rule_id,
        "level": level,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": f"oci://{where}"}},
                "logicalLocations": [
                    {
                        "name": str(r.get("platform") or ""),
                        "fullyQualifiedName": f"{_image_name(r)}/{r.get('platform') or ''}",
                        "kind": "module",
                    }
                ],
            }
        ],
        "partialFingerprints": {"ocitrace/v1": hashlib.sha256(key.encode()).hexdigest()[:32]},
        "properties": {
            "repository": r.get("repository"),
            "tag": r.get("tag"),
            "digest": r.get("digest"),
            "platform": r.get("platform"),
            "evidence": dict(evidence),
        },
    }
    if r.get("signer"):
        out["properties"]["signer"] = r.get("signer")
    if rule_index >= 0:
        out["ruleIndex"] = rule_index
    return out


# --- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _md(text: object) -> str:
    """One table cell: on one line, control characters shown as ``\\xHH``, Markdown escaped."""
    return _MD_SPECIAL.sub(r"\\\1", escape_line(" ".join(str(text).split())))


_STATE_ICON = {"ok": "✅ ok", "warn": "⚠️ warn", "fail": "❌ fail", "error": "💥 error"}


def render_markdown(doc: Mapping[str, Any]) -> str:
    """A CI step summary: totals, findings, then one table line per image."""
    s = doc.get("summary", {})
    states = s.get("states", {})
    lines = [
        "## ocitrace audit",
        "",
        f"{s.get('images', 0)} images, {s.get('rows', 0)} platform rows: "
        + ", ".join(f"{states.get(k, 0)} {k}" for k in STATES),
    ]
    if s.get("signatures"):
        lines.append("Signatures (platform rows): " + _md(_signatures_text(s["signatures"])))
    if s.get("changes"):
        lines.append(
            "Against the baseline: "
            + ", ".join(f"{n} {k}" for k, n in sorted(s["changes"].items()))
        )
    if s.get("findings"):
        lines += [
            "",
            "| finding | severity | rows | fail | warn |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for fid, f in s["findings"].items():
            title = CHECKS[fid].title if fid in CHECKS else ""
            lines.append(
                f"| `{fid}` {_md(title)} | {f.get('severity')} | {f.get('rows')} | "
                f"{f.get('fail', 0)} | {f.get('warn', 0)} |"
            )
    signers = any(r.get("signer") for r in doc.get("rows", []))
    lines += [
        "",
        "| image | platforms | state | " + ("signer | " if signers else "") + "findings |",
        "| --- | --- | --- | " + ("--- | " if signers else "") + "--- |",
    ]
    for group in image_groups(doc.get("rows", [])):
        first = group[0]
        worst = max((str(r.get("state") or row_state(r)) for r in group), key=STATES.index)
        ids: dict[str, None] = {}
        for r in group:
            for f in visible_findings(r):
                ids[str(f.get("id"))] = None
        change = f" ({first['change']})" if first.get("change") not in (None, "unchanged") else ""
        signer = ", ".join(dict.fromkeys(str(r.get("signer") or "-") for r in group))
        lines.append(
            f"| {_md(_image_name(first))}{_md(change)} | "
            f"{_md(', '.join(str(r.get('platform') or '-') for r in group))} | "
            f"{_STATE_ICON.get(worst, worst)} | "
            + (f"{_md(signer)} | " if signers else "")
            + f"{_md(', '.join(ids) or '-')} |"
        )
    problems = [r for r in doc.get("rows", []) if r.get("status") in ("fail", "error")]
    if problems:
        lines += ["", "<details><summary>Failures and errors</summary>", ""]
        for r in problems:
            msgs = r.get("failures") or [r.get("error")]
            lines.append(
                f"- **{_md(_image_name(r))}** {_md(r.get('platform') or '')}: "
                + _md("; ".join(str(m) for m in msgs))
            )
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


# --- HTML ------------------------------------------------------------------------------------

_AGE_BUCKETS = (
    ("< 7d", 7),
    ("7–30d", 30),
    ("30–90d", 90),
    ("90–180d", 180),
    ("180d–1y", 365),
    ("> 1y", math.inf),
)
_STATE_COLOUR = {"ok": "#2e7d32", "warn": "#b26a00", "fail": "#c62828", "error": "#6a1b9a"}
_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e5e5e5;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}code{font:12px ui-monospace,monospace;word-break:break-all}
.state{font-weight:600}.sev-high{color:#c62828}.sev-medium{color:#b26a00}
.sev-low{color:#1565c0}.sev-info{color:#555}svg text{font:12px system-ui,sans-serif}
details{margin:2px 0}summary{cursor:pointer}
"""


def _h(text: object) -> str:
    """HTML-escaped, control characters shown as ``\\xHH`` (HTML forbids them too)."""
    return html.escape(escape(str(text)), quote=True)


def render_html(doc: Mapping[str, Any], *, now: datetime | None = None) -> str:
    """One self-contained HTML file: inline CSS and SVG, no script, no external reference
    (a Content-Security-Policy forbids any fetch)."""
    s = doc.get("summary", {})
    states = s.get("states", {})
    when = now or _parse_iso(str(doc.get("generatedAt", "")))
    rows = [r for r in doc.get("rows", []) if r.get("change") != "gone"]
    cards = "".join(
        f'<div class="card" id="count-{k}"><b style="color:{_STATE_COLOUR[k]}">'
        f"{states.get(k, 0)}</b>{k}</div>"
        for k in STATES
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>ocitrace audit report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>ocitrace audit</h1>",
        f'<div class="meta">{_h(", ".join(doc.get("targets", [])) or "-")} · generated '
        f"{_h(doc.get('generatedAt', ''))} · {s.get('images', 0)} images, "
        f"{s.get('rows', 0)} platform rows</div>",
        f'<div class="cards">{cards}</div>',
        "<h2>Coverage per repository"
        + (
            f" <small>({_h(_common_prefix(list(s.get('repositories', {}))))})</small>"
            if _common_prefix(list(s.get("repositories", {})))
            else ""
        )
        + "</h2>",
        _coverage_svg(s.get("repositories", {})),
        "<h2>Build age</h2>",
        _age_svg(rows, when),
    ]
    if s.get("findings"):
        parts += [
            "<h2>Findings</h2>",
            '<table id="findings"><tr><th>check</th><th>severity</th><th>rows</th>'
            "<th>fail</th><th>warn</th></tr>",
        ]
        for fid, f in s["findings"].items():
            title = CHECKS[fid].title if fid in CHECKS else ""
            sev = _h(f.get("severity"))
            parts.append(
                f"<tr><td><code>{_h(fid)}</code> {_h(title)}</td>"
                f'<td class="sev-{sev}">{sev}</td><td>{f.get("rows")}</td>'
                f"<td>{f.get('fail', 0)}</td><td>{f.get('warn', 0)}</td></tr>"
            )
        parts.append("</table>")
    signers = any(r.get("signer") for r in doc.get("rows", []))
    if s.get("signatures"):
        parts.append(
            f'<div class="meta" id="signatures">signatures: '
            f"{_h(_signatures_text(s['signatures']))}</div>"
        )
    parts += [
        "<h2>Images</h2>",
        '<table id="rows"><tr><th>image</th><th>platform</th><th>state</th>'
        "<th>provenance</th><th>built</th>"
        + ("<th>signer</th>" if signers else "")
        + "<th>findings</th></tr>",
    ]
    for r in doc.get("rows", []):
        state = str(r.get("state") or row_state(r))
        change = r.get("change")
        tag = f" <em>({_h(change)})</em>" if change not in (None, "unchanged") else ""
        prov = " ".join(str(x) for x in (r.get("slsaVersion"), r.get("mode")) if x) or "-"
        details = "".join(
            f'<details><summary class="sev-{_h(f.get("severity"))}">{_h(f.get("id"))}'
            f" ({_h(f.get('action'))})</summary>{_h(f.get('message'))}"
            f"<pre><code>{_h(json.dumps(f.get('evidence') or {}, indent=1))}</code></pre>"
            "</details>"
            for f in visible_findings(r)
        )
        extra = "; ".join(str(m) for m in r.get("failures") or []) or (r.get("error") or "")
        if extra:
            details = f"<div>{_h(extra)}</div>" + details
        parts.append(
            f"<tr><td><code>{_h(_image_name(r))}</code>{tag}</td>"
            f"<td>{_h(r.get('platform') or '-')}</td>"
            f'<td class="state" style="color:{_STATE_COLOUR.get(state, "#000")}">{_h(state)}</td>'
            f"<td>{_h(prov)}</td><td>{_h((r.get('builtAt') or '-')[:16])}</td>"
            + (f'<td class="signer">{_h(r.get("signer") or "-")}</td>' if signers else "")
            + f"<td>{details or '-'}</td></tr>"
        )
    parts += ["</table>", "</body></html>"]
    return "\n".join(parts) + "\n"


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


_COVERAGE = (
    ("provenance", "#1565c0"),
    ("sbom", "#2e7d32"),
    ("signed", "#6a1b9a"),
    ("vulnScan", "#b26a00"),
)


def _coverage_svg(repos: Mapping[str, Mapping[str, Any]]) -> str:
    """Horizontal bars per repository: share of its platform rows with each attestation."""
    label_w, bar_w, row_h = 300, 360, 14
    names = list(repos)
    prefix = _common_prefix(names)
    height = 28 + len(names) * (len(_COVERAGE) * row_h + 10)
    out = [
        f'<svg id="coverage-chart" xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}"'
        f' height="{height}" role="img" aria-label="coverage per repository">'
    ]
    x = label_w
    for i, (key, colour) in enumerate(_COVERAGE):
        out.append(
            f'<rect x="{x + i * 90}" y="4" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + i * 90 + 14}" y="13">{key}</text>'
        )
    y = 28
    for name in names:
        repo = repos[name]
        total = max(1, int(repo.get("rows", 0)) - int(repo.get("error", 0)))
        shown = name[len(prefix) :] or name
        out.append(
            f'<text x="0" y="{y + 10}"><title>{_h(name)}</title>{_h(_elide(shown, 42))}</text>'
        )
        for key, colour in _COVERAGE:
            share = min(1.0, int(repo.get(key, 0)) / total)
            w = round(bar_w * share)
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{row_h - 3}" fill="#eee"/>'
                f'<rect class="bar" data-repo="{_h(name)}" data-kind="{key}" x="{label_w}" '
                f'y="{y}" width="{w}" height="{row_h - 3}" fill="{colour}">'
                f"<title>{_h(name)} {key}: {share:.0%}</title></rect>"
                f'<text x="{label_w + w + 4}" y="{y + 10}">{share:.0%}</text>'
            )
            y += row_h
        y += 10
    out.append("</svg>")
    return "".join(out)


def _age_svg(rows: Sequence[Mapping[str, Any]], now: datetime | None) -> str:
    """Column chart: platform rows per build-age bucket (unknown: no build time)."""
    counts = [0] * (len(_AGE_BUCKETS) + 1)
    for r in rows:
        built = _parse_iso(str(r.get("builtAt") or ""))
        if built is None or now is None:
            counts[-1] += 1
            continue
        days = (now - built).total_seconds() / 86400
        for i, (_, limit) in enumerate(_AGE_BUCKETS):
            if days < limit:
                counts[i] += 1
                break
    labels = [b for b, _ in _AGE_BUCKETS] + ["unknown"]
    col_w, chart_h = 70, 140
    peak = max(counts) or 1
    out = [
        f'<svg id="age-chart" xmlns="http://www.w3.org/2000/svg" width="{col_w * len(labels) + 20}"'
        f' height="{chart_h + 40}" role="img" aria-label="build age">'
    ]
    for i, (label, n) in enumerate(zip(labels, counts, strict=True)):
        h = round(chart_h * n / peak)
        x = 10 + i * col_w
        out.append(
            f'<rect class="bar" data-bucket="{_h(label)}" x="{x}" y="{chart_h - h + 16}" '
            f'width="{col_w - 14}" height="{h}" fill="#1565c0"><title>{_h(label)}: {n}</title>'
            f'</rect><text x="{x}" y="{chart_h - h + 12}">{n}</text>'
            f'<text x="{x}" y="{chart_h + 32}">{_h(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _common_prefix(names: Sequence[str]) -> str:
    """The shared ``registry/namespace/`` of several repositories ('' for one or none)."""
    if len(names) < 2:
        return ""
    parts = [n.split("/") for n in names]
    shared: list[str] = []
    for segs in zip(*(p[:-1] for p in parts), strict=False):
        if len(set(segs)) != 1:
            break
        shared.append(segs[0])
    return "/".join(shared) + "/" if shared else ""


def _elide(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]


# --- dispatch --------------------------------------------------------------------------------

REPORT_FORMATS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "markdown": render_markdown,
    "html": render_html,
}


def render_report(kind: str, doc: Mapping[str, Any]) -> str:
    """The report ``kind`` (json, junit, sarif, markdown, html) of ``doc``."""
    fn = REPORT_FORMATS.get(kind)
    if fn is None:
        raise UsageError(
            f"unknown report format {kind!r}",
            input=kind,
            hint=f"--report FORMAT=FILE with FORMAT one of {', '.join(REPORT_FORMATS)}",
        )
    return fn(doc)
