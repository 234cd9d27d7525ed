"""A package's public names imported on first use (PEP 562), for ``__init__`` modules.

A package ``__init__`` that imports every submodule makes ``import pkg.small`` pay for all
of them (Python runs the ``__init__`` first).  With a table of name → submodule instead::

    _LAZY = {"discover": ".engine", "Kind": ".model"}
    __getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())

``pkg.Kind`` (or ``from pkg import Kind``) imports ``pkg.model`` alone, once: the value is
then stored in the package's namespace and later lookups never reach ``__getattr__``.
Type checkers see the names through an ``if TYPE_CHECKING:`` block of real imports.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, table: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for the names in ``table``
    (module names absolute, or relative to ``package``)."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
