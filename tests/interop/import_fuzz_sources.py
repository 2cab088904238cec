"""The label sources of the import fuzz (:mod:`interop.import_fuzz`), one per format
LabelDesk reads, and their mutations beyond the bytes (:mod:`interop.import_fuzz_text`):
JSON values of another type, keys added or written twice, the export's manifest, Parquet
columns, WebDataset shard members, class folders."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import tarfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from interop.import_fuzz_text import (
    HOSTILE_LABELS,
    HOSTILE_PATHS,
    ODD_VALUES,
    empty,
    flip,
    mutate_text,
    truncate,
)


def _nodes(value: object, at: tuple = ()) -> list[tuple]:
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nodes(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _nodes(item, (*at, i))
    return found


def _set(value: object, at: tuple, new: object) -> object:
    if not at:
        return new
    parent = value
    for step in at[:-1]:
        parent = parent[step]  # type: ignore[index]
    parent[at[-1]] = new  # type: ignore[index]
    return value


# Keys the importers and the export manifest's readers look for
KEYS = [
    "path", "label", "split", "status", "no_split", "data", "image", "value", "choices",
    "predictions", "annotations", "result", "from_name", "id", "annotation_id", "updated_at",
    "created_at", "was_cancelled", "labels", "classes", "files", "renamed", "image_root",
    "project", "image_hashes", "gif_as_png", "format", "file_name", "size", "sha256", "type",
]  # fmt: skip
TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-02-30", "Z", "NaN"]


def mutate_json(rng: random.Random, value: object) -> tuple[str, str]:
    """JSON text of ``value`` with one node replaced by a value of another type or a
    hostile string, a key added with an odd value, a list item repeated, or an object's
    key written twice."""
    nodes = _nodes(value)
    leaves = [a for a in nodes if not isinstance(_get(value, a), dict | list)]
    at = rng.choice(leaves if leaves and rng.random() < 0.7 else nodes)
    how = rng.choice(["odd", "hostile", "hostile", "add", "repeat", "twice"])
    objects = [a for a in nodes if isinstance(_get(value, a), dict)]
    if how == "add" and objects:
        where = rng.choice(objects)
        key = rng.choice(KEYS)
        new = rng.choice([*ODD_VALUES, *TIMES, *HOSTILE_PATHS[:6], [[1]], [{"path": 1}]])
        _get(value, where)[key] = new  # type: ignore[index]
        return json.dumps(value), f"{where}[{key!r}] = {str(new)[:40]!r}"
    if how == "odd":
        new = rng.choice(ODD_VALUES)
        return json.dumps(_set(value, at, new)), f"{at} → {new!r}"
    if how == "hostile":
        new = rng.choice(HOSTILE_PATHS + HOSTILE_LABELS)
        return json.dumps(_set(value, at, new)), f"{at} → {new[:40]!r}"
    lists = [a for a in _nodes(value) if isinstance(_get(value, a), list) and _get(value, a)]
    if how == "repeat" and lists:
        where = rng.choice(lists)
        items = _get(value, where)
        items.append(items[rng.randrange(len(items))])  # type: ignore[union-attr]
        return json.dumps(value), f"{where}: an item repeated"
    text = json.dumps(value)
    keys = list(re.finditer(r'"([^"\\]{1,40})": ', text))
    if not keys:
        return text, "no keys"
    m = rng.choice(keys)
    twice = f'"{m.group(1)}": {json.dumps(rng.choice(ODD_VALUES))}, '
    return text[: m.start()] + twice + text[m.start() :], f"key {m.group(1)!r} written twice"


def _get(value: object, at: tuple) -> object:
    for step in at:
        value = value[step]  # type: ignore[index]
    return value


# The manifest's entries that reading an export's rows back looks at
MANIFEST_KEYS = [
    "files", "renamed", "image_root", "project", "image_hashes", "gif_as_png", "no_split",
    "format", "classes", "manifest_version",
]  # fmt: skip


def mutate_manifest(rng: random.Random, path: Path) -> str:
    """The export's manifest (labeldesk-export.json), which leads rows back to the
    project's paths: a value of its own, or one inside a list or object of it, of another
    type; or its text mutated."""
    if rng.random() < 0.2:
        return text_file(json_text=True)(rng, path)
    manifest = json.loads(path.read_bytes())
    key = rng.choice(MANIFEST_KEYS if rng.random() < 0.7 else [*manifest, *KEYS])
    new = rng.choice([*ODD_VALUES, *HOSTILE_PATHS[:6], [[1]], [{"path": [1]}], {"x": [1]}])
    inner = manifest.get(key)
    if isinstance(inner, list) and inner and rng.random() < 0.7:
        i = rng.randrange(len(inner))
        if isinstance(inner[i], dict) and inner[i] and rng.random() < 0.7:
            field = rng.choice(list(inner[i]))
            inner[i][field] = new
            what = f"{key}[{i}][{field!r}] = {str(new)[:40]!r}"
        else:
            inner[i] = new
            what = f"{key}[{i}] = {str(new)[:40]!r}"
    elif isinstance(inner, dict) and inner and rng.random() < 0.7:
        field = rng.choice(list(inner))
        inner[rng.choice([field, str(new)[:20]])] = new
        what = f"{key}[{field!r}] or a new key = {str(new)[:40]!r}"
    else:
        manifest[key] = new
        what = f"{key} = {str(new)[:40]!r}"
    path.write_text(json.dumps(manifest))
    return what


def text_file(json_text: bool, jsonl: bool = False) -> Callable[[random.Random, Path], str]:
    """A mutation of a text file: as text, or (half the time, for JSON) as parsed JSON."""

    def mutate(rng: random.Random, path: Path) -> str:
        data = path.read_bytes()
        if json_text and rng.random() < 0.5:
            if jsonl:
                lines = data.decode().splitlines()
                i = rng.randrange(len(lines))
                text, what = mutate_json(rng, json.loads(lines[i]))
                lines[i] = text
                path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
                return f"line {i}: {what}"
            text, what = mutate_json(rng, json.loads(data))
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            return what
        new, what = mutate_text(rng, data, json_text=json_text)
        path.write_bytes(new)
        return what

    return mutate


def in_folder(name: str, mutate: Callable[[random.Random, Path], str]):
    """A mutation of one of the files named ``name`` below a folder."""

    def inside(rng: random.Random, folder: Path) -> str:
        files = sorted(folder.rglob(name))
        chosen = rng.choice(files)
        return f"{chosen.relative_to(folder)}: {mutate(rng, chosen)}"

    return inside


def flip_footer(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Bits flipped in a Parquet file's footer (its schema, names and offsets), which
    flips anywhere in the file seldom reach."""
    size = int.from_bytes(data[-8:-4], "little") if len(data) >= 12 else 0
    start = max(4, len(data) - 8 - size)
    buf = bytearray(data)
    places = [rng.randrange(start, len(data) - 8) for _ in range(rng.randint(1, 3))]
    for at in places:
        buf[at] ^= 1 << rng.randrange(8)
    return bytes(buf), f"footer bits flipped at {places}"


