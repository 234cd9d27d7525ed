"""audit.policy: durations, option parsing and evaluation messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ocitrace.audit.facts import Facts
from ocitrace.audit.policy import parse_duration, parse_policy
from ocitrace.errors import PolicyError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(days=14)),
        ("1w3d", timedelta(days=10)),
        ("30m", timedelta(minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("1y", timedelta(days=365)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "9 0d", "90x", "-1d", "1.5d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_duration(text)
    assert "90d" in info.value.hint


def test_bad_options_are_policy_errors() -> None:
    with pytest.raises(PolicyError, match="unknown requirement 'signatures'"):
        parse_policy(require=["provenance,signatures"])
    with pytest.raises(PolicyError, match="invalid --builder regular expression"):
        parse_policy(builder="(")
    with pytest.raises(PolicyError, match="unknown provenance mode"):
        parse_policy(require_mode="full")


def test_empty_policy_is_inactive_and_passes_everything() -> None:
    policy = parse_policy()
    assert not policy.active
    assert policy.evaluate(Facts(), NOW) == ()


GOOD = Facts(
    has_provenance=True,
    slsa_version="v1",
    mode="max",
    builder="https://ci.example.invalid/runners/7",
    source="https://github.com/ocitrace-fixtures/app.git",
    revision="07be85a7caebab7ad15da277facf6078c2e7adab",
    built_at=NOW - timedelta(days=10),
    built_at_from="provenance",
    sbom_packages=6,
)


def test_all_checks_pass_for_a_good_image() -> None:
    policy = parse_policy(
        require=["provenance", "sbom"],
        max_age="30d",
        builder=r"^https://ci\.example\.invalid/",
        source="ocitrace-fixtures/app",
        require_mode="max",
    )
    assert policy.active
    assert policy.evaluate(GOOD, NOW) == ()


def test_each_failure_has_its_message() -> None:
    policy = parse_policy(
        require=["provenance", "sbom"],
        max_age="1w",
        builder="^ci$",
        source="acme",
        require_mode="max",
    )
    assert policy.evaluate(Facts(), NOW) == (
        "no provenance",
        "no SBOM",
        "provenance mode none (want max)",
        "build time unknown",
        "builder unknown does not match ^ci$",
        "source unknown does not match acme",
    )
    old_min = Facts(has_provenance=True, mode="min", built_at=NOW - timedelta(days=120))
    assert parse_policy(max_age="90d", require_mode="max").evaluate(old_min, NOW) == (
        "provenance mode min (want max)",
        "built 120d ago (max 90d)",
    )
    assert parse_policy(require_mode="min").evaluate(old_min, NOW) == ()
