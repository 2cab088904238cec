"""Class folders that Windows or macOS would take for one folder: an export that writes a
folder per class (ImageFolder, Hugging Face) refuses them, naming the classes.

Linux keeps ``cat`` and ``cat.``, or ``dog`` and ``Dog``, apart; Windows drops trailing
dots and spaces and ignores case, macOS ignores case and the Unicode form. Copied
there, two classes would become one folder (or one class's files would land in the
other's). Formats that name classes only inside a file write them as they are."""

from __future__ import annotations

import re
import unicodedata

import pytest

from labeldesk.core.errors import LabelDeskError
from labeldesk.interop.export import ExportOptions, export, parse_class_map

FOLDERS = ("imagefolder", "hf")
NFD_CAFE = unicodedata.normalize("NFD", "café")  # as a macOS folder name is


@pytest.mark.parametrize("fmt", FOLDERS)
def test_a_class_with_a_trailing_dot_beside_its_twin_is_refused(project, tmp_path, fmt):
    project.add_classes(["cat."])
    project.set_label("_unlabeled/u0.png", "cat.")
    with pytest.raises(LabelDeskError, match=r"'cat' and 'cat\.'.*one folder on Windows"):
        export(project, tmp_path / "out", fmt)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.partial-*"))
    # the manifest formats write the label as text: nothing clashes there
    report = export(project, tmp_path / "csv", "csv")
    assert report.written == 17


@pytest.mark.parametrize("fmt", FOLDERS)
@pytest.mark.parametrize(
    "text, named",
    [
        ("cat=Dog", "'Dog' and 'dog'"),  # the case twin `classes --add Dog` refuses
        ("cat=Pet,dog=pet", "'Pet' and 'pet'"),
        ("cat=pet. ,dog=PET", "'pet.' and 'PET'"),
        (f"cat={NFD_CAFE},dog=CAFÉ", f"'{NFD_CAFE}' and 'CAFÉ'"),
    ],
)
def test_a_class_map_making_folder_twins_is_refused(project, tmp_path, fmt, text, named):
    options = ExportOptions(class_map=parse_class_map(text))
    with pytest.raises(LabelDeskError, match=re.escape(named)) as error:
        export(project, tmp_path / "out", fmt, options)
    assert "--class-map" in str(error.value)
    assert not (tmp_path / "out").exists()


def test_the_unlabeled_folders_twin_is_refused(project, tmp_path):
    """``_Unlabeled.`` is a class on Linux, and the folder of unlabeled images on Windows."""
    options = ExportOptions(class_map=parse_class_map("cat=_Unlabeled."))
    with pytest.raises(LabelDeskError, match=re.escape("'_unlabeled' and '_Unlabeled.'")):
        export(project, tmp_path / "out", "imagefolder", options)


def test_classes_that_stay_apart_everywhere_export(project, tmp_path):
    options = ExportOptions(class_map=parse_class_map("cat=Pet,dog=pet.x"))
    report = export(project, tmp_path / "out", "imagefolder", options)
    assert report.written == 16
    assert sorted(p.name for p in (tmp_path / "out/train").iterdir()) == ["Pet", "pet.x"]
    merged = ExportOptions(class_map=parse_class_map("cat=dog"))
    assert export(project, tmp_path / "merged", "hf", merged).written == 16
