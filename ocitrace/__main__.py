"""``python -m ocitrace``."""

from .cli.main import entry

entry()
