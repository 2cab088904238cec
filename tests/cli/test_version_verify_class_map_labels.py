"""`version verify` of an export written with `--class-map cat=feline`: a row whose
label is the version's own class, the one the map renames (``cat`` where the export
wrote ``feline``: the map not applied, or the file edited back), read "cat (train); the
version: …, feline (train)" as any other wrong label does, though the version says
``cat``. It now says that the label is the version's class before the map renamed it
(``before_class_map`` in --json), and a label that is no name of the version's class is
reported as before."""

from __future__ import annotations

import csv
import json

from labeldesk.cli import main


def test_a_label_the_class_map_renames_is_told_from_a_wrong_label(project, tmp_path, capsys):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    args = ["export", path, str(out), "--version", "v1", "--format", "csv"]
    assert main([*args, "--class-map", "cat=feline"]) == 0
    file = out / "labels.csv"
    rows = list(csv.reader(file.open(newline="")))
    feline = [i for i, r in enumerate(rows) if r[1] == "feline"]
    dog = next(i for i, r in enumerate(rows) if r[1] == "dog")
    rows[feline[0]][1] = "cat"  # the version's own name for it
    rows[feline[1]][1] = "dog"  # another class
    rows[dog][1] = "feline"  # the map's name, on a dog
    with file.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    capsys.readouterr()
    assert main(["version", path, "verify", "v1", str(out), "--json"]) == 1
    found = {row["path"]: row for row in json.loads(capsys.readouterr().out)["labels"]}
    cat, other, on_dog = (found[rows[i][0]] for i in (feline[0], feline[1], dog))
    assert (cat["label"], cat["version_label"], cat["before_class_map"]) == ("cat", "feline", True)
    assert (other["label"], other["before_class_map"]) == ("dog", False)
    assert (on_dog["label"], on_dog["version_label"], on_dog["before_class_map"]) == (
        "feline",
        "dog",
        False,
    )
    assert main(["version", path, "verify", "v1", str(out)]) == 1
    lines = capsys.readouterr().out.splitlines()
    said = next(line for line in lines if line.strip().startswith(rows[feline[0]][0]))
    assert said.endswith(
        "): cat is the version's class, which --class-map cat=feline "
        "renames: this row was written without the class map, or edited back since"
    )
    said = next(line for line in lines if line.strip().startswith(rows[feline[1]][0]))
    assert said.endswith(")") and "feline (" in said and "class map" not in said


def test_an_export_of_the_labels_of_its_day_names_the_project_not_a_version():
    from labeldesk.interop.export_labels import difference_line

    row = {
        "path": "train/cat/a.png",
        "label": "cat",
        "split": "train",
        "version_path": "train/feline/a.png",
        "version_label": "feline",
        "version_split": "train",
        "before_class_map": True,
    }
    line = difference_line(row, theirs="the project now")
    assert "version" not in line
    assert line.endswith(
        "): cat is a class of the project now, which --class-map cat=feline "
        "renames: this row was written without the class map, or edited back since"
    )
    assert "cat is the version's class" in difference_line(row)