def mutate_parquet(rng: random.Random, path: Path) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if rng.random() < 0.4:
        new, what = rng.choice([truncate, flip, empty, flip_footer])(rng, path.read_bytes())
        path.write_bytes(new)
        return what
    table = pq.read_table(path)
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    name = rng.choice(list(columns))
    how = rng.choice(["hostile", "type", "repeat", "null", "drop"])
    if how == "hostile":
        i = rng.randrange(table.num_rows)
        new = rng.choice(HOSTILE_PATHS + HOSTILE_LABELS)
        columns[name] = [str(v) if v is not None else None for v in columns[name]]
        columns[name][i] = new.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        what = f"{name}[{i}] → {new[:40]!r}"
    elif how == "type":
        kind = rng.choice(
            [
                [1] * table.num_rows,
                [2**62] * table.num_rows,
                [1.5e308] * table.num_rows,
                [b"\xff"] * table.num_rows,
                [True] * table.num_rows,
            ]
        )
        columns[name] = kind
        what = f"{name} as {type(kind[0]).__name__}"
    elif how == "repeat":
        for key in columns:
            columns[key] = columns[key] + columns[key][:3]
        what = "rows repeated"
    elif how == "null":
        columns[name] = [None] * table.num_rows
        what = f"{name} all null"
    else:
        del columns[name]
        what = f"{name} dropped"
    pq.write_table(pa.table(columns), path)
    return what


def mutate_tar(rng: random.Random, path: Path) -> str:
    """A WebDataset shard: its bytes mutated, or a member's text, or members renamed or
    written twice."""
    data = path.read_bytes()
    if rng.random() < 0.3:
        new, what = rng.choice([truncate, flip, empty])(rng, data)
        path.write_bytes(new)
        return what
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]
    i = rng.randrange(len(members))
    member, content = members[i]
    how = rng.choice(["text", "text", "rename", "twice"])
    if how == "text" and not member.name.endswith((".jpg", ".png")):
        content, what = mutate_text(rng, content, json_text=member.name.endswith(".json"))
        members[i] = (member, content)
    elif how == "rename":
        new = rng.choice(HOSTILE_PATHS)
        member.name = new.encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace(
            "\x00", ""
        ) + rng.choice([".json", ".cls", ".jpg", ""])
        what = f"member {i} renamed {member.name[:40]!r}"
    else:
        members.insert(rng.randrange(len(members)), (member, content))
        what = f"member {member.name} twice"
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for m, c in members:
            m.size = len(c)
            tar.addfile(m, io.BytesIO(c))
    path.write_bytes(out.getvalue())
    return what if how != "text" or not member.name.endswith((".jpg", ".png")) else "as it was"


