"""The version fuzzer's checks (tests/safety/version_fuzz.py): after each step the
project's reads and ``labeldesk stats --json`` against the model; at the end each version
exported (ImageFolder and CSV) and verified against what the model held when it was
recorded, the exports written the day it was recorded verified again, and ``version
diff`` of each pair compared with the model."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

from labeldesk.cli import main
from labeldesk.core.project import Project
from safety.version_fuzz_model import SPLITS, Model, blake


class FuzzChecks:
    """What ``Fuzz`` checks; it sets these when it builds the project."""

    project: Project
    path: str  # the project's, for the command line
    folder: Path  # where exports are written
    model: Model

    def cli(self, *args: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(list(args))
        return code, out.getvalue()

    def live(self) -> list[int]:
        return sorted(k for k, im in self.model.images.items() if not im.skipped)

    def check_kept_export(self, name: str) -> None:
        out = self.model.versions[name].get("kept")
        if out is None:
            return
        code, text = self.cli("version", self.path, "verify", name, str(out), "--json")
        verdict = json.loads(text)
        assert (code, verdict.get("ok")) == (0, True), (
            f"the export of the day of {name} is no longer the version: {verdict}"
        )

    def check_diff(self, a: str, b: str) -> None:
        old, new = self.model.versions[a]["keys"], self.model.versions[b]["keys"]
        code, text = self.cli("version", self.path, "diff", a, b, "--json")
        assert code == 0, f"version diff {a} {b} exited {code}"
        diff = json.loads(text)
        found = {
            "added": sorted(r["path"] for r in diff["added"]),
            "removed": sorted(r["path"] for r in diff["removed"]),
            "moved": sorted((r["old_path"], r["path"]) for r in diff["moved"]),
            "splits_changed": sorted(r["path"] for r in diff["splits_changed"]),
        }
        both = set(old) & set(new)
        want = {
            "added": sorted(new[k][0] for k in set(new) - set(old)),
            "removed": sorted(old[k][0] for k in set(old) - set(new)),
            "moved": sorted((old[k][0], new[k][0]) for k in both if old[k][0] != new[k][0]),
            "splits_changed": sorted(new[k][0] for k in both if old[k][1] != new[k][1]),
        }
        assert found == want, f"version diff {a} {b}: {found} != {want}"

    # -- checks ---------------------------------------------------------------------
    def check_state(self) -> None:
        frame = self.project.images()
        found = {}
        for row in frame.itertuples():
            label = None if not isinstance(row.label, str) else row.label
            split = None if not isinstance(row.split, str) else row.split
            found[row.path] = (label, split, isinstance(row.skip_reason, str))
        expected = {
            im.path: (im.label, im.shown_split(), im.skipped) for im in self.model.images.values()
        }
        diff = {
            p: (found.get(p), expected.get(p))
            for p in set(found) | set(expected)
            if found.get(p) != expected.get(p)
        }
        assert not diff, f"images (found, expected): {diff}"
        assert self.project.classes() == self.model.classes, (
            f"classes {self.project.classes()} != {self.model.classes}"
        )
        code, out = self.cli("stats", self.path, "--json")
        assert code == 0
        stats = json.loads(out)
        live = [self.model.images[k] for k in self.live()]
        kept = [im for im in live if getattr(im, "status", None) != "excluded"]  # (ops2)
        counts = {
            c: {
                "total": sum(im.label == c for im in kept),
                **{s: sum(im.label == c and im.shown_split() == s for im in kept) for s in SPLITS},
            }
            for c in self.model.classes
        }
        assert stats["classes"] == counts, f"stats classes {stats['classes']} != {counts}"
        got = (stats["images"], stats["labeled"], stats["skipped"])
        want = (
            len(live),
            sum(im.label is not None for im in live),
            len(self.model.images) - len(live),
        )
        assert got == want, f"stats (images, labeled, skipped) {got} != {want}"

    def check_version(self, name: str) -> None:
        version = self.model.versions[name]
        on_disk = {}
        for im in self.model.images.values():
            on_disk.setdefault(im.hash, im.path)
        expect_written = {path: v for path, v in version["images"].items() if v[2] in on_disk}
        expect_missing = set(version["images"]) - set(expect_written)
        for fmt in ("imagefolder", "csv"):
            out = self.folder / f"export-{name}-{fmt}"
            code, text = self.cli(
                "export", self.path, str(out), "--format", fmt, "--version", name,
                "--include-unlabeled", "--include-excluded", "--overwrite", "--json",
            )  # fmt: skip
            assert code == 0, f"export --version {name} --format {fmt} exited {code}"
            report = json.loads(text)
            missing = {m["path"]: (m["label"], m["split"], m["hash"]) for m in report["missing"]}
            assert report["failed"] == [], f"{fmt}: failed {report['failed']}"
            assert set(missing) == expect_missing, (
                f"{fmt} {name}: missing {sorted(missing)}, expected {sorted(expect_missing)}"
            )
            for path in expect_missing:
                assert missing[path] == version["images"][path], (
                    f"{fmt} {name}: missing {path} as {missing[path]}, "
                    f"the version had {version['images'][path]}"
                )
            written = self._read_export(out, fmt)
            want = sorted((v[2], v[0], v[1]) for v in expect_written.values())
            assert sorted(written) == want, (
                f"{fmt} {name}: written (hash, label, split) "
                f"{sorted(set(written) ^ set(want))} differ"
            )
            manifest = json.loads((out / "labeldesk-export.json").read_text())
            assert manifest["classes"] == version["classes"] or fmt == "imagefolder", (
                f"{fmt} {name}: classes {manifest['classes']} != {version['classes']}"
            )
            code, text = self.cli("version", self.path, "verify", name, str(out), "--json")
            verdict = json.loads(text)
            assert verdict.get("intact") is True, f"verify {fmt} {name}: {verdict}"
            listed = {row["path"] for row in verdict["not_exported"]}
            assert listed == expect_missing, f"verify {fmt} {name}: not_exported {listed}"
            assert code == (0 if not expect_missing else 1), f"verify exit {code}: {verdict}"

    def _read_export(self, out: Path, fmt: str) -> list[tuple[str, str | None, str | None]]:
        rows = []
        if fmt == "csv":
            with open(out / "labels.csv", newline="") as f:
                for row in csv.DictReader(f):
                    data = (out / row["path"]).read_bytes()
                    assert blake(data) == row["content_hash"], row
                    rows.append((blake(data), row["label"] or None, row["split"] or None))
            return rows
        for file in out.rglob("*"):
            if not file.is_file() or file.name == "labeldesk-export.json":
                continue
            parts = file.relative_to(out).parts
            if parts[0] in SPLITS:
                label = None if parts[1] == "_unlabeled" else parts[1]
                rows.append((blake(file.read_bytes()), label, parts[0]))
            else:
                assert parts[0] == "_unlabeled", parts
                rows.append((blake(file.read_bytes()), None, None))
        return rows
