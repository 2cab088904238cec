"""A seeded random-sequence fuzzer for "any past dataset state can be reproduced" and "no
path may lose data".

A small project (a few classes, a train/val/test split, some unlabeled images) is driven
through the Python API and the command line with random operations: label, relabel, clear
a label, set a split, add/rename/remove a class, undo, redo (an import of a CSV too),
import a CSV with bad rows,
``version create``, rename an image file on disk, add one, corrupt one, delete one (each
followed by a scan, whose folder labels are a batch of imports that ``undo
--include-imports`` takes back). A pure-Python model keeps the labels, splits and
classes expected; after each step the project's reads and ``labeldesk stats --json`` are
compared with it, and every version recorded is exported (ImageFolder and CSV) and
verified against what the model held when it was recorded: each image written with the
version's label, split and bytes, or listed under ``missing`` by name. The model is in
version_fuzz_model.py, the checks in version_fuzz_checks.py; this module holds the
operations.

``run_fuzz(seed, steps, folder)`` raises ``AssertionError`` naming the seed, the step and
the operations so far. tests/safety/test_version_fuzz.py runs a few seeds; more with
``LABELDESK_FUZZ_SEEDS=0-199 LABELDESK_FUZZ_STEPS=80``."""

from __future__ import annotations

import contextlib
import itertools
import random
from pathlib import Path

from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import NothingToRedoError, NothingToUndoError
from labeldesk.core.labels import SOURCES, USER_SOURCES
from safety.version_fuzz_checks import FuzzChecks
from safety.version_fuzz_model import SPLITS, Batch, Model, blake