def mutate_class_folders(rng: random.Random, folder: Path) -> str:
    """An ImageFolder export: files and folders with hostile names added, a file emptied
    or cut short, a class folder renamed to another Unicode form."""
    images = sorted(p for p in folder.rglob("*") if p.suffix in (".jpg", ".png"))
    how = rng.choice(["name", "empty", "cut", "nfd", "link"])
    image = rng.choice(images)
    if how == "name":
        name = rng.choice(["x" * 300 + ".jpg", "\u202egpj.exe", " .jpg", "a\nb.jpg", "-.png"])
        try:
            shutil.copy(image, image.parent / name)
        except OSError:
            return "name refused by the file system"
        return f"copy named {name[:40]!r}"
    if how == "empty":
        image.write_bytes(b"")
        return f"{image.name} emptied"
    if how == "cut":
        data = image.read_bytes()
        image.write_bytes(data[: rng.randrange(len(data))])
        return f"{image.name} cut short"
    if how == "nfd":
        cls = image.parent
        cls.rename(cls.with_name(unicodedata.normalize("NFD", "caté")))
        return f"{cls.name} renamed caté (NFD)"
    (image.parent / "outside.jpg").symlink_to("/etc/hostname")
    return "a link to a file outside"


def json_lines_from_csv(csv_file: Path, out: Path, *, as_list: bool, sep: str = "") -> Path:
    """The CSV export's path and label columns as another manifest (JSON, JSONL, TSV)."""
    with csv_file.open(newline="") as f:
        rows = [{"path": r["path"], "label": r["label"] or None} for r in csv.DictReader(f)]
    if sep:
        out.write_text("".join(f"{r['path']}{sep}{r['label'] or ''}\n" for r in rows))
        out.write_text("path\tlabel\n" + out.read_text())
    elif as_list:
        out.write_text(json.dumps(rows, indent=1))
    else:
        out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def hf_metadata_as(folder: Path, out: Path, kind: str) -> Path:
    """A copy of the Hugging Face export ``folder`` whose metadata.jsonl files are
    metadata.csv or metadata.parquet (``kind``), as other tools write them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.copytree(folder, out)
    for jsonl in sorted(out.rglob("metadata.jsonl")):
        rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
        columns = {key: [row.get(key) for row in rows] for key in rows[0]}
        if kind == "csv":
            with (jsonl.parent / "metadata.csv").open("w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(columns)
                writer.writerows([["" if v is None else v for v in row.values()] for row in rows])
        else:
            table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
            pq.write_table(table, jsonl.parent / "metadata.parquet")
        jsonl.unlink()
    return out


def label_studio_min(tasks: Path, out: Path) -> Path:
    """Label Studio's JSON-MIN shape for the export's annotated tasks."""
    items = []
    for i, task in enumerate(json.loads(tasks.read_text())):
        for annotation in task.get("annotations", []):
            choice = annotation["result"][0]["value"]["choices"][0]
            item = {"image": task["data"]["image"], "id": i + 1, "choice": choice}
            items.append({**item, "annotator": 1, "annotation_id": i + 1, "lead_time": 2.5})
    out.write_text(json.dumps(items, indent=1))
    return out


# What each format's fuzz case imports (relative to the copy of the exports) and how it
# mutates it; the format named with --format half the time (None: always detected)
CASES: dict[str, tuple[str, str | None, Callable[[random.Random, Path], str]]] = {
    "csv": ("csv/labels.csv", "csv", text_file(json_text=False)),
    "tsv": ("manifests/labels.tsv", "tsv", text_file(json_text=False)),
    "json": ("manifests/labels.json", "json", text_file(json_text=True)),
    "jsonl": ("manifests/labels.jsonl", "jsonl", text_file(json_text=True, jsonl=True)),
    "parquet": ("parquet/labels.parquet", "parquet", mutate_parquet),
    "hf": ("hf", "hf", in_folder("metadata.jsonl", text_file(json_text=True, jsonl=True))),
    "hf-csv": ("hf-csv", "hf", in_folder("metadata.csv", text_file(json_text=False))),
    "hf-parquet": ("hf-parquet", "hf", in_folder("metadata.parquet", mutate_parquet)),
    "fiftyone": ("fiftyone", "fiftyone", in_folder("labels.json", text_file(json_text=True))),
    "labelstudio": ("labelstudio/tasks.json", "labelstudio", text_file(json_text=True)),
    "labelstudio-min": ("manifests/min.json", "labelstudio", text_file(json_text=True)),
    "webdataset": ("webdataset", "webdataset", in_folder("*.tar", mutate_tar)),
    "imagefolder": ("imagefolder", "imagefolder", mutate_class_folders),
}
