"""Seeded-random fuzzing of ``labeldesk import``: a valid export of a small project in
each format LabelDesk reads, mutated (cut short, bytes flipped, values of the wrong type,
keys and rows written twice, hostile paths, huge numbers, BOMs, mixed newlines, empty
files), then imported through the command line.

Whatever the mutation, the import either succeeds or fails with LabelDesk's own error
(a kind other than InternalError, no traceback, no Python exception's name in the
message); a failed import leaves the project database as it was, and no import writes a
file outside the project: not beside its source, not in the image folder, not in HOME
(:func:`check_import`; a successful one leaves a sane project, :func:`sane_project`).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import random
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from helpers import make_imagefolder
from safety.project_dump import dump

from interop.import_fuzz_sources import (
    CASES,
    hf_metadata_as,
    json_lines_from_csv,
    label_studio_min,
    mutate_manifest,
)
from labeldesk.cli import main
from labeldesk.core.classes import class_name_problem, class_names
from labeldesk.core.db import DB_FILENAME
from labeldesk.core.project import open_project

# Names of Python's own exceptions (and the parsers' the importers use): a message that
# shows one leaked an exception that LabelDesk did not put in words
RAW_NAMES = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException) and name != "MemoryError"
} | {"JSONDecodeError", "ArrowInvalid", "ArrowTypeError", "ReadError", "TarError", "HeaderError"}
RAW_NAME = re.compile(r"\b(" + "|".join(sorted(RAW_NAMES)) + r")\b|Traceback|codec can't")


def make_exports(root: Path) -> tuple[Path, Path, Path]:
    """(project, image folder, exports): a small project, exported in every format it
    reads back, then relabeled a little so that importing an export changes labels."""
    images = root / "images"
    make_imagefolder(images)
    project = root / "proj"
    exports = root / "exports"
    assert _cli("new", str(project), "--images", str(images), "--workers", "1")[0] == 0
    for fmt in ["imagefolder", "hf", "parquet", "fiftyone", "labelstudio", "webdataset", "csv"]:
        out = exports / fmt
        code, doc, _ = _cli(
            "export", str(project), str(out), "--format", fmt, "--include-unlabeled"
        )
        assert code == 0, doc
    manifests = exports / "manifests"
    manifests.mkdir()
    json_lines_from_csv(exports / "csv/labels.csv", manifests / "labels.json", as_list=True)
    json_lines_from_csv(exports / "csv/labels.csv", manifests / "labels.jsonl", as_list=False)
    json_lines_from_csv(
        exports / "csv/labels.csv", manifests / "labels.tsv", as_list=False, sep="\t"
    )
    label_studio_min(exports / "labelstudio/tasks.json", manifests / "min.json")
    for kind in ("csv", "parquet"):
        hf_metadata_as(exports / "hf", exports / f"hf-{kind}", kind)
    for path, label in [("train/cat/cat0.jpg", "dog"), ("_unlabeled/u0.png", "cat")]:
        assert _cli("label", str(project), path, label)[0] == 0
    return project, images, exports


def _cli(*args: str, home: Path | None = None) -> tuple[int, dict, str]:
    """The command's exit status, JSON document and stderr (``home``: HOME meanwhile,
    with the XDG folders below it, so that what it writes there is seen)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _home(home):
        code = main([*args, "--json"])
    try:
        doc = json.loads(out.getvalue())
    except ValueError:
        doc = {"stdout": out.getvalue()}
    return code, doc, err.getvalue()


XDG = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


