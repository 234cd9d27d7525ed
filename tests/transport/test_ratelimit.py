"""Rate-limit and Warning header observation (header shapes from FORMATS.md §9.5)."""

from __future__ import annotations

from requests.structures import CaseInsensitiveDict

from ocitrace.transport.ratelimit import HeaderObserver, RateLimit, parse_rate_limit, parse_warnings


def test_docker_hub_headers() -> None:
    headers = CaseInsensitiveDict(
        {
            "ratelimit-limit": "100;w=21600",
            "ratelimit-remaining": "76;w=21600",
            "docker-ratelimit-source": "192.0.2.1",
        }
    )
    assert parse_rate_limit(headers) == RateLimit(100, 76, 21600, None, "192.0.2.1")


def test_generic_headers_and_absence() -> None:
    headers = CaseInsensitiveDict(
        {"RateLimit-Limit": "10", "RateLimit-Remaining": "0", "RateLimit-Reset": "30"}
    )
    assert parse_rate_limit(headers) == RateLimit(10, 0, None, 30, None)
    assert parse_rate_limit(CaseInsensitiveDict({"Content-Type": "x"})) is None


def test_warnings_299_only_unescaped() -> None:
    value = '299 - "this registry is deprecated", 199 - "misc", 299 registry.example "say \\"hi\\""'
    assert parse_warnings(value) == ["this registry is deprecated", 'say "hi"']


def test_observer_keeps_latest_limit_per_host_and_distinct_warnings() -> None:
    obs = HeaderObserver()
    obs.observe(
        "a",
        CaseInsensitiveDict({"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "5;w=21600"}),
    )
    obs.observe(
        "a",
        CaseInsensitiveDict({"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "4;w=21600"}),
    )
    obs.observe("b", CaseInsensitiveDict({"Warning": '299 - "w1"'}))
    obs.observe("c", CaseInsensitiveDict({"Warning": '299 - "w1", 299 - "w2"'}))
    assert obs.rate_limits() == {"a": RateLimit(100, 4, 21600)}
    assert obs.warnings() == ("w1", "w2")
