"""Run LabelDesk's writing commands against a disk that really fills up, and print what
each did.

Needs root (it mounts small tmpfs file systems, ``mount -t tmpfs -o size=…``, and unmounts
them whatever happens). For each scenario the project folder, an export target, the image
folder or the model cache is put on such a mount, a ballast file fills it until only a
chosen number of bytes is free, and the command runs. Then it checks what the data-safety
rules promise:

- the message: exit ≠ 0, ``"kind": "DiskFull"``, it says "no space" and names a path; no
  traceback on stderr;
- the project: its dump (tests/safety/project_dump.py) the same as before the command;
- leftovers: files the failed command made on the mount (SQLite's own ``-wal``/``-shm``
  aside) are listed, and a file that was there before and changed is listed too; not
  faults, but noted: whole thumbnails (a cache keyed by content), the finished batches
  ``embed`` keeps (as after Ctrl+C), and a torn tail of ``vectors.f16`` (vectors whose
  keys were never written: never read, cut by the next writer);
- after the ballast is removed, the same command succeeds, and no temporary (``.tmp-…``,
  ``….partial-…``) or run marker (``.labeldesk-run``) is left on the mount.

A run that had room enough is reported as ``fit`` (with ``embed``'s runtime: a full model
cache falls back to PyTorch). Usage (from the repository root)::

    sudo .venv/bin/python benchmarks/full_disk_tour.py [SCENARIO ...] [--work DIR]

Scenarios are named below (``--list``); the default runs them all (about 35 minutes on a
busy two-core machine, most of it embedding and fine-tuning). The images are a copy of
half of sample_data/fashion (300 images). The app's side: benchmarks/full_disk_gui.sh.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.safety.project_dump import dump  # noqa: E402

LABELDESK = [sys.executable, "-m", "labeldesk"]
BALLAST = "ballast.bin"
SQLITE_OWN = ("-wal", "-shm", "-journal")


@contextlib.contextmanager
def tmpfs(where: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of ``megabytes`` mounted at ``where``, unmounted on the way out."""
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)], check=True
    )
    try:
        yield where
    finally:
        for _ in range(20):
            if subprocess.run(["umount", str(where)], capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        else:
            subprocess.run(["umount", "-l", str(where)], check=False)


def fill(mount: Path, leave: int) -> Path:
    """Write a ballast file until ``leave`` bytes are free on ``mount``."""
    ballast = mount / BALLAST
    block = b"\0" * (1 << 20)
    with ballast.open("wb") as out:
        while True:
            st = os.statvfs(mount)
            free = st.f_bavail * st.f_frsize
            want = free - leave
            if want <= 0:
                break
            out.write(block[: min(len(block), want)])
            out.flush()
            os.fsync(out.fileno())
    return ballast


def free_bytes(mount: Path) -> int:
    st = os.statvfs(mount)
    return st.f_bavail * st.f_frsize


def files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (ballast aside): path → (size, mtime_ns)."""
    found = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath, name)
            if name == BALLAST:
                continue
            with contextlib.suppress(OSError):
                st = path.lstat()
                found[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return found


@dataclass
class Run:
    rc: int
    doc: object
    stderr: str
    seconds: float


def labeldesk(args: list[str], env: dict[str, str] | None = None) -> Run:
    started = time.monotonic()
    done = subprocess.run(
        [*LABELDESK, *args, "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    try:
        doc = json.loads(done.stdout) if done.stdout.strip() else None
    except json.JSONDecodeError:
        doc = {"unparsed": done.stdout[-400:]}
    return Run(done.returncode, doc, done.stderr, time.monotonic() - started)


@dataclass
class Place:
    """Where a scenario's files are: the mount, the work folder, and what it made."""

    mount: Path
    work: Path
    project: Path | None = None
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Scenario:
    name: str
    on_mount: str  # project, target, images, cache
    prepare: Callable[[Place], list[str]]  # puts things in place, returns the command
    leaves: tuple[int, ...]  # bytes left free for each run
    megabytes: int = 20
    after: Callable[[Place], None] | None = None  # undoes prepare's outside changes
    # keeps what it finished (embed: its batches, made the project's embeddings): the
    # project may differ after a failure, and the rerun must finish the work
    keeps_progress: bool = False


# ---- the data each scenario starts from (made once, on the ordinary disk) ----


class Templates:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.images = work / "images"
        self.extra = work / "extra"
        self.scan_images = work / "scan_images"
        self.runtime_cache = work / "runtime_cache"
        self.env = {"LABELDESK_RUNTIME_CACHE": str(self.runtime_cache)}

    def project(self, name: str) -> Path:
        return self.work / "templates" / name

    def build(self) -> None:
        if (self.work / "templates" / "done").exists():
            return
        shutil.rmtree(self.work / "templates", ignore_errors=True)
        self._images()
        t = self.work / "templates"
        t.mkdir(parents=True)
        self._ok(["new", str(t / "new"), "--images", str(self.images)])
        self._ok(["new", str(t / "scan"), "--images", str(self.scan_images)])
        shutil.copytree(t / "new", t / "embedded")
        self._ok(["embed", str(t / "embedded")])
        shutil.copytree(t / "embedded", t / "trained")
        self._ok(["train", str(t / "trained"), "--epochs", "20"])
        self._ok(["version", str(t / "trained"), "create", "v1"])
        first = sorted((self.images / "train" / "bag").iterdir())[0]
        rel = first.relative_to(self.images).as_posix()
        self._ok(["label", str(t / "trained"), rel, "coat"])
        (t / "done").touch()

    def _ok(self, args: list[str]) -> None:
        run = labeldesk(args, self.env)
        if run.rc != 0:
            raise SystemExit(f"setting up failed: {args}: {run.doc} {run.stderr[-800:]}")

    def _images(self) -> None:
        from PIL import Image

        source = REPO / "sample_data" / "fashion"
        for target in (self.images, self.scan_images):
            shutil.rmtree(target, ignore_errors=True)
            for folder in sorted(p for p in source.rglob("*") if p.is_dir()):
                pngs = sorted(folder.glob("*.png"))
                for png in pngs[: (len(pngs) + 1) // 2]:
                    out = target / png.relative_to(source)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(png, out)
        shutil.rmtree(self.extra, ignore_errors=True)
        self.extra.mkdir(parents=True)
        import random

        rng = random.Random(7)
        for i in range(60):  # new images: noise of a few shades, as a scan or drift meets
            pixels = bytes(rng.randrange(256) // 32 * 32 for _ in range(64 * 64))
            Image.frombytes("L", (64, 64), pixels).save(self.extra / f"new-{i:03d}.png")


def csv_file(tpl: Templates, path: Path, label: str) -> Path:
    rows = sorted(p.relative_to(tpl.images).as_posix() for p in tpl.images.rglob("*.png"))
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["path", "label"])
        for rel in rows[:150]:
            writer.writerow([rel, label])
    return path


def scenarios(tpl: Templates) -> list[Scenario]:
    def project_copy(name: str) -> Callable[[Place], Path]:
        def put(place: Place) -> Path:
            place.project = place.mount / "proj"
            shutil.copytree(tpl.project(name), place.project)
            return place.project

        return put

    def on_project(template: str, *args: str) -> Callable[[Place], list[str]]:
        def prepare(place: Place) -> list[str]:
            project = project_copy(template)(place)
            return [a.replace("{P}", str(project)).replace("{W}", str(place.work)) for a in args]

        return prepare

    def local_project(template: str, *args: str) -> Callable[[Place], list[str]]:
        def prepare(place: Place) -> list[str]:
            place.project = place.work / "proj"
            shutil.rmtree(place.project, ignore_errors=True)
            shutil.copytree(tpl.project(template), place.project)
            return [
                a.replace("{P}", str(place.project)).replace("{M}", str(place.mount)) for a in args
            ]

        return prepare

    def new_project(place: Place) -> list[str]:
        return ["new", str(place.mount / "proj"), "--images", str(tpl.images)]

    def scan(place: Place) -> list[str]:
        project = project_copy("scan")(place)
        for png in tpl.extra.iterdir():
            shutil.copy2(png, tpl.scan_images / "_unlabeled" / png.name)
        return ["scan", str(project)]

    def scan_after(place: Place) -> None:
        for png in tpl.extra.iterdir():
            (tpl.scan_images / "_unlabeled" / png.name).unlink(missing_ok=True)

    def label_csv(place: Place) -> list[str]:
        project = project_copy("embedded")(place)
        fixes = csv_file(tpl, place.work / "fixes.csv", "coat")
        return ["label", str(project), "--csv", str(fixes)]

    def import_file(place: Place) -> list[str]:
        project = project_copy("embedded")(place)
        file = csv_file(tpl, place.work / "other_tool.csv", "shirt")
        return ["import", str(project), str(file)]

    def model_cache(place: Place) -> list[str]:
        place.env = {"LABELDESK_RUNTIME_CACHE": str(place.mount / "cache")}
        return local_project("new", "embed", "{P}")(place)

    def images_on_disk(place: Place) -> list[str]:
        shutil.copytree(tpl.images, place.mount / "images")
        place.project = place.work / "proj"
        shutil.rmtree(place.project, ignore_errors=True)
        return ["new", str(place.project), "--images", str(place.mount / "images")]

    def project_in_images(place: Place) -> list[str]:
        shutil.copytree(tpl.images, place.mount / "images")
        return [
            "new",
            str(place.mount / "images" / "_project"),
            "--images",
            str(place.mount / "images"),
        ]

    found = [
        Scenario("new", "project", new_project, (0, 200_000, 1_500_000)),
        Scenario("scan", "project", scan, (0, 30_000, 150_000), after=scan_after),
        Scenario(
            "embed",
            "project",
            on_project("new", "embed", "{P}"),
            (0, 300_000, 900_000),
            keeps_progress=True,
        ),
        Scenario("label-csv", "project", label_csv, (0, 40_000)),
        Scenario("import", "project", import_file, (0, 40_000)),
        Scenario("issues", "project", on_project("embedded", "issues", "{P}"), (0, 30_000)),
        Scenario(
            "train-head",
            "project",
            on_project("embedded", "train", "{P}", "--epochs", "20"),
            (0, 60_000),
        ),
        Scenario(
            "finetune",
            "project",
            on_project(
                "embedded", "train", "{P}", "--mode", "finetune", "--epochs", "1", "--no-reembed"
            ),
            (300_000, 4_000_000),
            megabytes=40,
        ),
        Scenario(
            "version-create",
            "project",
            on_project("trained", "version", "{P}", "create", "v2"),
            (0, 20_000),
        ),
        Scenario("undo", "project", on_project("trained", "undo", "{P}"), (0,)),
        Scenario("redo", "project", lambda p: _undone(p, project_copy("trained")), (0,)),
        Scenario(
            "drift-project",
            "project",
            on_project("embedded", "drift", "{P}", "--images", str(tpl.extra)),
            (0, 40_000),
        ),
        Scenario(
            "drift-html",
            "target",
            local_project(
                "embedded", "drift", "{P}", "--images", str(tpl.extra), "--html", "{M}/report.html"
            ),
            (0, 100_000),
        ),
        Scenario("model-cache", "cache", model_cache, (1_000_000, 12_000_000), megabytes=64),
        Scenario("images-full", "images", images_on_disk, (0,)),
        Scenario("project-in-images", "images", project_in_images, (0, 400_000)),
        Scenario(
            "version-export",
            "target",
            local_project(
                "trained", "export", "{P}", "{M}/out", "--format", "imagefolder", "--version", "v1"
            ),
            (0, 400_000),
        ),
    ]
    for fmt in ("imagefolder", "csv", "parquet", "hf", "fiftyone", "labelstudio", "webdataset"):
        found.append(
            Scenario(
                f"export-{fmt}",
                "target",
                local_project("trained", "export", "{P}", "{M}/out", "--format", fmt),
                (0, 60_000, 500_000),
            )
        )
    return found


def _judged(scenario: Scenario, run: Run, before: dict, after: dict, mount: Path) -> list[str]:
    """The faults of a failed run: its message, a traceback, what it left or changed."""
    faults = []
    message, kind = message_of(run)
    if kind != "DiskFull" or "no space" not in message or "/" not in message:
        faults.append(f"message: {kind}: {message[:300]}")  # (a path names the disk)
    if "Traceback" in run.stderr:
        faults.append("traceback: " + run.stderr[-1500:])
    made, notes = _sorted_out(
        mount,
        sorted(p for p in set(after) - set(before) if not p.endswith(SQLITE_OWN)),
        scenario.keeps_progress,
    )
    changed = sorted(
        p
        for p in set(before) & set(after)
        if before[p] != after[p] and not p.endswith((*SQLITE_OWN, "labeldesk.db"))
    )
    torn = [p for p in changed if p.endswith("vectors.f16")]
    if torn:  # the vectors of a batch whose keys were never written: never read
        notes.append("vectors.f16 grew by a torn tail (cut by its next writer)")
        changed = [p for p in changed if p not in torn]
    gone = sorted(p for p in set(before) - set(after) if not p.endswith(SQLITE_OWN))
    if made:
        faults.append(f"left {len(made)} new file(s): {made[:8]}")
    if changed:
        faults.append(f"changed {len(changed)} file(s): {changed[:8]}")
    if gone:
        faults.append(f"removed {len(gone)} file(s): {gone[:8]}")
    for note in notes:
        print(f"{'':<20} note: {note}", flush=True)
    return faults


def _sorted_out(mount: Path, made: list[str], keeps_progress: bool) -> tuple[list[str], list[str]]:
    """The new files that are faults, and notes on those that are not: whole thumbnails
    (a cache keyed by content: a later run reads them as they are), and the finished
    embedding batches of a command that keeps them."""
    from PIL import Image

    faults, thumbs, kept = [], 0, 0
    for rel in made:
        parts = Path(rel).parts
        if "thumbs" in parts and rel.endswith(".jpg"):
            try:
                with Image.open(mount / rel) as image:
                    image.load()
                thumbs += 1
                continue
            except OSError:
                pass  # cut short: a later run would read it
        if keeps_progress and "embeddings" in parts and not Path(rel).name.startswith("."):
            kept += 1
            continue
        faults.append(rel)
    notes = [f"{thumbs} whole thumbnail(s) kept (a cache)"] if thumbs else []
    notes += [f"{kept} file(s) of the finished embedding batches kept"] if kept else []
    return faults, notes


def _temporaries(mount: Path) -> list[str]:
    """What LabelDesk names a file or folder it is still writing, or a run's marker."""
    found = []
    for dirpath, dirs, names in os.walk(mount):
        for name in [*dirs, *names]:
            if (
                name.startswith(".tmp-")
                or ".partial-" in name
                or name.endswith(".tmp")
                or name == ".labeldesk-run"
            ):
                found.append(str(Path(dirpath, name).relative_to(mount)))
    return found


def _undone(place: Place, put: Callable[[Place], Path]) -> list[str]:
    project = put(place)
    run = labeldesk(["undo", str(project)])
    if run.rc != 0:
        raise SystemExit(f"undo before redo failed: {run.doc}")
    return ["redo", str(project)]


# ---- one run ----


def message_of(run: Run) -> tuple[str, str]:
    if isinstance(run.doc, dict) and "error" in run.doc:
        return str(run.doc["error"]), str(run.doc.get("kind"))
    return "", ""


def tour(scenario: Scenario, leave: int, tpl: Templates, mnt: Path) -> list[str]:
    """Run ``scenario`` once with ``leave`` bytes free; the faults found."""
    work = tpl.work / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    faults: list[str] = []
    with tmpfs(mnt, scenario.megabytes) as mount:
        place = Place(mount, work, env=dict(tpl.env))
        try:
            command = scenario.prepare(place)
            before_dump = (
                dump(place.project)
                if place.project and (place.project / "labeldesk.db").exists()
                else None
            )
            before = files(mount)
            fill(mount, leave)
            free = free_bytes(mount)
            first = labeldesk(command, place.env)
            after = files(mount)
            message, kind = message_of(first)
            line = f"{scenario.name:<20} free {free:>9,} B  rc {first.rc}  {first.seconds:5.1f} s"
            if first.rc == 0:
                runtime = first.doc.get("runtime") if isinstance(first.doc, dict) else None
                print(f"{line}  fit" + (f" (runtime {runtime})" if runtime else ""), flush=True)
            else:
                print(f"{line}  {kind}: {message[:400]}", flush=True)
                faults += _judged(scenario, first, before, after, mount)
                if before_dump is not None and not scenario.keeps_progress:
                    after_dump = dump(place.project)
                    differ = [t for t in after_dump if after_dump[t] != before_dump.get(t)]
                    if differ:
                        faults.append(f"project changed in tables {differ}")
            (mount / BALLAST).unlink(missing_ok=True)
            if first.rc != 0:
                again = labeldesk(command, place.env)
                if again.rc != 0:
                    faults.append(
                        f"after freeing space: rc {again.rc}: {message_of(again)}"
                        f" {again.stderr[-600:]}"
                    )
                else:
                    print(f"{'':<20} after freeing space: ok ({again.seconds:.1f} s)")
            left = _temporaries(mount)
            if left:  # after the rerun too: nothing half-written stays for good
                faults.append(f"temporaries left after both runs: {left[:8]}")
        finally:
            if scenario.after:
                scenario.after(place)
    for fault in faults:
        print(f"{'':<20} FAULT {fault}", flush=True)
    return faults


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="scenarios to run (default: all)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/labeldesk-full-disk-tour"))
    parser.add_argument("--mount", type=Path, help="mount point (default: WORK/mnt)")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    tpl = Templates(args.work)
    chosen = scenarios(tpl)
    if args.list:
        print("\n".join(f"{s.name} ({s.on_mount})" for s in chosen))
        return 0
    if args.names:
        chosen = [s for s in chosen if s.name in args.names]
    if os.geteuid() != 0:
        print("needs root, to mount tmpfs file systems", file=sys.stderr)
        return 2
    tpl.build()
    faults = 0
    for scenario in chosen:
        for leave in scenario.leaves:
            faults += len(tour(scenario, leave, tpl, args.mount or args.work / "mnt"))
    print(f"{faults} fault(s)")
    return 1 if faults else 0


if __name__ == "__main__":
    raise SystemExit(main())
