"""Named registries (backbones, exporters, query strategies): adding one is one decorator.

A registry reads like a dict of name → object (``reg[name]``, ``name in reg``, iteration
in registration order, ``len``, ``del reg[name]``), except that an unknown name raises a
:class:`~labeldesk.core.errors.LabelDeskError` that lists the known ones, since the name
usually comes from a person (a CLI flag, a setting).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .errors import LabelDeskError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, error: type[LabelDeskError] = LabelDeskError):
        """``kind`` names the things in messages; ``error`` is raised for unknown names."""
        self.kind = kind
        self.error = error
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: make the decorated object available as ``name``."""

        def add(item: T) -> T:
            self._items[name] = item
            return item

        return add

    def get(self, name: str) -> T:
        if name not in self._items:
            raise self.error(f"unknown {self.kind} {name!r}; use one of {', '.join(self.names())}")
        return self._items[name]

    def names(self) -> list[str]:
        return list(self._items)

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __delitem__(self, name: str) -> None:
        """Unregister ``name`` (tests and plug-ins that register something temporary)."""
        self.get(name)  # an unknown name raises the readable error
        del self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())  # a copy: unregistering while iterating is safe

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