@contextlib.contextmanager
def _home(home: Path | None) -> Iterator[None]:
    if home is None:
        yield
        return
    names = ("HOME", *XDG)
    saved = {name: os.environ.get(name) for name in names}
    os.environ["HOME"] = str(home)
    for name in XDG:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def tree(folder: Path, *, leave_out: Path | None = None) -> dict[str, tuple]:
    """Every file and folder below ``folder`` (but ``leave_out``) with its size and time."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        if leave_out is not None and (here == leave_out or leave_out in here.parents):
            continue
        for name in dirnames + filenames:
            if here / name == leave_out:
                continue
            st = os.lstat(here / name)
            found[str((here / name).relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return found


@dataclass
class Fault:
    fmt: str
    seed: int | None
    mutation: str
    args: list[str]
    problem: str

    def __str__(self) -> str:
        return f"{self.fmt} seed {self.seed} ({self.mutation}): {self.problem}"


def sane_project(project: Path, images: int) -> str | None:
    """Why the project after a successful import is not sane, or None: it holds the
    images it held (an import adds none), each class's name is one a class may have, and
    every label names a class."""
    with open_project(project) as p:
        frame = p.images()
    with contextlib.closing(
        sqlite3.connect(f"file:{project / DB_FILENAME}?mode=ro", uri=True)
    ) as conn:
        names = class_names(conn)
        count = conn.execute("SELECT count(*) FROM images").fetchone()[0]
    if count != images:
        return f"{count} images after the import, {images} before"
    bad = [n for n in names if class_name_problem(n) is not None]
    if bad:
        return f"classes with names no class may have: {[n[:40] for n in bad]}"
    labels = {label for label in frame.label if isinstance(label, str)}
    if not labels <= set(names):
        return f"labels that name no class: {sorted(labels - set(names))[:5]}"
    return None


def check_import(
    case_root: Path,
    pristine: tuple[Path, Path],
    fmt: str,
    seed: int | None,
    *,
    command: str = "import",
) -> tuple[Fault | None, dict]:
    """One fuzz case: copy the project and the exports into ``case_root``, mutate this
    format's source with ``seed`` (None: as exported), import it (``command``: "label",
    with ``label --csv``); (the fault found, or None; the command's JSON document)."""
    project0, exports0 = pristine
    project = case_root / "proj"
    shutil.copytree(project0, project, ignore=shutil.ignore_patterns("thumbs"))  # (unused)
    exports = case_root / "exports"
    relative, named, mutate = CASES[fmt]
    top = relative.split("/")[0]
    shutil.copytree(exports0 / top, exports / top, symlinks=True)
    target = exports / relative
    rng = random.Random(f"{fmt}-{seed}")
    manifest = (target if target.is_dir() else target.parent) / "labeldesk-export.json"
    if seed is None:
        mutation = "none"
    elif manifest.is_file() and rng.random() < 0.3:
        mutation = "manifest: " + mutate_manifest(rng, manifest)
    else:
        mutation = mutate(rng, target)
    if command == "label":
        args = ["label", str(project), "--csv", str(target)]
        args += ["--new-class"] if rng.random() < 0.3 else []
    else:
        args = ["import", str(project), str(target)]
        args += ["--format", named] if rng.random() < 0.5 else []
        args += [flag for flag in ("--skip-bad-rows", "--new-class") if rng.random() < 0.3]
    home = case_root / "home"  # (what the command writes there is outside the project)
    home.mkdir()
    before, outside = dump(project), tree(case_root, leave_out=project)
    code, doc, err = _cli(*args, home=home)
    fault = None
    if code == 0:
        if not isinstance(doc.get("applied"), int) or doc["applied"] < 0:
            fault = f"succeeded without a count of what it applied: {doc}"
        else:
            fault = sane_project(project, len(before["images"]))
    elif doc.get("kind") in (None, "InternalError", "MemoryError"):
        fault = f"{doc.get('kind')}: {doc}"
    elif RAW_NAME.search(str(doc.get("error"))):
        fault = f"a raw Python error in the message: {doc['error'][:500]!r}"
    elif dump(project) != before:
        fault = f"failed ({doc['error'][:200]!r}) but changed the project database"
    if fault is None and "Traceback" in err:
        fault = f"a traceback on stderr: {err[-800:]}"
    if fault is None and tree(case_root, leave_out=project) != outside:
        new = tree(case_root, leave_out=project)
        changed = sorted(set(new.items()) ^ set(outside.items()))
        fault = f"wrote outside the project: {changed[:5]}"
    return (Fault(fmt, seed, mutation, args, fault) if fault else None), doc
