"""Loggers that import :mod:`logging` only when a record can be emitted (start-up).

``import logging`` (with the traceback, string and weakref modules it loads) is a few
milliseconds of every command's start-up, and a layout command logs nothing but DEBUG
lines.  While no one has imported :mod:`logging`, no one can have configured it: every
logger's effective level is the root's default WARNING, so a DEBUG or INFO record would be
dropped anyway.  :class:`LazyLogger` drops them without the import, and hands WARNING and
above (or anything, once :mod:`logging` is loaded) to the real ``logging.getLogger(name)``.
Use it like a logger: ``log = getLogger(__name__)``; ``log.debug("read %s", digest)``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging

__all__ = ["LazyLogger", "getLogger"]


class LazyLogger:
    """``logging.getLogger(name)``, fetched on the first record that could be emitted."""

    __slots__ = ("_logger", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: logging.Logger | None = None

    @property
    def logger(self) -> logging.Logger:
        """The real logger (imports :mod:`logging`)."""
        logger = self._logger
        if logger is None:
            import logging

            logger = self._logger = logging.getLogger(self.name)
        return logger

    def _quiet(self) -> bool:
        """True while a DEBUG/INFO record could not be emitted: logging never imported."""
        return self._logger is None and "logging" not in sys.modules

    def debug(self, msg: object, *args: object, **kwargs: object) -> None:
        if not self._quiet():
            self.logger.debug(msg, *args, **_caller(kwargs))  # type: ignore[arg-type]

    def info(self, msg: object, *args: object, **kwargs: object) -> None:
        if not self._quiet():
            self.logger.info(msg, *args, **_caller(kwargs))  # type: ignore[arg-type]

    def warning(self, msg: object, *args: object, **kwargs: object) -> None:
        self.logger.warning(msg, *args, **_caller(kwargs))  # type: ignore[arg-type]

    def error(self, msg: object, *args: object, **kwargs: object) -> None:
        self.logger.error(msg, *args, **_caller(kwargs))  # type: ignore[arg-type]

    def isEnabledFor(self, level: int) -> bool:
        if self._quiet():
            return level >= 30  # logging.WARNING, the unconfigured root's level
        return self.logger.isEnabledFor(level)


def _caller(kwargs: dict[str, object]) -> dict[str, object]:
    """The record names the caller of the LazyLogger method, as a plain logger's would."""
    stacklevel = kwargs.get("stacklevel", 1)
    return {**kwargs, "stacklevel": (stacklevel if isinstance(stacklevel, int) else 1) + 1}


def getLogger(name: str) -> LazyLogger:
    """A :class:`LazyLogger` for ``name`` (a module's ``__name__``)."""
    return LazyLogger(name)
