"""`labeldesk export --overwrite` killed outright at each step of replacing the earlier
export: `OUT` is there at every kill point, holding the earlier export or the new one,
whole (on Linux the two swap names at once, renameat2 RENAME_EXCHANGE). Where the
exchange cannot be done (here the kernel answers EINVAL to a flag it does not know), the
two renames of before are used, and the next export beside `OUT` puts a whole one back."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from labeldesk.core import exchange
from safety.killed_runs import age, count_calls, leftovers, run, run_killed, tree

pytestmark = [
    pytest.mark.slow,  # real commands in child processes: seconds each
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's"),
]

SWAP = "labeldesk.core.exchange.swap"
NO_EXCHANGE = {"labeldesk.core.exchange.RENAME_EXCHANGE": 1 << 30}  # EINVAL: unknown flag


def shown(folder: Path) -> dict[str, str]:
    # a staging marker a run killed just after the swap leaves is no part of the export
    return {rel: v for rel, v in tree(folder).items() if rel != ".labeldesk-staging"}


def held(out: Path, old: dict, new: dict) -> str:
    if not out.exists():
        return "none"
    now = shown(out)
    return "old" if now == old else "new" if now == new else "partial"


def exports(project: Path, tmp: Path) -> tuple[dict, dict]:
    """The earlier export (ImageFolder) and the new one (CSV) that replaces it."""
    run(["export", project, tmp / "old" / "out"])
    run(["export", project, tmp / "new" / "out", "--format", "csv"])
    return tree(tmp / "old" / "out"), tree(tmp / "new" / "out")


def kill_points(calls: dict[str, int], *, deleting: bool) -> list[tuple[str, int, bool]]:
    points = [
        (call, nth, after)
        for call in ("os.replace", SWAP)
        for nth in range(1, calls.get(call, 0) + 1)
        for after in (False, True)
    ]
    if not deleting:
        return points
    # then the earlier export deleted: as it begins, its last folder, the staging marker
    ends = [("os.unlink", 2, False), ("os.rmdir", calls["os.rmdir"], False)]
    return [*points, *ends, ("os.unlink", calls["os.unlink"], True)]


def killed_overwrites(project, tmp, patch=None) -> list[tuple[str, int, bool, str]]:
    """Kill an overwrite at each point; what `OUT` held then ("old", "new" or "none"),
    after checking the next overwrite writes the new export whole and leaves nothing."""
    old, new = exports(project, tmp)
    counted = tmp / "counted"
    run(["export", project, counted / "out"])
    args = ["export", project, counted / "out", "--format", "csv", "--overwrite"]
    calls = count_calls(args, tmp, patch=patch)
    seen = []
    # (the delete of the earlier export is the same both ways: killed there once)
    for n, (call, nth, after) in enumerate(kill_points(calls, deleting=patch is None)):
        parent = tmp / f"exports{n}"
        run(["export", project, parent / "out"])
        args = ["export", project, parent / "out", "--format", "csv", "--overwrite"]
        code = run_killed(args, call, nth, after=after, patch=patch)
        assert code == -signal.SIGKILL, (call, nth, after)
        out = parent / "out"
        seen.append((call, nth, after, held(out, old, new)))
        age(parent)
        run(args)
        assert tree(out) == new, (call, nth, after)
        assert leftovers(parent) == [], (call, nth, after)
    return seen


def test_an_overwrite_killed_anywhere_leaves_a_whole_export_in_place(small, tmp_path):
    project, images, images_before = small
    seen = killed_overwrites(project, tmp_path)
    assert [s for s in seen if s[3] not in ("old", "new")] == [], seen
    # the swap is the moment the new export takes the earlier one's place
    assert (SWAP, 1, False, "old") in seen and (SWAP, 1, True, "new") in seen, seen
    assert tree(images) == images_before


def test_where_folders_cannot_be_swapped_the_two_renames_are_used(small, tmp_path):
    project, images, images_before = small
    seen = killed_overwrites(project, tmp_path, patch=NO_EXCHANGE)
    assert [s for s in seen if s[3] not in ("old", "new", "none")] == [], seen
    # the swap answered "cannot" and changed nothing; the earlier export went aside,
    # then the new one came in: between the two, no OUT until the next export
    assert seen == [
        ("os.replace", 1, False, "old"),
        ("os.replace", 1, True, "old"),
        ("os.replace", 2, False, "old"),
        ("os.replace", 2, True, "none"),
        ("os.replace", 3, False, "none"),
        ("os.replace", 3, True, "new"),
        (SWAP, 1, False, "old"),
        (SWAP, 1, True, "old"),
    ], seen
    assert tree(images) == images_before


def test_swap_exchanges_two_folders_or_says_it_cannot(tmp_path, monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux's")
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, name in ((a, "one"), (b, "two")):
        folder.mkdir()
        (folder / name).write_text(name)
    assert exchange.swap(a, b) is True
    assert [p.name for p in a.iterdir()] == ["two"] and [p.name for p in b.iterdir()] == ["one"]
    with pytest.raises(FileNotFoundError):
        exchange.swap(a, tmp_path / "missing")
    monkeypatch.setattr(exchange, "RENAME_EXCHANGE", 1 << 30)  # the kernel: EINVAL
    assert exchange.swap(a, b) is False
    assert [p.name for p in a.iterdir()] == ["two"]  # nothing changed


def test_swap_says_it_cannot_where_the_c_library_has_no_renameat2(tmp_path, monkeypatch):
    monkeypatch.setattr(exchange, "LIBC_FUNCTION", "no_such_renameat2")
    exchange._renameat2.cache_clear()
    try:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        assert exchange.swap(tmp_path / "a", tmp_path / "b") is False
    finally:
        exchange._renameat2.cache_clear()
