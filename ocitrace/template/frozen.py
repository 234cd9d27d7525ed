"""``Frozen``: immutable value objects without the import cost of ``dataclasses``.

``dataclasses`` pulls in ``inspect`` and generates code per class at import time; these
few value classes are written out by hand instead and share equality, hashing and repr.
"""

from __future__ import annotations


class Frozen:
    """An immutable value object; subclasses list their fields in ``__slots__``.

    Equality and hashing use ``_key()`` (every slot unless overridden).
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of frozen {type(self).__name__}")

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[str, ...]:
        names: tuple[str, ...] = getattr(type(self), "__slots__", ())
        return names

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, n) for n in self._fields())

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Frozen)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self), self._key()))

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields())
        return f"{type(self).__name__}({args})"
