"""A duplicate group as the search finds it, and which of its members are copies in use.

A group is joined transitively, so its ends need not be alike: A like B and B like C puts
A and C in one group even where A and C are different pictures (a slow pan, a burst of
shots). Each group therefore keeps the pairs that joined it (``links``) and its members'
content hashes, and what is in use is judged by :func:`copy_sets`: an excluded image no
longer joins the two it was like, and keeping one image excludes only its own copies
(:func:`copies_of`), never a different picture that merely sat in the same chain.

A group is *leaking* when its copies in use sit in more than one of train/val/test: a
model would be tested on what it trained on (:mod:`labeldesk.ml.duplicates` finds the
groups).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from labeldesk.core.vocab import EXCLUDED

EVAL_SPLITS = ("train", "val", "test")


@dataclass
class DuplicateGroup:
    kind: str  # "exact": identical bytes; "near": similar embeddings
    paths: list[str]
    labels: list[str | None]
    splits: list[str | None]
    similarity: float  # lowest similarity of a joining pair (1.0 for exact)
    statuses: list[str | None] = field(default_factory=list)  # review status; [] = none
    # content hash of each member ([]: unknown, the whole group counts as one picture)
    hashes: list[str] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)  # near pairs (positions)
    number: int = 0  # its place in the listing, from 1 (:func:`numbered`); 0: not listed yet

    def _status(self, i: int) -> str | None:
        return self.statuses[i] if i < len(self.statuses) else None

    def _sets(self) -> list[list[int]]:
        """The members in use, in sets of copies of one another (see :func:`copy_sets`)."""
        keys = [self.hashes[i] if i < len(self.hashes) else None for i in range(len(self.paths))]
        in_use = [self._status(i) != EXCLUDED for i in range(len(self.paths))]
        return [s for s in copy_sets(keys, self.links, in_use) if len(s) > 1]

    @property
    def resolved(self) -> bool:
        """No two members in use are copies of one another: the others were excluded."""
        return not self._sets()

    @property
    def leaks(self) -> bool:
        """Copies in use sit in more than one of train/val/test."""
        return any(len({self.splits[i] for i in s} & set(EVAL_SPLITS)) > 1 for s in self._sets())

    @property
    def conflicting_labels(self) -> bool:
        """Copies in use carry different labels."""
        return any(len({self.labels[i] for i in s} - {None}) > 1 for s in self._sets())

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.number,
            "kind": self.kind,
            "paths": self.paths,
            "labels": self.labels,
            "splits": self.splits,
            "statuses": [self._status(i) for i in range(len(self.paths))],
            "similarity": round(self.similarity, 4),
            "leak": self.leaks,
            "conflicting_labels": self.conflicting_labels,
            "resolved": self.resolved,
        }


def numbered(groups: Iterable[DuplicateGroup]) -> list[DuplicateGroup]:
    """The groups in the one order every listing shows them (leaking first, then the
    open ones, then larger first, then by first path), each numbered by its place from
    1: "group 12" in the app's Duplicates and leakage window, ``labeldesk duplicates`` (text
    and ``--json``) and ``ld.duplicates`` is one group (of the same search)."""
    ordered = sorted(groups, key=lambda g: (not g.leaks, g.resolved, -len(g.paths), g.paths[0]))
    for number, group in enumerate(ordered, 1):
        group.number = number
    return ordered


def copy_sets(
    keys: Sequence[str | None], links: Iterable[tuple[int, int]], in_use: Sequence[bool]
) -> list[list[int]]:
    """The positions in use, in sets of copies of one another.

    Members with the same content key (``None``: unknown, all such members alike) are one
    picture; two pictures are copies when a link joins a member of each, and are joined
    further only through pictures that still have a member in use: A like B, B like C,
    B excluded leaves A and C apart (they may be different pictures). An excluded copy
    of a picture in use still stands for it."""
    links = list(links)
    if not links:  # an exact group, or one of copies only: the sets are the keys
        by_key: dict[str | None, list[int]] = {}
        for i, key in enumerate(keys):
            if in_use[i]:
                by_key.setdefault(key, []).append(i)
        return list(by_key.values())
    present = sorted({keys[i] for i in range(len(keys)) if in_use[i]}, key=str)
    node = {k: n for n, k in enumerate(present)}
    parent = list(range(len(present)))

    def find(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in links:
        na, nb = node.get(keys[a], -1), node.get(keys[b], -1)
        if na >= 0 and nb >= 0:
            parent[find(nb)] = find(na)
    sets: dict[int, list[int]] = {}
    for i in range(len(keys)):
        if in_use[i]:
            sets.setdefault(find(node[keys[i]]), []).append(i)
    return list(sets.values())


def copies_of(keys: Sequence[str | None], links: Iterable[tuple[int, int]], keep: int) -> list[int]:
    """Positions of the members that are copies of member ``keep`` itself: the same
    content, or linked directly to it (or to another copy of its content); a picture
    that is only like one of its copies is not one of them."""
    mine = keys[keep]
    linked = {keys[b] for a, b in links if keys[a] == mine} | {
        keys[a] for a, b in links if keys[b] == mine
    }
    return [i for i, k in enumerate(keys) if i != keep and (k == mine or k in linked)]
