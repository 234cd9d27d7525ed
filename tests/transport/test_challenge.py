"""WWW-Authenticate parsing (headers as distribution 2.8 and Docker Hub send them)."""

from __future__ import annotations

from ocitrace.transport.challenge import Challenge, parse_www_authenticate, pick


def test_distribution_bearer_with_comma_in_quoted_scope() -> None:
    header = (
        'Bearer realm="http://127.0.0.1:5001/token",service="ocitrace-test-registry",'
        'scope="repository:team/app:pull,push",error="insufficient_scope"'
    )
    [ch] = parse_www_authenticate(header)
    assert ch.scheme == "bearer"
    assert ch.realm == "http://127.0.0.1:5001/token"
    assert ch.service == "ocitrace-test-registry"
    assert ch.scope == "repository:team/app:pull,push"
    assert ch.error == "insufficient_scope"


def test_basic_challenge() -> None:
    assert parse_www_authenticate('Basic realm="ocitrace-test"') == [
        Challenge("basic", {"realm": "ocitrace-test"})
    ]


def test_several_challenges_in_one_header_and_spaces() -> None:
    header = 'Basic realm="a, b", Bearer  realm = "https://auth.docker.io/token" , service="registry.docker.io"'
    chs = parse_www_authenticate(header)
    assert [c.scheme for c in chs] == ["basic", "bearer"]
    assert chs[0].realm == "a, b"
    assert chs[1].params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
    }


def test_escapes_tokens_case_and_token68() -> None:
    chs = parse_www_authenticate(r'BEARER Realm="x\"y",Service=svc, Negotiate abc==')
    assert chs == [
        Challenge("bearer", {"realm": 'x"y', "service": "svc"}),
        Challenge("negotiate", {"token68": "abc=="}),
    ]


def test_unparsable_tail_is_dropped_not_raised() -> None:
    # ":" is not a token character: the unquoted value stops there and the rest is ignored
    chs = parse_www_authenticate('Bearer realm="r",scope=registry:catalog:*')
    assert chs == [Challenge("bearer", {"realm": "r", "scope": "registry"})]


def test_token68_and_scheme_without_params() -> None:
    assert parse_www_authenticate("Negotiate abc==, Bearer") == [
        Challenge("negotiate", {"token68": "abc=="}),
        Challenge("bearer", {}),
    ]


def test_empty_and_garbage() -> None:
    assert parse_www_authenticate(None) == []
    assert parse_www_authenticate("") == []
    assert parse_www_authenticate('"oops"') == []


def test_pick_prefers_bearer_with_realm() -> None:
    chs = parse_www_authenticate('Basic realm="r", Bearer realm="https://t/token"')
    assert pick(chs) == chs[1]
    assert pick(parse_www_authenticate("Bearer")) is None
    assert pick(parse_www_authenticate('Digest realm="x"')) is None