class Fuzz(FuzzChecks):
    """One seed's project, its model, and the random operations on both."""

    # The operations that scan: the folder labels a scan writes are a batch (after_scan)
    SCANS = frozenset(
        {"rename_file", "add_file", "corrupt", "delete", "repair", "swap", "readd", "move"}
    )

    def __init__(self, seed: int, folder: Path) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.folder = folder
        self.root = folder / "images"
        self.model = self.new_model()
        self.log: list[str] = []
        self.n_files = 0
        classes = ["cat", "dog", "fox"]
        for split in SPLITS:
            for cls in classes:
                for _ in range(self.rng.randint(1, 3) if split == "train" else 1):
                    self._new_file(f"{split}/{cls}", cls, split)
        for _ in range(4):
            self._new_file("_unlabeled", None, None)
        self.project, _ = create_and_index(folder / "proj", self.root, workers=1)
        self.path = str(self.project.path)
        self.model.classes = sorted(classes)
        self.model.seen_names = set(classes)
        # `new`'s folder labels: one batch, which only `undo --include-imports` takes back
        folders = {k: im for k, im in self.model.images.items() if im.label is not None}
        self.model.undo.append(
            self.model.stamp(
                Batch(
                    {k: self.model.unlabeled(k) for k in folders},
                    {k: v for k, v in self.model.state().items() if k in folders},
                    list(self.model.classes),
                    list(self.model.classes),
                    source="import",
                    imported=True,
                )
            )
        )

    def new_model(self) -> Model:
        return Model()

    def _new_file(self, where: str, label: str | None, split: str | None) -> str:
        self.n_files += 1
        name = f"{where}/im{self.n_files}.png"
        write_image(self.root / name, size=(8, 6), fmt="PNG", seed=self.seed * 1000 + self.n_files)
        self.model.add(name, label, split, blake((self.root / name).read_bytes()))
        return name

    def new_name(self) -> str:
        n = 0
        while f"c{n}" in self.model.seen_names:
            n += 1
        self.model.seen_names.add(f"c{n}")
        return f"c{n}"

    def record(self, before: dict, classes_before: list[str], imported: bool = False) -> None:
        """A person's change (``imported``: a labels file's) as one batch: what redo
        offered is gone."""
        if self.add_batch(before, classes_before, "human", imported):
            self.model.redo.clear()

    def add_batch(self, before: dict, classes: list[str], source: str, imported: bool) -> bool:
        """The batch that took the model from ``before`` (an image not in it: new, as
        :meth:`Model.unlabeled`) and ``classes`` to now, if it changed anything."""
        after = self.model.state()
        old = {k: before[k] if k in before else self.model.unlabeled(k) for k in after}
        changed = {k for k in after if old[k] != after[k]}
        if not changed and classes == self.model.classes:
            return False
        batch = Batch(
            {k: old[k] for k in changed},
            {k: after[k] for k in changed},
            classes,
            list(self.model.classes),
            source=source,
            imported=imported,
        )
        self.model.undo.append(self.model.stamp(batch))
        return True

    def after_scan(self, before: dict) -> None:
        """A scan's folder labels and splits (a file moved to another class folder, one
        added to one, one put back in _unlabeled/) are one batch of imports: a plain
        undo passes over it, and an undo of an earlier batch leaves its images as they
        are while it stands; it does not end what redo offers."""
        self.add_batch(before, list(self.model.classes), "import", True)

    def step(self, op: str) -> str:
        """Run the operation ``op``; one that scans records the batch of folder labels
        the scan wrote (:meth:`after_scan`)."""
        before = self.model.state() if op in self.SCANS else None
        done = getattr(self, f"op_{op}")()
        if before is not None:
            self.after_scan(before)
        return done

    # -- operations -----------------------------------------------------------------
    def op_label(self) -> str:
        live = self.live()
        if not live or not self.model.classes:
            return "label: nothing"
        k, cls = self.rng.choice(live), self.rng.choice(self.model.classes)
        im = self.model.images[k]
        before, classes = self.model.state(), list(self.model.classes)
        self.project.set_label(im.path, cls)
        im.label = cls
        self.record(before, classes)
        return f"label {im.path} {cls}"

    def op_clear(self) -> str:
        labeled = [k for k in self.live() if self.model.images[k].label is not None]
        if not labeled:
            return "clear: nothing"
        im = self.model.images[self.rng.choice(labeled)]
        before, classes = self.model.state(), list(self.model.classes)
        self.project.set_label(im.path, None)
        im.label = None
        self.record(before, classes)
        return f"clear {im.path}"

    def op_split(self) -> str:
        live = self.live()
        if not live:
            return "split: nothing"
        im, split = self.model.images[self.rng.choice(live)], self.rng.choice(SPLITS)
        before, classes = self.model.state(), list(self.model.classes)
        self.project.set_splits({im.path: split})
        im.split = split
        self.record(before, classes)
        return f"split {im.path} {split}"

    def op_add_class(self) -> str:
        name = self.new_name()
        before, classes = self.model.state(), list(self.model.classes)
        self.project.add_classes([name])
        self.model.classes.append(name)
        self.record(before, classes)
        return f"add class {name}"

    def op_rename_class(self) -> str:
        if not self.model.classes:
            return "rename: nothing"
        old, new = self.rng.choice(self.model.classes), self.new_name()
        before, classes = self.model.state(), list(self.model.classes)
        self.project.rename_class(old, new)
        self.model.classes[self.model.classes.index(old)] = new
        for im in self.model.everyone():
            if im.label == old:
                im.label = new
            if im.folder == old:
                im.folder = new
        self.record(before, classes)
        return f"rename class {old} {new}"

    def op_remove_class(self) -> str:
        if len(self.model.classes) < 2:
            return "remove: nothing"
        name = self.rng.choice(self.model.classes)
        before, classes = self.model.state(), list(self.model.classes)
        self.project.remove_class(name)
        self.model.classes.remove(name)
        for im in self.model.everyone():
            if im.label == name:
                im.label = None
        self.record(before, classes)
        return f"remove class {name}"

    def op_undo(self) -> str:
        return self.undo(imports=False)

    def op_redo(self) -> str:
        return self.redo(imports=False)

    def undo(self, imports: bool) -> str:
        """Undo (``imports``: with --include-imports) in the project and the model."""
        what = "undo --include-imports" if imports else "undo"
        at = self.model.pick(self.model.undo, imports)
        if at is None:  # the project agrees
            sources = SOURCES if imports else USER_SOURCES
            with contextlib.suppress(NothingToUndoError):
                done = self.project.undo(sources=sources)
                raise AssertionError(f"{what} with nothing to undo undid {done.summary()}")
            return f"{what}: nothing"
        batch = self.model.undo[at]
        given = self.model.taken_back(batch)
        note = self.run_undo(batch, imports)
        del self.model.undo[at]
        self.undone(batch, given)
        entry = batch.narrowed(given, redo=False)
        self.model.redo.append(self.model.stamp(entry))
        return f"{what}{note}"

    def run_undo(self, batch: Batch, imports: bool) -> str:
        """Undo in the project; what the log says of it beside "undo"."""
        self.project.undo(sources=SOURCES if imports else USER_SOURCES)
        return f" ({len(batch.after)} images)" if batch.source == "import" else ""

    def undone(self, batch: Batch, given: dict) -> None:
        """The model after undoing ``batch``: ``given`` back, and its classes before it."""
        self._apply(given, batch.classes_before)

    def redo(self, imports: bool) -> str:
        what = "redo --include-imports" if imports else "redo"
        at = self.model.pick(self.model.redo, imports)
        if at is None:
            sources = SOURCES if imports else USER_SOURCES
            with contextlib.suppress(NothingToRedoError):
                done = self.project.redo(sources=sources)
                raise AssertionError(f"{what} with nothing to redo redid {done.summary()}")
            return f"{what}: nothing"
        entry = self.model.redo.pop(at)
        given = self.model.made_again(entry)
        if imports:
            code, _out = self.cli("redo", self.path, "--include-imports", "--json")
            assert code == 0, f"redo --include-imports exited {code}"
        else:
            self.project.redo()
        self.redone(entry, given)
        batch = entry.narrowed(given, redo=True)
        if given or batch.classes_before != batch.classes_after:
            self.model.undo.append(self.model.stamp(batch))
        else:
            self.model.serial += 1  # (a batch that changed nothing: no undo takes it)
        return what

    def redone(self, entry: Batch, given: dict) -> None:
        before = list(self.model.classes)
        self._apply(given, entry.classes_after)
        # a class the redo would remove (or merge) again stays while an image carries it
        # (one a scan filed under it since the undo): README, Redo
        carried = {im.label for im in self.model.everyone()}
        kept = {c for c in before if c not in self.model.classes and c in carried}
        if kept:
            now = self.model.classes
            self.model.classes = [c for c in before if c in now or c in kept] + [
                c for c in now if c not in before
            ]

    def _apply(self, values: dict, classes: list[str]) -> None:
        if len(classes) == len(self.model.classes):  # a class renamed back or again
            renamed = dict(zip(self.model.classes, classes, strict=True))
            for im in self.model.everyone():
                im.folder = renamed.get(im.folder, im.folder) if im.folder else None
        keyed = self.model.keyed()
        for k, (label, split) in values.items():
            keyed[k].label, keyed[k].split = label, split
        self.model.classes = list(classes)

    def op_import(self) -> str:
        live = self.live()
        if not live or not self.model.classes:
            return "import: nothing"
        before, classes = self.model.state(), list(self.model.classes)
        rows, good, bad_paths = ["path,label,split"], {}, set()
        for k in self.rng.sample(live, min(len(live), self.rng.randint(1, 4))):
            im = self.model.images[k]
            cls, split = self.rng.choice(self.model.classes), self.rng.choice(SPLITS)
            rows.append(f"{im.path},{cls},{split}")
            good[k] = (cls, split)
        bad = self.rng.sample(live, 1)[0]
        kind = self.rng.choice(["unknown path", "unknown class", "extra cell"])
        if kind == "unknown path":
            rows.append("no/such/file.png,cat,train")
        elif kind == "unknown class":
            rows.append(f"{self.model.images[bad].path},zzz_no_class,train")
            bad_paths.add(bad)
        else:
            rows.append(f"{self.model.images[bad].path},a,b,c")
            bad_paths.add(bad)
        self.rng.shuffle(rows[1:])
        csv_path = self.folder / "import.csv"
        csv_path.write_text("\n".join(rows) + "\n")
        code, _ = self.cli("import", self.path, str(csv_path), "--skip-bad-rows")
        assert code == 0, f"import --skip-bad-rows exited {code}"
        for k, (cls, split) in good.items():
            if k not in bad_paths:
                self.model.images[k].label, self.model.images[k].split = cls, split
        # a labels file imported is a person's batch (only folder labels and `new --labels`
        # are imports that a plain undo passes over): undone and redone as the others
        self.record(before, classes, imported=True)
        return f"import ({kind})"

    def op_version(self) -> str:
        name = f"v{len(self.model.versions) + 1}"
        code, _out = self.cli("version", self.path, "create", name, "--json")
        assert code == 0, f"version create exited {code}"
        self.model.versions[name] = {
            "classes": list(self.model.classes),
            "images": {
                im.path: (im.label, im.shown_split(), im.hash)
                for im in self.model.images.values()
                if not im.skipped
            },
            "keys": {
                k: (im.path, im.shown_split())
                for k, im in self.model.images.items()
                if not im.skipped
            },
        }
        if self.rng.random() < 0.5:  # an export of the day, verified again at the end
            fmt = self.rng.choice(["csv", "imagefolder", "webdataset"])
            out = self.folder / f"kept-{name}"
            code, _out = self.cli(
                "export", self.path, str(out), "--format", fmt, "--version", name,
                "--include-unlabeled",
            )  # fmt: skip
            assert code == 0, f"export of the day of {name} exited {code}"
            self.model.versions[name]["kept"] = out
        return f"version create {name}"

    def image_folders(self) -> list[str]:
        """Where a file may be added or moved to: _unlabeled/ and each split's folder of
        the first classes still called so."""
        return ["_unlabeled"] + [
            f"{s}/{c}" for s in SPLITS for c in ("cat", "dog", "fox") if c in self.model.classes
        ]

    def scan(self) -> None:
        self.project.scan(progress=False)

    def op_rename_file(self) -> str:
        live = self.live()
        if not live:
            return "rename file: nothing"
        im = self.model.images[self.rng.choice(live)]
        self.n_files += 1
        new = f"{im.path.rsplit('/', 1)[0]}/mv{self.n_files}.png"
        (self.root / im.path).rename(self.root / new)
        self.scan()
        old, im.path = im.path, new
        return f"rename file {old} {new}"

    def op_add_file(self) -> str:
        folders = self.image_folders()
        where = self.rng.choice(folders)
        label = None if where == "_unlabeled" else where.split("/")[1]
        split = None if where == "_unlabeled" else where.split("/")[0]
        name = self._new_file(where, label, split)
        self.scan()
        return f"add file {name}"

    def op_corrupt(self) -> str:
        live = self.live()
        if not live:
            return "corrupt: nothing"
        k = self.rng.choice(live)
        im = self.model.images[k]
        data = b"not an image " + str(k).encode()
        self.model.originals.setdefault(k, (self.root / im.path).read_bytes())
        (self.root / im.path).write_bytes(data)
        self.scan()
        im.skipped, im.hash = True, blake(data)  # (its label stays: an undo reaches it)
        return f"corrupt {im.path}"

    def op_delete(self) -> str:
        keys = sorted(self.model.images)
        if len(keys) < 5:
            return "delete: nothing"
        k = self.rng.choice(keys)
        im = self.model.images.pop(k)
        path = im.path
        if self.model.originals.pop(k, None) is None:  # (corrupted: its bytes then are
            self.model.gone[k] = (im, (self.root / path).read_bytes())  # not put back)
        else:  # out of the model for good: what an undo does to its row is not looked at
            for batch in self.model.undo + self.model.redo:
                batch.before.pop(k, None)
                batch.after.pop(k, None)
        (self.root / path).unlink()
        self.scan()  # (its row stays, removed, label and all: an undo reaches it)
        return f"delete {path}"

    def op_move(self) -> str:
        live = self.live()
        folders = self.image_folders()
        if not live:
            return "move: nothing"
        k, where = self.rng.choice(live), self.rng.choice(folders)
        im = self.model.images[k]
        self.n_files += 1
        new = f"{where}/mv{self.n_files}.png"
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / im.path).rename(self.root / new)
        self.scan()
        old = im.path
        # what its old folder gave it, unless a person changed it since, goes with the
        # folder it is moved to (README: How a folder is read)
        label = None if where == "_unlabeled" else where.split("/")[1]
        split = None if where == "_unlabeled" else where.split("/")[0]
        if label != (folder := self.model.folder_class(im)) and im.label == folder:
            im.label = label
        if split != im.folder_split() and im.split == im.folder_split():
            im.split = split
        im.path, im.folder = new, label
        return f"move {old} {new}"

    def op_repair(self) -> str:
        broken = sorted(k for k in self.model.originals if k in self.model.images)
        if not broken:
            return "repair: nothing"
        k = self.rng.choice(broken)
        im, data = self.model.images[k], self.model.originals.pop(k)
        (self.root / im.path).write_bytes(data)
        self.scan()
        im.skipped, im.hash = False, blake(data)
        return f"repair {im.path}"

    def op_swap(self) -> str:
        live = self.live()
        folders: dict[str, list[int]] = {}
        for k in live:
            folders.setdefault(self.model.images[k].path.rsplit("/", 1)[0], []).append(k)
        pairs = [ks for ks in folders.values() if len(ks) > 1]
        if not pairs:
            return "swap: nothing"
        a, b = (self.model.images[k] for k in self.rng.sample(self.rng.choice(pairs), 2))
        tmp = self.root / "swap.tmp"
        (self.root / a.path).rename(tmp)
        (self.root / b.path).rename(self.root / a.path)
        tmp.rename(self.root / b.path)
        self.scan()
        a.path, b.path = b.path, a.path
        return f"swap {a.path} {b.path}"

    def op_readd(self) -> str:
        if not self.model.gone:
            return "readd: nothing"
        # a deleted image comes back, label and all, with its own bytes (README)
        k = self.rng.choice(sorted(self.model.gone))
        im, data = self.model.gone.pop(k)
        # put back in _unlabeled/: what its old folder gave it (and no person changed
        # since) goes with the folder (README: How a folder is read)
        if (folder := self.model.folder_class(im)) is not None and im.label == folder:
            im.label = None
        if im.folder_split() is not None and im.split == im.folder_split():
            im.split = None
        im.folder = None
        self.n_files += 1
        im.path, im.skipped, im.hash = f"_unlabeled/back{self.n_files}.png", False, blake(data)
        (self.root / im.path).write_bytes(data)
        self.scan()
        self.model.images[k] = im
        return f"readd {im.path}"


