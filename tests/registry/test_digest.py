"""ocitrace.digest: validation and the verifying, capped reader."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocitrace.digest import (
    ERROR_BODY_CAP,
    Digest,
    compute,
    is_digest,
    parse_digest,
    read_capped,
    read_verified,
)
from ocitrace.errors import DigestMismatch, FormatError, IntegrityError, TooLarge

HELLO = b"hello"
HELLO_SHA256 = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_parse_digest() -> None:
    assert parse_digest(HELLO_SHA256) == Digest("sha256", HELLO_SHA256[7:])
    assert str(parse_digest(HELLO_SHA256)) == HELLO_SHA256
    sha512 = "sha512:" + hashlib.sha512(HELLO).hexdigest()
    assert parse_digest(sha512).algorithm == "sha512"
    for bad in (
        "sha256:" + "A" * 64,
        "sha256:abc",
        "md5:" + "a" * 32,
        "v1",
        "sha256" + "a" * 64,
        "",
    ):
        assert not is_digest(bad)
        with pytest.raises(FormatError):
            parse_digest(bad)


def test_compute() -> None:
    assert compute(HELLO) == HELLO_SHA256
    assert compute(HELLO, "sha512") == "sha512:" + hashlib.sha512(HELLO).hexdigest()


def test_read_verified_ok_in_chunks() -> None:
    got = read_verified([b"he", b"", b"llo"], limit=5, input="x", digest=HELLO_SHA256, size=5)
    assert (got.data, got.digest) == (HELLO, HELLO_SHA256)


def test_read_verified_mismatch_names_both() -> None:
    wrong = "sha256:" + "0" * 64
    with pytest.raises(DigestMismatch) as err:
        read_verified([HELLO], limit=10, input="reg/repo@x", digest=wrong)
    assert (err.value.expected, err.value.actual) == (wrong, HELLO_SHA256)
    assert str(err.value) == f"reg/repo@x: body hashes to {HELLO_SHA256}, expected {wrong}"


def test_read_verified_caps_before_buffering() -> None:
    def endless() -> object:
        while True:
            yield b"x" * 1000

    with pytest.raises(TooLarge) as err:
        read_verified(endless(), limit=4096, input="big", what="manifest")  # type: ignore[arg-type]
    assert err.value.limit == 4096
    assert str(err.value) == "big: manifest exceeds the 4096-byte limit"


def test_read_verified_size_checks() -> None:
    with pytest.raises(TooLarge, match="larger than its descriptor size"):
        read_verified([HELLO], limit=100, input="x", size=4)
    with pytest.raises(IntegrityError, match="is 5 bytes, its descriptor says 6"):
        read_verified([HELLO], limit=100, input="x", size=6)


def test_read_capped_truncates() -> None:
    assert read_capped([b"a" * 40_000, b"b" * 40_000, b"c" * 10]) == b"a" * 40_000 + b"b" * (
        ERROR_BODY_CAP - 40_000
    )


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_read_verified_matches_hashlib(chunks: list[bytes]) -> None:
    data = b"".join(chunks)
    got = read_verified(chunks, limit=len(data), input="p", digest=compute(data), size=len(data))
    assert got.data == data
