"""Logging for one CLI run: warnings always, the request log with ``-v``, all debug with
``-vv``; every line redacted.  The previous logger state is restored afterwards so that
in-process callers (tests, embedding programs) see no lasting change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from .redaction import RedactingFilter, Redactor

ROOT = "ocitrace"
#: loggers whose DEBUG lines are the request log shown by ``-v`` (HTTP requests, layout reads).
REQUEST_LOGGERS = ("ocitrace.transport", "ocitrace.layout")


class _Formatter(logging.Formatter):
    """``ocitrace: warning: msg``; with ``-v`` the logger is named: ``debug transport.core: msg``."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self._verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname.lower()
        if not self._verbose:
            return f"ocitrace: {level}: {record.getMessage()}"
        name = record.name.removeprefix(ROOT + ".")
        return f"{level} {name}: {record.getMessage()}"


@contextmanager
def cli_logging(verbosity: int, stream: TextIO, redactor: Redactor) -> Iterator[None]:
    """Route ``ocitrace.*`` log records to ``stream`` for the duration of the block.

    0: warnings and errors; 1 (``-v``): also info and the request log; 2+: all debug.
    Third-party loggers (urllib3) stay off: their lines carry unredacted query strings.
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Formatter(verbosity > 0))
    handler.addFilter(RedactingFilter(redactor))
    levels = {ROOT: logging.WARNING}
    if verbosity == 1:
        levels = {ROOT: logging.INFO, **{n: logging.DEBUG for n in REQUEST_LOGGERS}}
    elif verbosity >= 2:
        levels = {ROOT: logging.DEBUG}
    root = logging.getLogger(ROOT)
    saved = {n: logging.getLogger(n).level for n in (ROOT, *REQUEST_LOGGERS)}
    saved_propagate = root.propagate
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    root.addHandler(handler)
    root.propagate = False  # the root logger's handlers would print unredacted copies
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.propagate = saved_propagate
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        handler.close()
