"""Named registries (backbones, exporters, query strategies): adding one is one decorator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from .errors import LabelDeskError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: make the decorated object available as ``name``."""

        def add(item: T) -> T:
            self._items[name] = item
            return item

        return add

    def get(self, name: str) -> T:
        if name not in self._items:
            raise LabelDeskError(
                f"unknown {self.kind} {name!r}; use one of {', '.join(self.names())}"
            )
        return self._items[name]

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
