"""Statistics' duplicate counts, recounted after every label change: each group's copy
sets are worked out once, and a group without near pairs takes the short way."""

from __future__ import annotations

import pytest

from labeldesk.browse import duplicate_groups
from labeldesk.browse.duplicate_groups import Group, Member, summary
from labeldesk.ml import duplicate_group


def _groups() -> list[Group]:
    out = []
    for n in range(12):
        near = n % 2 == 1
        members = [
            Member(
                f"g{n}/{i}.png",
                n * 10 + i,
                None,
                ("train", "test", None)[(n + i) % 3],
                "excluded" if (n % 4 == 0 and i == 0) else None,
                f"h{n}-{i}" if near else f"h{n}",
            )
            for i in range(3)
        ]
        links = [(members[0].path, members[1].path)] if near else []
        if n == 5:
            links = []  # near members that are no pair: no copies
        out.append(Group(n + 1, "near" if near else "exact", 0.97, members, links))
    return out


def test_summary_counts_match_the_groups_own_properties() -> None:
    groups = _groups()
    open_groups = [g for g in groups if g.is_open]
    assert summary(groups) == {
        "exact": sum(1 for g in open_groups if g.kind == "exact"),
        "near": sum(1 for g in open_groups if g.kind == "near"),
        "leaking": sum(1 for g in open_groups if g.leaks),
        "images": sum(len(g.open_members) for g in open_groups),
    }


def test_summary_works_out_each_groups_copy_sets_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = duplicate_groups.copy_sets

    def counted(*args: object) -> list[list[int]]:
        nonlocal calls
        calls += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(duplicate_groups, "copy_sets", counted)
    groups = _groups()
    summary(groups)
    assert calls == len(groups)


@pytest.mark.parametrize(
    ("keys", "in_use"),
    [
        (["a", "a", "b", None, None, "a"], [True, False, True, True, True, True]),
        (["x", "y", "x", "y"], [True, True, True, True]),
        ([None, None], [False, True]),
    ],
)
def test_copy_sets_without_links_are_the_keys(keys: list[str | None], in_use: list[bool]) -> None:
    by_key: dict[str | None, list[int]] = {}
    for i, key in enumerate(keys):
        if in_use[i]:
            by_key.setdefault(key, []).append(i)
    assert duplicate_group.copy_sets(keys, [], in_use) == list(by_key.values())
    assert duplicate_group.copy_sets(keys, iter([]), in_use) == list(by_key.values())


def test_a_chain_resolved_by_its_middle_says_so_truly() -> None:
    """A like B like C, B excluded: A and C stay in use, different pictures; the heading
    must not say that at most one image is left in use."""
    members = [
        Member("a.png", 1, None, "train", None, "ha"),
        Member("b.png", 2, None, "train", "excluded", "hb"),
        Member("c.png", 3, None, "test", None, "hc"),
    ]
    group = Group(1, "near", 0.95, members, [("a.png", "b.png"), ("b.png", "c.png")])
    assert not group.is_open
    text = group.describe()
    assert "resolved" in text and "at most one image" not in text
