"""Check in Go that the hypothesis grammar's reprint property holds for Go itself.

Not a test (needs the built oracle): draws examples of TEMPLATES and MAYBE_BROKEN from
test_roundtrip_hypothesis.py, runs them through tools/gotemplate-oracle, feeds every
reprint back in and reports reprints that do not reprint identically.  Run from the
repository root after `make gotemplate-fixtures`:
`python -m tests.gotemplate.check_grammar_in_go [count]`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from hypothesis.errors import NonInteractiveExampleWarning

from tests.gotemplate.test_roundtrip_hypothesis import DATA, MAYBE_BROKEN, TEMPLATES

ORACLE = Path(__file__).resolve().parents[2] / "tools/gotemplate-oracle/gotemplate-oracle"


def run_oracle(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = "\n".join(json.dumps(c) for c in cases)
    out = subprocess.run(
        [str(ORACLE)], input=lines, capture_output=True, text=True, check=True
    ).stdout
    return [json.loads(line) for line in out.split("\n") if line]


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
    texts = [TEMPLATES.example() for _ in range(count)] + [
        MAYBE_BROKEN.example() for _ in range(count // 2)
    ]
    first = run_oracle(
        [{"name": f"c{i}", "template": t, "data": DATA} for i, t in enumerate(texts)]
    )
    parsed = [r for r in first if r.get("reprint") is not None]
    second = run_oracle(
        [{"name": r["name"], "template": r["reprint"], "data": DATA} for r in parsed]
    )
    bad = [(a, b) for a, b in zip(parsed, second, strict=True) if b.get("reprint") != a["reprint"]]
    for a, b in bad[:10]:
        print(
            f"{a['template']!r}\n  -> {a['reprint']!r}\n  -> {b.get('reprint')!r} {b.get('error', '')}"
        )
    print(f"{len(texts)} templates, {len(parsed)} parsed, {len(bad)} reprints not stable")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
