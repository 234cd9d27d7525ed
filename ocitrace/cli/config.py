"""``ocitrace config REF``: lives in :mod:`.blob` beside ``blob``."""

from __future__ import annotations

from .blob import register_config as register
from .blob import run_config as run

__all__ = ["register", "run"]
