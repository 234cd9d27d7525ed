"""Audit rows straight from fixture layouts (real BuildKit outputs and the derived ones)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ocitrace.audit.image import audit_image
from ocitrace.audit.policy import Policy, parse_policy
from ocitrace.audit.records import platform_rows
from ocitrace.audit.rows import Row
from ocitrace.audit.walk import ImageTask
from ocitrace.layout import LayoutSource

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
REGISTRY = "127.0.0.1:5000"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def layout(name: str) -> Path:
    derived = FIXTURES / "audit" / name
    return derived if derived.is_dir() else FIXTURES / "buildkit" / name


def fixture_rows(
    names: Iterable[str], policy: Policy | None = None, *, namespace: str = "acme"
) -> list[Row]:
    policy = policy or parse_policy(read_config=True)
    rows: list[Row] = []
    for name in names:
        result = audit_image(
            LayoutSource(layout(name)),
            ImageTask(REGISTRY, f"{namespace}/{name}", "v1"),
            read_config=policy.reads_config,
        )
        rows += platform_rows(result, policy, NOW)
    return rows
