"""The splits a ``--make-splits`` export made, for ``labeldesk version P verify``.

Such an export's splits are its own, not the version's: the manifest records the split
made for each image (``made_split_of``, by the image's path in the state written), and
the splits read back from the export's files are compared with those, picture by picture,
as any other export's are with the version's. What the manifest says of them is checked
against itself and the version where it can say otherwise: the images it gives a split
are those the recorded options choose, and the sizes and per-class counts it reports are
those of the splits it records. That the recorded splits are what ``--make-splits`` made
is taken on trust: they depend on the duplicate groups found that day (perceptual hashes,
embeddings since added or changed), so they are not made again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from labeldesk.core.display import counted

UNLABELED = "(unlabeled)"  # the per-class stratum of images without a label (ml.splits)


def made_split_of(manifest: dict[str, Any]) -> dict[str, str] | None:
    """The split made per image that the manifest records; None where it records none
    (an export made before LabelDesk recorded them) or not as an export writes it."""
    listed = manifest.get("made_split_of")
    if not isinstance(listed, dict):
        return None
    if not all(isinstance(split, str) for split in listed.values()):
        return None
    return {str(path): split for path, split in listed.items()}


def check_made_splits(
    said: list[str],
    manifest: dict[str, Any],
    split_of: dict[str, str],
    chosen: Iterable[tuple[str, str | None]],
    failed: Collection[str],
) -> None:
    """A line in ``said`` for each way the splits the manifest records do not add up:
    ``chosen``: (path, label as written) of each image the recorded options choose;
    ``failed``: the paths the export could not write (its sizes do not count them)."""
    labels = dict(chosen)
    lacking, extra = labels.keys() - split_of.keys(), split_of.keys() - labels.keys()
    if lacking or extra:
        parts = [f"lack {counted(len(lacking), 'image')} they choose"] if lacking else []
        parts += [f"name {counted(len(extra), 'image')} they do not"] if extra else []
        said.append(
            f"the splits its manifest records as made by --make-splits {' and '.join(parts)} "
            f"(e.g. {sorted(lacking or extra)[0]}): its manifest was edited"
        )
    made = manifest.get("made_splits")
    made = made if isinstance(made, dict) else {}
    sizes = Counter(split for path, split in split_of.items() if path not in failed)
    if _nonzero(made.get("sizes")) != dict(sizes):
        said.append(
            f"its manifest gives the made splits the sizes {_shown(made.get('sizes'))}, but "
            f"the splits it records are {_shown(dict(sizes))}: its manifest was edited"
        )
    per_class: dict[str, Counter[str]] = {}
    for path, split in split_of.items():
        label = labels.get(path)
        per_class.setdefault(label if label is not None else UNLABELED, Counter())[split] += 1
    recorded = made.get("per_class")
    theirs = {c: _nonzero(row) for c, row in recorded.items()} if isinstance(recorded, dict) else {}
    if theirs != {c: dict(row) for c, row in per_class.items()}:
        said.append(
            "its manifest's per-class counts of the made splits are not those of the "
            "splits it records, by the version's labels: its manifest was edited"
        )


def _nonzero(counts: object) -> dict[str, int] | None:
    if not isinstance(counts, dict):
        return None
    return {str(k): v for k, v in counts.items() if v != 0}


def _shown(counts: object) -> str:
    """Each split's size, ``train 4,980, val 1,245``, as every command writes a count (a
    size an edited manifest gives as something else than a number, as it is)."""
    if not isinstance(counts, dict):
        return "none"
    return ", ".join(f"{k} {_count(v)}" for k, v in sorted(counts.items()) if v) or "none"


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
