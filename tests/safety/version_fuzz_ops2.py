"""The version fuzzer's second set of operations (tests/safety/version_fuzz.py): review
statuses, class merges, and exports with ``--class-map``, ``--since`` and
``--version current``, each checked against the fuzzer's model.

:class:`Fuzz2` is the fuzzer with review statuses in its model: each image's status
(verified, excluded or none) is kept beside its label and split, undone and redone with
them; a label changed other than by a class rename or merge drops *verified* (README:
what a person verified was that label); versions record it, and every export of a
version is read back and its ``status`` column compared with the version's."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

from labeldesk.cli import main
from safety.version_fuzz import Fuzz
from safety.version_fuzz_model import SPLITS, Batch, Image, Model, blake

STATUSES = ("verified", "excluded", None)
FORMATS = ("imagefolder", "parquet", "hf", "fiftyone", "labelstudio", "webdataset")
# How often each operation here runs, beside version_fuzz.OPS
OPS2 = {"status": 3, "merge": 1, "export_mapped": 1, "export_since": 1, "export_current": 1}


def status_of(im: Image) -> str | None:
    return getattr(im, "status", None)


class Model2(Model):
    def state(self) -> dict[int, Any]:  # type: ignore[override]
        return {k: (im.label, im.split, status_of(im)) for k, im in self.keyed().items()}

    def unlabeled(self, key: int) -> tuple:
        return (None, self.keyed()[key].split, None)


class Fuzz2(Fuzz):
    def __init__(self, seed: int, folder: Path) -> None:
        super().__init__(seed, folder)
        self.keeps_status = False  # a class renamed or merged: statuses go with the images
        self.n_exports = 0
        self.stderr = ""
        self.kept2: list[tuple[str, Path, int]] = []  # (version, export, verify's exit)
        self.merges: list[tuple[Batch, str, str, set[int]]] = []  # its undo batch first

    def cli(self, *args: str) -> tuple[int, str]:
        """As Fuzz.cli, keeping what the command said on stderr in ``self.stderr``."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        self.stderr = err.getvalue()
        return code, out.getvalue()

    def new_model(self) -> Model:
        return Model2()

    # -- the model with statuses ----------------------------------------------------
    def record(self, before: dict, classes_before: list[str], imported: bool = False) -> None:
        if not self.keeps_status:
            self.drop_verified(before)
        super().record(before, classes_before, imported)

    def drop_verified(self, before: dict) -> None:
        keyed = self.model.keyed()
        for k, (label, _split, status) in before.items():
            if k in keyed and status == "verified" and keyed[k].label != label:
                keyed[k].status = None  # what was verified was the old label

    def after_scan(self, before: dict) -> None:
        # a file moved or put back in another folder: an image whose label the scan
        # changed is no longer verified
        self.drop_verified(before)
        super().after_scan(before)

    def _apply(self, values: dict, classes: list[str]) -> None:
        super()._apply({k: v[:2] for k, v in values.items()}, classes)
        keyed = self.model.keyed()
        for k, value in values.items():
            keyed[k].status = value[2]

    def op_rename_class(self) -> str:
        self.keeps_status = True
        try:
            return super().op_rename_class()
        finally:
            self.keeps_status = False

    # (an import: a batch as the others, its "verified" marks dropped by record())

    def op_version(self) -> str:
        done = super().op_version()
        name = max(self.model.versions, key=lambda n: int(n[1:]))
        self.model.versions[name]["records"] = self.records()
        return done

    def records(self) -> dict[int, tuple]:
        """Each image's (path, label, split, status, hash), by key, as the model has it."""
        return {
            k: (im.path, im.label, im.shown_split(), status_of(im), im.hash)
            for k, im in self.model.images.items()
            if not im.skipped
        }

    def check_state(self) -> None:
        super().check_state()
        frame = self.project.images()
        found = {
            row.path: row.status if isinstance(row.status, str) else None
            for row in frame.itertuples()
        }
        want = {im.path: status_of(im) for im in self.model.images.values()}
        diff = {p: (found.get(p), want.get(p)) for p in want if found.get(p) != want[p]}
        assert not diff, f"statuses (found, expected): {diff}"
        code, out = self.cli("stats", self.path, "--json")
        assert code == 0, f"stats exited {code}: {out} {self.stderr}"
        stats = json.loads(out)
        live = [self.model.images[k] for k in self.live()]
        want_counts = {s: sum(status_of(im) == s for im in live) for s in STATUSES if s}
        got = {s: stats[s] for s in want_counts}
        assert got == want_counts, f"stats statuses {got} != {want_counts}"

    def check_version(self, name: str) -> None:
        super().check_version(name)
        records = self.model.versions[name]["records"]
        out = self.folder / f"export-{name}-csv"
        self.compare_csv(out, records, {}, f"csv {name}")

    # -- new operations -------------------------------------------------------------
    def op_status(self) -> str:
        live = self.live()
        if not live:
            return "status: nothing"
        keys = self.rng.sample(live, min(len(live), self.rng.randint(1, 3)))
        status = self.rng.choice(STATUSES)
        before, classes = self.model.state(), list(self.model.classes)
        paths = [self.model.images[k].path for k in keys]
        self.project.set_status(paths, status)
        for k in keys:
            self.model.images[k].status = status
        self.record(before, classes)
        return f"status {status} {' '.join(paths)}"

    def op_merge(self) -> str:
        if len(self.model.classes) < 2:
            return "merge: nothing"
        source, into = self.rng.sample(self.model.classes, 2)
        before, classes = self.model.state(), list(self.model.classes)
        self.project.merge_classes(source, into)
        self.model.classes.remove(source)
        for im in self.model.everyone():
            if im.label == source:
                im.label = into
        folders = {k for k, im in self.model.keyed().items() if im.folder == source}
        for k in folders:  # what its folder gave it is called so now
            self.model.keyed()[k].folder = into
        self.keeps_status = True
        try:
            self.record(before, classes)
        finally:
            self.keeps_status = False
        if self.model.undo and self.model.undo[-1].classes_before == classes:
            self.merges.append((self.model.undo[-1], source, into, folders))
        return f"merge {source} into {into}"

    def undone(self, batch: Batch, given: dict) -> None:
        super().undone(batch, given)
        if (merge := self.merge_of(batch)) is not None:  # the class back: its folder too
            self._folders(merge[3], merge[2], merge[1])

    def redone(self, entry: Batch, given: dict) -> None:
        if len(entry.classes_after) == len(self.model.classes):
            # a class rename made again renames the class: an image given the old name
            # since the undo (a file moved into its folder) goes with it
            renamed = dict(zip(self.model.classes, entry.classes_after, strict=True))
            for im in self.model.everyone():
                if im.label is not None and renamed.get(im.label, im.label) != im.label:
                    im.label = renamed[im.label]
        super().redone(entry, given)
        if (merge := self.merge_of(entry)) is not None:
            self._folders(merge[3], merge[1], merge[2])

    def merge_of(self, batch: Batch) -> tuple[Batch, str, str, set[int]] | None:
        """The merge ``batch`` (or its undo or redo) made, if it is one."""
        return next((m for m in self.merges if m[0].origin == batch.origin), None)

    def _folders(self, keys: set[int], was: str, now: str) -> None:
        keyed = self.model.keyed()
        for k in keys:
            if k in keyed and keyed[k].folder == was:
                keyed[k].folder = now

    def op_export_mapped(self) -> str:
        if not self.model.versions:
            return "export mapped: nothing"
        name = self.rng.choice(sorted(self.model.versions))
        classes = self.model.versions[name]["classes"]
        if not classes:
            return "export mapped: nothing"
        mapping: dict[str, str | None] = {}
        for cls in self.rng.sample(classes, min(len(classes), self.rng.randint(1, 3))):
            mapping[cls] = self.rng.choice(["merged", None, f"{cls}-renamed", *classes])
        spec = ",".join(f"{old}={new or '-'}" for old, new in mapping.items())
        records = self.model.versions[name]["records"]
        fmt = self.export(name, records, ["--class-map", spec], mapping)
        return f"export {name} --class-map {spec} ({fmt})"

    def op_export_since(self) -> str:
        if not self.model.versions:
            return "export since: nothing"
        names = [*self.model.versions, "current"]  # the state now: the last of them
        a, b = self.rng.sample(names, 2) if len(names) > 2 else names
        if names.index(a) > names.index(b):
            a, b = b, a
        old = self.model.versions[a]["records"]
        new = self.records() if b == "current" else self.model.versions[b]["records"]
        changed = {k: r for k, r in new.items() if old.get(k) != r}
        gone = sorted((r[0], r[4]) for k, r in old.items() if new.get(k) != r)
        fmt = self.export(b, changed, ["--since", a], {}, gone=gone)
        return f"export {b} --since {a} ({fmt})"

    def op_export_current(self) -> str:
        fmt = self.export("current", self.records(), [], {})
        return f"export --version current ({fmt})"

    def export(
        self, name: str, records: dict, options: list[str], mapping: dict, gone: Any = None
    ) -> str:
        """Export ``name`` with ``options`` in a random format; a CSV's rows are compared
        with ``records`` (labels through ``mapping``), ``gone`` with its ``gone_since``;
        ``version verify`` must find it whole, now and at the end of the run."""
        fmt = self.rng.choice(["csv", "csv", *FORMATS])
        self.n_exports += 1
        out = self.folder / f"export2-{self.n_exports}"
        what = f"export --version {name} {' '.join(options)} --format {fmt}"
        code, text = self.cli(
            "export", self.path, str(out), "--format", fmt, "--version", name, *options,
            "--include-unlabeled", "--include-excluded", "--json",
        )  # fmt: skip
        assert code == 0, f"{what} exited {code}"
        if fmt == "csv":
            self.compare_csv(out, records, mapping, what)
        if gone is not None:
            found = sorted((g["path"], g["hash"]) for g in json.loads(text)["gone_since"])
            assert found == gone, f"{what}: gone_since {found} != {gone}"
        dropped = {old for old, new in mapping.items() if new is None}
        here = self.on_disk()
        missing = any(r[4] not in here and r[1] not in dropped for r in records.values())
        if name != "current":  # (the state now changes; a version does not)
            self.kept2.append((name, out, 1 if missing else 0))
        self.verify(name, out, 1 if missing else 0)
        return fmt

    def check_kept_export(self, name: str) -> None:
        super().check_kept_export(name)
        for version, out, code in self.kept2:
            if version == name:
                self.verify(name, out, code)

    # -- checks ---------------------------------------------------------------------
    def on_disk(self) -> set[str]:
        return {im.hash for im in self.model.images.values()}

    def compare_csv(self, out: Path, records: dict, mapping: dict, what: str) -> None:
        """The export's rows (hash, label, split, status) are the records' that are
        still on disk, with labels through ``mapping`` (None: left out)."""
        here = self.on_disk()
        want = []
        for _path, label, split, status, digest in records.values():
            if digest not in here:
                continue  # listed under missing (version_fuzz's checks)
            if label in mapping:
                if mapping[label] is None:
                    continue
                label = mapping[label]
            want.append((digest, label, split, status))
        rows = []
        with open(out / "labels.csv", newline="") as f:
            for row in csv.DictReader(f):
                data = (out / row["path"]).read_bytes()
                assert blake(data) == row["content_hash"], row
                split = row["split"] or None
                assert split in (*SPLITS, None), row
                rows.append((blake(data), row["label"] or None, split, row["status"] or None))
        assert sorted(rows, key=str) == sorted(want, key=str), (
            f"{what}: rows (hash, label, split, status) differ: "
            f"{sorted(set(rows) ^ set(want), key=str)}"
        )

    def verify(self, name: str, out: Path, want: int) -> None:
        code, text = self.cli("version", self.path, "verify", name, str(out), "--json")
        verdict = json.loads(text)
        assert verdict.get("intact") is True, f"verify {name} {out.name}: {verdict}"
        assert code == want, f"verify {name} {out.name} exit {code}: {verdict}"
