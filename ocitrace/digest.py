"""Content digests and verifying, size-capped reads.

Everything read from the network goes through :func:`read_verified`: chunks are hashed
while they arrive, the running size is checked against a cap before the next chunk is kept
(so a hostile server cannot make us buffer more than ``limit`` bytes), and at the end the
hash and size are compared with what the caller expected.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .errors import DigestMismatch, FormatError, IntegrityError, TooLarge
from .oci.limits import DEFAULT_LIMITS

#: hex length of each algorithm Go's ``opencontainers/go-digest`` registers.
ALGORITHMS: dict[str, int] = {"sha256": 64, "sha384": 96, "sha512": 128}
ERROR_BODY_CAP = DEFAULT_LIMITS.error_body  # registry error bodies: any JSON error, not more
_HEX = re.compile(r"[a-f0-9]+")


@dataclass(frozen=True, slots=True)
class Digest:
    """A validated ``algorithm:hex`` content digest."""

    algorithm: str
    hex: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"


def parse_digest(text: str, *, input: str | None = None) -> Digest:
    """Validate ``text`` as ``sha256:<64 hex>`` (or sha384/sha512); raise FormatError if not."""
    alg, sep, encoded = text.partition(":")
    want = ALGORITHMS.get(alg)
    if not sep or want is None or len(encoded) != want or not _HEX.fullmatch(encoded):
        raise FormatError(
            f"{input or text}: {text[:80]!r} is not a valid digest",
            input=input or text,
            hint="a digest is sha256:<64 lowercase hex> (sha384/sha512 also accepted)",
        )
    return Digest(alg, encoded)


def is_digest(text: str) -> bool:
    """True when ``text`` is a valid digest (a tag can never contain ``:``)."""
    try:
        parse_digest(text)
    except FormatError:
        return False
    return True


def compute(data: bytes, algorithm: str = "sha256") -> str:
    """``algorithm:hex`` of ``data``."""
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


@dataclass(frozen=True, slots=True)
class Verified:
    """Bytes read and their digest (in the algorithm asked for, sha256 by default)."""

    data: bytes
    digest: str


def read_verified(
    chunks: Iterable[bytes],
    *,
    limit: int,
    input: str,
    what: str = "body",
    digest: str | None = None,
    size: int | None = None,
    algorithm: str = "sha256",
) -> Verified:
    """Read ``chunks`` into memory, at most ``limit`` bytes, hashing as they arrive.

    ``digest`` (when given) must match the content (DigestMismatch), ``size`` the byte count
    (IntegrityError); more than ``limit`` (or than ``size``) bytes raise TooLarge naming
    ``input``.  The digest is computed in ``digest``'s algorithm, else ``algorithm``.
    """
    alg = parse_digest(digest, input=input).algorithm if digest else algorithm
    cap = limit if size is None else min(limit, size)
    hasher = hashlib.new(alg)
    buf = bytearray()
    for chunk in chunks:
        if len(buf) + len(chunk) > cap:
            raise _too_large(input, what, limit, size, cap)
        hasher.update(chunk)
        buf += chunk
    actual = f"{alg}:{hasher.hexdigest()}"
    if digest is not None and actual != digest:
        raise DigestMismatch(
            f"{input}: {what} hashes to {actual}, expected {digest}",
            expected=digest,
            actual=actual,
            input=input,
        )
    if size is not None and len(buf) != size:
        raise IntegrityError(
            f"{input}: {what} is {len(buf)} bytes, its descriptor says {size}",
            input=input,
            hint="the registry served truncated content or the descriptor is wrong",
        )
    return Verified(bytes(buf), actual)


def verify_chunks(
    chunks: Iterable[bytes],
    *,
    digest: str,
    limit: int,
    input: str,
    what: str = "blob",
    size: int | None = None,
) -> Iterator[bytes]:
    """Pass ``chunks`` through (nothing is buffered), hashing and counting them.

    More than ``limit`` (or than ``size``) bytes raise TooLarge before the chunk that
    crosses it is yielded; after the last chunk, a hash other than ``digest`` raises
    DigestMismatch and a byte count other than ``size`` IntegrityError.  The caller must
    treat what it received as unverified until the iterator is exhausted.
    """
    alg = parse_digest(digest, input=input).algorithm
    cap = limit if size is None else min(limit, size)
    hasher = hashlib.new(alg)
    count = 0
    for chunk in chunks:
        if count + len(chunk) > cap:
            raise _too_large(input, what, limit, size, cap)
        count += len(chunk)
        hasher.update(chunk)
        yield chunk
    actual = f"{alg}:{hasher.hexdigest()}"
    if actual != digest:
        raise DigestMismatch(
            f"{input}: {what} hashes to {actual}, expected {digest}",
            expected=digest,
            actual=actual,
            input=input,
        )
    if size is not None and count != size:
        raise IntegrityError(
            f"{input}: {what} is {count} bytes, its descriptor says {size}",
            input=input,
            hint="the registry served truncated content or the descriptor is wrong",
        )


def _too_large(input: str, what: str, limit: int, size: int | None, cap: int) -> TooLarge:
    if size is not None and cap == size and size < limit:
        return TooLarge(
            f"{input}: {what} is larger than its descriptor size ({size} bytes)",
            limit=size,
            input=input,
        )
    return TooLarge(f"{input}: {what} exceeds the {limit}-byte limit", limit=limit, input=input)


def read_capped(chunks: Iterable[bytes], limit: int = ERROR_BODY_CAP) -> bytes:
    """Read at most ``limit`` bytes and silently drop the rest (error bodies, diagnostics)."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk[: limit - len(buf)]
        if len(buf) >= limit:
            break
    return bytes(buf)
