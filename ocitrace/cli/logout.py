"""``ocitrace logout REGISTRY``: lives in :mod:`.login` beside ``login``."""

from __future__ import annotations

from .login import register_logout as register
from .login import run_logout as run

__all__ = ["register", "run"]
