"""Logging for one CLI run: warnings always, the request log with ``-v``, all debug with
``-vv``; every line redacted.  The previous logger state is restored afterwards so that
in-process callers (tests, embedding programs) see no lasting change.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from .redaction import RedactingFilter, Redactor

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging

ROOT = "ocitrace"
#: loggers whose DEBUG lines are the request log shown by ``-v`` (HTTP requests, layout reads).
REQUEST_LOGGERS = ("ocitrace.transport", "ocitrace.layout")
_WARNING, _INFO, _DEBUG = 30, 20, 10  # logging's levels (this module does not import it)


class _Formatter:
    """``ocitrace: warning: msg``; with ``-v`` the logger is named: ``debug transport.core: msg``.

    (A handler takes any object with a ``format(record)`` method.)"""

    def __init__(self, verbose: bool) -> None:
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

    Without ``-v``, and while nothing has imported :mod:`logging` (a layout command may
    never need it: :mod:`ocitrace.lazylog`), the set-up waits for the first import of
    :mod:`logging`, by anyone, and happens right after it: no record can be made before.
    """
    undo: list[Callable[[], None]] = []

    def install() -> None:
        undo.append(_install(verbosity, stream, redactor))

    hook = None
    if verbosity == 0 and "logging" not in sys.modules:
        hook = _AfterImport("logging", install)
        sys.meta_path.insert(0, hook)
    else:
        install()
    try:
        yield
    finally:
        if hook is not None and hook in sys.meta_path:
            sys.meta_path.remove(hook)
        for step in undo:
            step()


def _install(verbosity: int, stream: TextIO, redactor: Redactor) -> Callable[[], None]:
    """Add the handler and set the levels; returns what restores the previous state."""
    import logging

    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Formatter(verbosity > 0))  # type: ignore[arg-type]
    handler.addFilter(RedactingFilter(redactor))
    levels = {ROOT: _WARNING}
    if verbosity == 1:
        levels = {ROOT: _INFO, **{n: _DEBUG for n in REQUEST_LOGGERS}}
    elif verbosity >= 2:
        levels = {ROOT: _DEBUG}
    root = logging.getLogger(ROOT)
    saved = {n: logging.getLogger(n).level for n in (ROOT, *REQUEST_LOGGERS)}
    saved_propagate = root.propagate
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    root.addHandler(handler)
    root.propagate = False  # the root logger's handlers would print unredacted copies

    def restore() -> None:
        root.removeHandler(handler)
        root.propagate = saved_propagate
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        handler.close()

    return restore


class _AfterImport:
    """A :data:`sys.meta_path` finder that lets the other finders find ``name`` and runs
    ``then()`` right after the module has executed (once; it removes itself)."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self._name = name
        self._then = then

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != self._name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenLoader(spec.loader, self._then)  # type: ignore[assignment]
        return spec


class _ThenLoader:
    """A loader running ``then()`` after the wrapped loader has executed the module."""

    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        self._then()

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package …
        return getattr(self._loader, name)
