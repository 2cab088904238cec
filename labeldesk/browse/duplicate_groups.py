"""Duplicate and leakage groups as Statistics and the groups dialog show them. Qt-free.

:func:`labeldesk.ml.duplicates.find_duplicates` gives each group's paths with the labels
and splits of the moment. Here each member also carries its image id and status, re-read
after every action, so the counts follow what a person did: a group stays *open* while
two or more of its images in use (not excluded) are copies of one another, and *leaks*
while such copies sit in more than one split. Keeping one image (excluding its copies)
closes a group; moving it to one split stops the leak. No new search is needed for that.

A near group is joined transitively (A like B, B like C), so its ends may be different
pictures: copies are told by the pairs that joined the group and each member's content
hash (:func:`labeldesk.ml.duplicate_group.copy_sets`), and *Keep only this* excludes the kept
image's own copies, never a picture that is merely like one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labeldesk.core.display import format_similarity
from labeldesk.core.vocab import EXCLUDED, SPLITS
from labeldesk.ml.duplicate_group import copies_of, copy_sets

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.ml.duplicate_group import DuplicateGroup

KINDS = {
    "leaking": "Leaking groups (the same image in several splits)",
    "exact": "Exact duplicates (identical files)",
    "near": "Near duplicates (look-alike images)",
    "all": "All groups",
}


@dataclass
class Member:
    path: str
    image_id: int
    label: str | None
    split: str | None
    status: str | None
    content: str | None = None  # content hash when found (None: unknown)

    @property
    def excluded(self) -> bool:
        return self.status == EXCLUDED


@dataclass
class Group:
    number: int  # find_duplicates' number (ml.duplicate_group.numbered): the CLI's and API's
    kind: str  # "exact" or "near"
    similarity: float
    members: list[Member] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # near pairs, by path

    def copy_sets(self) -> list[list[Member]]:
        """The members in use, in sets of two or more copies of one another."""
        position = {m.path: n for n, m in enumerate(self.members)}
        sets = copy_sets(
            [m.content for m in self.members],
            self._link_positions(position),
            [not m.excluded for m in self.members],
        )
        return [[self.members[i] for i in s] for s in sets if len(s) > 1]

    def _link_positions(self, position: dict[str, int]) -> list[tuple[int, int]]:
        return [
            (position[a], position[b]) for a, b in self.links if a in position and b in position
        ]

    @property
    def open_members(self) -> list[Member]:
        """The members in use that have a copy in use."""
        return [m for s in self.copy_sets() for m in s]

    @property
    def is_open(self) -> bool:
        return bool(self.copy_sets())

    @property
    def leaks(self) -> bool:
        return any(len({m.split for m in s if m.split}) > 1 for s in self.copy_sets())

    @property
    def paths(self) -> list[str]:
        return [m.path for m in self.members]

    def matches(self, kind: str) -> bool:
        """Whether the group is listed under ``kind`` (see :data:`KINDS`)."""
        if kind == "all":
            return True
        if kind == "leaking":
            return self.leaks
        return self.kind == kind and self.is_open

    def describe(self) -> str:
        """One heading line: what kind, how alike, and whether it is still a problem."""
        what = "Identical files" if self.kind == "exact" else "Look-alike images"
        alike = "" if self.kind == "exact" else f", similarity {format_similarity(self.similarity)}"
        state = where_copies_are(self.copy_sets())
        disagree = self.label_disagreement()
        labels = f" · labels disagree: {disagree}" if disagree else ""
        return f"Group {self.number} · {what}{alike} · {len(self.members)} images · {state}{labels}"

    def label_disagreement(self) -> str:
        """The labels of copies in use that disagree, each with its splits ("cat in
        train, dog in test"); "" when they agree (unlabeled copies disagree with none)."""
        where: dict[str, set[str]] = {}
        for copies in self.copy_sets():
            labels = {m.label for m in copies if m.label}
            if len(labels) < 2:
                continue
            for m in copies:
                if m.label:
                    where.setdefault(m.label, set()).add(m.split or "no split")
        return ", ".join(
            f"{label} in {' and '.join(sorted(splits))}" for label, splits in sorted(where.items())
        )


def where_copies_are(sets: Sequence[Sequence[Member]]) -> str:
    """The heading's state for copy sets (see :meth:`Group.copy_sets`): resolved when
    none; where a leak is (the splits of the sets that span two or more, and how many of
    their copies are in no split); else all in one split, all in no split, or how many
    are in each place (copies in no split, or each picture's copies in a split of its
    own, are no leak)."""
    if not sets:
        return "resolved: no two images in use are copies"
    leaking = [s for s in sets if len({m.split for m in s if m.split}) > 1]
    if leaking:
        splits = sorted({m.split for s in leaking for m in s if m.split})
        loose = sum(m.split is None for s in leaking for m in s)
        also = f", {loose} {'copy' if loose == 1 else 'copies'} in no split" if loose else ""
        return f"leaks: in {' and '.join(splits)}{also}"
    counts: dict[str, int] = {}
    for m in (m for s in sets for m in s):
        place = m.split or "no split"
        counts[place] = counts.get(place, 0) + 1
    if len(counts) == 1:
        return f"all in {next(iter(counts))}"
    places = sorted(p for p in counts if p != "no split") + ["no split"] * ("no split" in counts)
    shown = ", ".join(f"{counts[p]} in {p}" for p in places)
    return f"{shown}, no leak"


def build_groups(project: Project, found: Sequence[DuplicateGroup]) -> list[Group]:
    """Groups with every member's id and current label, split and status."""
    from labeldesk.core.errors import UnknownPathError

    paths = [p for g in found for p in g.paths]
    try:
        ids = project.ids_for(paths) if paths else {}
    except UnknownPathError as exc:  # removed by a rescan since the search: leave them out
        gone = set(exc.paths)
        ids = project.ids_for(p for p in paths if p not in gone)
    groups = [
        Group(
            number=g.number,
            kind=g.kind,
            similarity=float(g.similarity),
            members=[
                Member(p, int(ids[p]), None, None, None, g.hashes[i] if g.hashes else None)
                for i, p in enumerate(g.paths)
                if p in ids
            ],
            links=[(g.paths[a], g.paths[b]) for a, b in g.links],
        )
        for g in found
    ]
    refresh_states(project, groups)
    return groups


def refresh_states(project: Project, groups: Sequence[Group]) -> None:
    """Re-read the label, split and status of every member (after an action or undo)."""
    members = [m for g in groups for m in g.members]
    states = {s.image_id: s for s in project.image_states(m.image_id for m in members)}
    for m in members:
        state = states.get(m.image_id)
        if state is not None:
            m.label, m.split, m.status = state.label, state.split, state.status


def summary(groups: Sequence[Group]) -> dict[str, int]:
    """The counts Statistics shows: open exact / near groups, leaking groups, and the
    images in open groups."""
    counts = dict.fromkeys(("exact", "near", "leaking", "images"), 0)
    for g in groups:  # each group's copy sets once (recounted after every label change)
        sets = g.copy_sets()
        if not sets:
            continue
        if g.kind in ("exact", "near"):
            counts[g.kind] += 1
        counts["leaking"] += any(len({m.split for m in s if m.split}) > 1 for s in sets)
        counts["images"] += sum(len(s) for s in sets)
    return counts


def keep_only(group: Group, keep: Member) -> list[str]:
    """The paths to exclude so that ``keep`` is the one copy of its picture in use: its
    copies in use (the same content, or a near pair with it). A member only like one of
    those copies is another picture and stays (A like B like C: keeping A excludes B)."""
    members = group.members
    position = {m.path: n for n, m in enumerate(members)}
    if keep.path not in position:
        return []
    copies = copies_of(
        [m.content for m in members], group._link_positions(position), position[keep.path]
    )
    return [members[i].path for i in copies if not members[i].excluded]


def one_split(group: Group, split: str) -> dict[str, str | None]:
    """The split changes that put every image of ``group`` in ``split``."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return {m.path: split for m in group.members if m.split != split}
