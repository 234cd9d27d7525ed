"""Direct access to a DiskCache's database, for tests that tamper with or inspect entries
the way a damaged disk, another program or an attacker with the user's rights would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from ocitrace.audit.cache import _SCHEMA


@contextmanager
def _db(root: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(root / "entries.db", isolation_level=None)) as db:
        yield db


def entries(root: Path, kind: str) -> dict[str, bytes]:
    """Every stored entry of ``kind`` (blobs, manifests, records, repositories): key → body."""
    if not (root / "entries.db").exists():
        return {}
    with _db(root) as db:
        return dict(db.execute("SELECT key, body FROM entries WHERE kind = ?", (kind,)))


def set_body(root: Path, kind: str, key: str, body: bytes) -> None:
    """Overwrite an entry's stored bytes (or plant one)."""
    root.mkdir(parents=True, exist_ok=True)
    with _db(root) as db:
        db.execute(_SCHEMA)
        db.execute(
            "INSERT OR REPLACE INTO entries (kind, key, body, used) VALUES (?, ?, ?, 0)",
            (kind, key, body),
        )


def set_used(root: Path, kind: str, key: str, used: float) -> None:
    """Set when an entry was last used (the LRU clock)."""
    with _db(root) as db:
        assert (
            db.execute(
                "UPDATE entries SET used = ? WHERE kind = ? AND key = ?", (used, kind, key)
            ).rowcount
            == 1
        )


def delete_kinds(root: Path, *kinds: str) -> None:
    with _db(root) as db:
        db.executemany("DELETE FROM entries WHERE kind = ?", [(k,) for k in kinds])
