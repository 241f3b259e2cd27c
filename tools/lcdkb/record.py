"""Small immutable value records for the model and the desk answers, without ``dataclasses``.

``lcdkb lookup`` and a one-line ``lcdkb check`` aim to start within 3x of the interpreter itself
(docs/performance.md). Importing ``dataclasses`` pulls in ``inspect`` (about 7 ms here, more than a third of
that budget) and every ``@dataclass`` writes and compiles its methods at import (about 1 ms a class). A
``Record`` subclass names its fields once in ``FIELDS`` and writes a typed ``__init__`` that hands its
arguments to ``_fill``; equality, hashing, ``repr`` and ``replace`` come from here, in the shape a frozen
dataclass gives them.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name alone)
if TYPE_CHECKING:
    from typing import Self, TypeVar

    R = TypeVar("R", bound="Record")


class Record:
    """A value record: fields set once in ``__init__`` (then read-only), compared and hashed by ``COMPARED``."""

    FIELDS: tuple[str, ...] = ()
    COMPARED: tuple[str, ...] = ()  # the fields equality and hash use; set by __init_subclass__ when left empty

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("COMPARED"):
            cls.COMPARED = cls.FIELDS

    def _fill(self, values: dict) -> None:
        """Set every field from ``values`` (the ``locals()`` of a subclass's ``__init__``)."""
        fields = self.__dict__  # set directly: __setattr__ refuses once the record is made
        for name in self.FIELDS:
            fields[name] = values[name]

    def _key(self) -> tuple:
        return tuple(getattr(self, name) for name in self.COMPARED)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {self.__class__.__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {self.__class__.__name__} is read-only")

    def replace(self, **changes) -> Self:
        """A copy with ``changes`` applied (like ``dataclasses.replace``)."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{self.__class__.__name__} has no field {', '.join(sorted(unknown))}")
        values.update(changes)
        return self.__class__(**values)

    def fields_dict(self) -> dict:
        """The fields as a dict, values as they are (not copied)."""
        return {name: getattr(self, name) for name in self.FIELDS}


def replace(record: R, **changes) -> R:
    """``record.replace(**changes)``, in ``dataclasses.replace``'s form."""
    return record.replace(**changes)


class MutableRecord(Record):
    """A record whose fields may be assigned after ``__init__`` (like a dataclass that is not frozen): compared by
    its fields, not hashable."""

    __hash__ = None  # type: ignore[assignment]

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