OPS = {
    "label": 6, "clear": 2, "split": 3, "add_class": 1, "rename_class": 1,
    "remove_class": 1, "undo": 3, "redo": 2, "import": 2, "version": 2,
    "rename_file": 1, "add_file": 1, "corrupt": 1, "delete": 1,
    "repair": 1, "swap": 1, "readd": 1, "move": 2,
}  # fmt: skip


def run_fuzz(seed: int, steps: int, folder: Path) -> list[str]:
    from safety.version_fuzz_imports import OPS3, Fuzz3  # undo --include-imports, faults
    from safety.version_fuzz_ops2 import OPS2  # statuses, merges, export options

    fuzz = Fuzz3(seed, folder)
    ops = {**OPS, **OPS2, **OPS3}
    names, weights = list(ops), list(ops.values())
    try:
        fuzz.check_state()
        for _step in range(steps):
            op = fuzz.rng.choices(names, weights)[0]
            fuzz.log.append(fuzz.step(op))
            fuzz.check_state()
            if fuzz.model.versions and fuzz.rng.random() < 0.15:
                fuzz.check_version(fuzz.rng.choice(sorted(fuzz.model.versions)))
        fuzz.op_version()
        names = sorted(fuzz.model.versions, key=lambda n: int(n[1:]))
        for name in names:
            fuzz.check_version(name)
            fuzz.check_kept_export(name)
        for a, b in itertools.pairwise(names):
            fuzz.check_diff(a, b)
    except Exception as e:  # (a KeyError too: with the seed and the steps that led to it)
        what = str(e) if isinstance(e, AssertionError) else f"{type(e).__name__}: {e}"
        raise AssertionError(
            f"seed {seed}, step {len(fuzz.log)}: {what}\nsteps: " + "; ".join(fuzz.log)
        ) from e
    finally:
        fuzz.project.close()
    return fuzz.log
