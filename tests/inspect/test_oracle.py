"""The inspect model against Go: templates rendered by tools/inspect-oracle over buildx's structs.

fixtures/inspect-oracle/cases.jsonl holds Go's output and error for each template × model
(regenerate with ``tools/inspect-oracle/make_cases.py``); the same layout image rendered
by ocitrace must give the same bytes and the same error text.  TZ is pinned to UTC as
when the expectations were made.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ocitrace.errors import OcitraceError
from ocitrace.inspect.format import render_format
from ocitrace.inspect.inspection import Inspection
from ocitrace.layout import LayoutSource
from ocitrace.reference import parse_layout_reference
from ocitrace.template import ExecError, TemplateError

from .goldens import ROOT

ORACLE = ROOT / "fixtures" / "inspect-oracle"
MODELS = {m["id"]: m for m in json.loads((ORACLE / "models.json").read_text())}
CASES = [json.loads(line) for line in (ORACLE / "cases.jsonl").read_text().splitlines()]

# Engine limitations (ocitrace.template, not this model), reported to its owner.
KNOWN_DIVERGENCES: dict[str, str] = {}


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(8) as p:
        yield p


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def render(pool: ThreadPoolExecutor, model: dict[str, Any], template: str) -> tuple[str, str]:
    ref = parse_layout_reference(f"oci-layout://{ROOT / model['layout']}:{model['tag']}")
    ins = Inspection(LayoutSource(ref.path), ref, pool)
    try:
        return render_format(ins, model["name"], template).output, ""
    except ExecError as exc:
        return exc.partial_output, str(exc)
    except (TemplateError, OcitraceError) as exc:
        return "", str(exc)


def _params() -> list[Any]:
    return [
        pytest.param(
            c,
            id=c["id"],
            marks=[pytest.mark.xfail(reason=KNOWN_DIVERGENCES[c["id"]], strict=True)]
            if c["id"] in KNOWN_DIVERGENCES
            else [],
        )
        for c in CASES
    ]


@pytest.mark.parametrize("case", _params())
def test_go_oracle(pool: ThreadPoolExecutor, case: dict[str, Any]) -> None:
    output, error = render(pool, MODELS[case["model"]], case["template"])
    assert output == case["output"]
    assert error == case["error"].replace("{ROOT}", str(ROOT))


def test_oracle_covers_errors_and_outputs() -> None:
    assert sum(1 for c in CASES if c["error"]) >= 10
    assert len(CASES) >= 50
    assert os.path.exists(ORACLE / "models.json")
