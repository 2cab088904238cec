"""Read LabelDesk's exports of one project with the tools people train with, and compare.

Not a test (it reads whatever exports it is given; the tests cover the cases it found):
the check behind README's *Reading an export in other tools*. Export the project in
every format first, with the images you want checked::

    for f in imagefolder csv parquet hf fiftyone labelstudio webdataset; do
        labeldesk export PROJECT EXPORTS/$f --format $f --include-unlabeled --include-excluded
    done
    python scripts/check_export_readers.py PROJECT EXPORTS

Each tool's reading is compared with the project as a multiset of (picture, label,
split): the picture is a digest of the first frame's decoded pixels (a GIF the ImageFolder
export wrote as a PNG is still its picture), the label None when unlabeled; an image
labeled without a split is expected in train, and Hugging Face's export puts unlabeled
images without one in train too. Tools: torchvision's ImageFolder (with the manifest's
classes, as README shows), ``datasets`` (imagefolder on the hf export, ``from_parquet``,
``from_csv``), ``webdataset`` (``.cls`` through ``classes.txt``, against the ``.json``),
pandas; FiftyOne's and Label Studio's files are read as those tools document them.
Prints one line per reader and exits 1 when any differs.
"""

from __future__ import annotations

import collections
import hashlib
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
from PIL import Image

import labeldesk as ld

Sample = tuple[str, str | None, str | None]  # (picture, label, split)
SPLITS = {"train": "train", "validation": "val", "test": "test"}  # datasets' names


def picture(data: bytes | Image.Image) -> str:
    image = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    image.seek(0)
    pixels = image.convert("RGB").tobytes() + repr(image.size).encode()
    return hashlib.md5(pixels).hexdigest()[:12]


def _text(value: object) -> str | None:
    return None if value is None or value == "" or pd.isna(value) else str(value)


class Check:
    def __init__(self, truth: collections.Counter[Sample]) -> None:
        self.truth, self.failed = truth, []

    def compare(self, name: str, got: Iterable[Sample], want=None) -> None:
        got, want = collections.Counter(got), self.truth if want is None else want
        if got == want:
            print(f"OK   {name}: {sum(got.values())} samples")
            return
        self.failed.append(name)
        print(f"FAIL {name}: extra {dict(got - want)}; missing {dict(want - got)}")


def torchvision_reads(ex: Path, classes: list[str]) -> list[Sample]:
    from torchvision.datasets import ImageFolder

    class ExportFolder(ImageFolder):  # README's recipe: the manifest's class numbers
        def find_classes(self, directory):
            return classes, {name: i for i, name in enumerate(classes)}

    got: list[Sample] = []
    for split in ("train", "val", "test"):
        folder = ExportFolder(str(ex / split), allow_empty=True)
        got += [(picture(Path(p).read_bytes()), classes[i], split) for p, i in folder.samples]
        got += [
            (picture(f.read_bytes()), None, split) for f in (ex / split / "_unlabeled").glob("*")
        ]
    return got + [(picture(f.read_bytes()), None, None) for f in (ex / "_unlabeled").glob("*")]


def datasets_reads(ex: Path) -> list[Sample]:
    import datasets

    datasets.disable_progress_bars()
    got: list[Sample] = []
    for name, split in datasets.load_dataset("imagefolder", data_dir=str(ex)).items():
        feature = split.features["label"]
        for row in split:
            label = row["label"]
            if isinstance(feature, datasets.ClassLabel):
                label = feature.int2str(label)
            got.append((picture(row["image"]), label, SPLITS[name]))
    return got


def table_reads(frame: pd.DataFrame, ex: Path) -> list[Sample]:
    return [
        (picture((ex / row.path).read_bytes()), _text(row.label), _text(row.split))
        for row in frame.itertuples()
    ]


def webdataset_reads(ex: Path, check: Check) -> list[Sample]:
    import webdataset as wds

    classes = (ex / "classes.txt").read_text(encoding="utf-8").splitlines()
    got: list[Sample] = []
    for shard in sorted(ex.glob("*.tar")):
        split = shard.name.split("-")[0]
        for sample in wds.WebDataset(str(shard), shardshuffle=False):
            image = [k for k in sample if k[:2] != "__" and k not in ("cls", "json")]
            record = json.loads(sample["json"])
            label = classes[int(sample["cls"])] if "cls" in sample else None
            if len(image) != 1 or label != record.get("label"):
                check.failed.append(f"webdataset sample {sample['__key__']}")
            got.append((picture(sample[image[0]]), label, None if split == "unassigned" else split))
    return got


def fiftyone_reads(ex: Path) -> list[Sample]:
    got: list[Sample] = []
    for part in sorted(p for p in ex.iterdir() if p.is_dir()):
        listed = json.loads((part / "labels.json").read_text(encoding="utf-8"))
        files = {
            f.with_suffix("").relative_to(part / "data").as_posix(): f
            for f in (part / "data").rglob("*")
            if f.is_file()
        }
        for key, value in listed["labels"].items():
            label = None if value is None else listed["classes"][value]
            split = None if part.name == "unassigned" else part.name
            got.append((picture(files[key].read_bytes()), label, split))
    return got


def labelstudio_reads(ex: Path) -> list[Sample]:
    got: list[Sample] = []
    for task in json.loads((ex / "tasks.json").read_text(encoding="utf-8")):
        file = ex / unquote(task["data"]["image"].split("?d=", 1)[1])
        annotations = task.get("annotations")
        label = annotations[0]["result"][0]["value"]["choices"][0] if annotations else None
        got.append((picture(file.read_bytes()), label, task["data"].get("split")))
    return got


def main(project_path: str, exports: str) -> int:
    ex = Path(exports)
    with ld.open_project(project_path) as project:
        frame = project.images(include_skipped=False)
        root = Path(project.root)
    truth: collections.Counter[Sample] = collections.Counter()
    for row in frame.itertuples():
        truth[(picture((root / row.path).read_bytes()), _text(row.label), _text(row.split))] += 1
    check = Check(truth)
    classes = json.loads((ex / "imagefolder/labeldesk-export.json").read_text())["classes"]
    check.compare("torchvision ImageFolder", torchvision_reads(ex / "imagefolder", classes))
    in_train = collections.Counter()
    for (key, label, split), n in truth.items():
        in_train[(key, label, split or "train")] += n
    check.compare("datasets imagefolder (hf export)", datasets_reads(ex / "hf"), in_train)
    csv = pd.read_csv(ex / "csv/labels.csv", dtype=str, keep_default_na=False)
    check.compare("pandas read_csv", table_reads(csv, ex / "csv"))
    check.compare(
        "pandas read_parquet",
        table_reads(pd.read_parquet(ex / "parquet/labels.parquet"), ex / "parquet"),
    )
    import datasets

    parquet = datasets.Dataset.from_parquet(str(ex / "parquet/labels.parquet")).to_pandas()
    check.compare("datasets from_parquet", table_reads(parquet, ex / "parquet"))
    strings = datasets.Features({c: datasets.Value("string") for c in csv.columns})
    from_csv = datasets.Dataset.from_csv(
        str(ex / "csv/labels.csv"), keep_default_na=False, features=strings
    )
    check.compare("datasets from_csv", table_reads(from_csv.to_pandas(), ex / "csv"))
    check.compare("webdataset", webdataset_reads(ex / "webdataset", check))
    check.compare("FiftyOne labels.json", fiftyone_reads(ex / "fiftyone"))
    check.compare("Label Studio tasks.json", labelstudio_reads(ex / "labelstudio"))
    print("differs:", ", ".join(check.failed) or "nothing")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
