"""One class name is one class whatever its Unicode form: a folder written NFD (macOS,
many zip tools) and the same name typed NFC find the same class, also in projects an
older version stored with an NFD class."""

from __future__ import annotations

import json
import unicodedata

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import UnknownClassError

NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")
assert NFC != NFD


def labels(project) -> dict[str, str | None]:
    frame = project.images()
    return dict(zip(frame.path, frame.label.where(frame.label.notna(), None), strict=True))


def png(path, seed: int) -> None:
    write_image(path, size=(8, 8), fmt="PNG", seed=seed)


@pytest.fixture
def nfd_folder(tmp_path):
    """café/ spelt NFD (as macOS writes it) and dog/."""
    root = tmp_path / "images"
    png(root / NFD / "1.png", 1)
    png(root / "dog" / "2.png", 2)
    png(root / "dog" / "3.png", 3)
    return root


def make_old_nfd_project(project) -> None:
    """Store café in NFD, as a LabelDesk before this fix did for an NFD folder."""
    with project.db.write() as conn:
        conn.execute("UPDATE classes SET name = ? WHERE name = ?", (NFD, NFC))
        conn.execute(
            "UPDATE images SET label = ?, folder_label = ? WHERE label = ?", (NFD, NFD, NFC)
        )


def test_an_nfd_folder_and_a_typed_nfc_label_are_one_class(tmp_path, nfd_folder):
    project, _ = create_and_index(tmp_path / "p", nfd_folder, workers=1)
    with project:
        assert project.classes() == [NFC, "dog"]  # a new class is stored in NFC
        project.set_labels({"dog/2.png": NFC})
        project.set_labels({"dog/3.png": NFD}, create_classes=True)  # no look-alike added
        assert project.classes() == [NFC, "dog"]
        now = labels(project)
        assert now[f"{NFD}/1.png"] == now["dog/2.png"] == now["dog/3.png"] == NFC


def test_the_cli_label_command_finds_the_class_in_either_form(tmp_path, nfd_folder, capsys):
    path = str(tmp_path / "p")
    assert main(["new", path, "--images", str(nfd_folder)]) == 0
    assert main(["label", path, "dog/2.png", NFC]) == 0
    assert main(["label", path, "dog/3.png", NFD, "--new-class"]) == 0
    capsys.readouterr()
    assert main(["classes", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == {NFC: 3, "dog": 0}


def test_a_scan_files_new_images_under_the_class_in_the_other_form(tmp_path):
    root = tmp_path / "images"
    png(root / "dog" / "1.png", 1)
    project, _ = create_and_index(tmp_path / "p", root, classes=[NFC], workers=1)
    with project:
        png(root / NFD / "2.png", 2)  # a folder unzipped on a Mac, for the class typed NFC
        project.scan(workers=1)
        assert project.classes() == [NFC, "dog"]
        assert labels(project)[f"{NFD}/2.png"] == NFC


def test_an_older_projects_nfd_class_keeps_working(tmp_path, nfd_folder):
    project, _ = create_and_index(tmp_path / "p", nfd_folder, workers=1)
    with project:
        make_old_nfd_project(project)
        project.set_labels({"dog/2.png": NFC})  # typed: finds the stored NFD class
        png(nfd_folder / NFC / "4.png", 4)  # a new folder spelt NFC
        png(nfd_folder / NFD / "5.png", 5)  # and the old NFD folder
        project.scan(workers=1)
        assert project.classes() == [NFD, "dog"]  # kept as stored: nothing renamed
        now = labels(project)
        assert now["dog/2.png"] == now[f"{NFC}/4.png"] == now[f"{NFD}/5.png"] == NFD
        project.rename_class(NFC, "coffee")  # class operations find it too
        assert project.classes() == ["coffee", "dog"]
        png(nfd_folder / NFC / "6.png", 6)  # the rename's alias is found in either form
        project.scan(workers=1)
        assert labels(project)[f"{NFC}/6.png"] == "coffee"
        assert project.classes() == ["coffee", "dog"]


def test_a_new_class_in_the_other_form_of_an_alias_is_a_class_again(tmp_path, nfd_folder):
    project, _ = create_and_index(tmp_path / "p", nfd_folder, workers=1)
    with project:
        make_old_nfd_project(project)
        project.rename_class(NFD, "coffee")  # leaves the alias café (NFD) -> coffee
        project.add_classes([NFC])
        png(nfd_folder / NFD / "7.png", 7)
        project.scan(workers=1)
        assert labels(project)[f"{NFD}/7.png"] == NFC


def test_look_alike_classes_an_older_project_holds_are_kept_and_found_deterministically(
    tmp_path, nfd_folder
):
    # Three spellings of one name (d, dot below, dot above): only NFC_D is NFC.
    first, second, nfc_d = "d\u0307\u0323", "\u1e0b\u0323", "\u1e0d\u0307"
    assert len({unicodedata.normalize("NFC", n) for n in (first, second, nfc_d)}) == 1
    project, _ = create_and_index(tmp_path / "p", nfd_folder, workers=1)
    with project:
        make_old_nfd_project(project)
        with project.db.write() as conn:  # an older version stored both café spellings
            for position, name in enumerate((NFC, first, second), start=2):
                conn.execute(
                    "INSERT INTO classes(name, position, created_at, origin) VALUES (?, ?, 0, 0)",
                    (name, position),
                )
        project.set_labels({"dog/2.png": NFD, "dog/3.png": NFC})  # the exact spelling wins
        assert labels(project)["dog/2.png"] == NFD
        assert labels(project)["dog/3.png"] == NFC
        project.set_labels({"dog/2.png": nfc_d})  # no exact match: the first in key order
        assert labels(project)["dog/2.png"] == first
        assert project.classes() == [NFD, "dog", NFC, first, second]  # none merged
        with pytest.raises(UnknownClassError, match="merge"):  # it finds `first`
            project.rename_class(second, nfc_d)


def test_a_labels_file_finds_an_older_projects_nfd_class_by_its_typed_name(tmp_path, nfd_folder):
    from labeldesk.core.label_files import apply_label_rows, read_label_file

    project, _ = create_and_index(tmp_path / "p", nfd_folder, workers=1)
    with project:
        make_old_nfd_project(project)
        csv = tmp_path / "labels.csv"
        # The same image twice, in both forms: one label, not a contradiction.
        csv.write_text(f"path,label\ndog/2.png,{NFC}\ndog/2.png,{NFD}\n", encoding="utf-8")
        assert apply_label_rows(project, read_label_file(csv)) == 1
        assert labels(project)["dog/2.png"] == NFD
        assert project.classes() == [NFD, "dog"]


def test_classes_named_nfd_for_a_new_project_are_the_folders_classes(tmp_path):
    root = tmp_path / "images"
    png(root / NFC / "1.png", 1)
    project, counts = create_and_index(tmp_path / "p", root, classes=[NFD], workers=1)
    with project:
        assert project.classes() == [NFC]
        assert labels(project)[f"{NFC}/1.png"] == NFC
    assert not [w for w in counts.warnings if "not in --classes" in w]


def test_undo_brings_back_an_nfd_class_in_the_spelling_its_labels_use(tmp_path, nfd_folder):
    project, _ = create_and_index(tmp_path / "p", nfd_folder, workers=1)
    with project:
        make_old_nfd_project(project)
        relabel = project.set_labels({f"{NFD}/1.png": "dog"}).batch_id
        project.remove_class(NFC)  # no image carries it any more
        project.undo(relabel)  # 1.png is café (NFD) again: so is its class
        assert project.classes() == [NFD, "dog"]
        assert labels(project)[f"{NFD}/1.png"] == NFD
