"""Dataset versions: a named state that can be rebuilt exactly after relabels and re-scans,
diffs between states, and the dataset version each model version records."""

from __future__ import annotations

import pytest
from helpers import write_image

from labeldesk.core import model_versions
from labeldesk.core.version_diff import diff
from labeldesk.core.version_state import items_at, recorded_state
from labeldesk.core.versions import (
    VersionError,
    create_version,
    get_version,
    list_versions,
    members,
)
from labeldesk.interop.selection import changes_since


def _state(items):
    return {i.path: (i.label, i.status, i.split) for i in items}


def test_a_version_is_rebuilt_as_it_was_after_relabels_and_a_rescan(project, imagefolder):
    root, expected = imagefolder
    project.set_status(["train/dog/dog3.jpg"], "verified")
    v1 = create_version(project.db, "v1", "before the review")
    at_creation = _state(items_at(project.db, v1))
    assert at_creation["train/cat/cat0.jpg"] == ("cat", None, "train")
    assert at_creation["train/dog/dog3.jpg"] == ("dog", "verified", "train")
    assert at_creation["_unlabeled/u0.png"] == (None, None, None)
    assert len(at_creation) == len(expected) == v1.images

    project.set_label("train/cat/cat0.jpg", "dog")
    project.set_status(["train/cat/cat1.jpg"], "excluded")
    project.set_splits({"train/cat/cat2.jpg": "test"})
    project.rename_class("dog", "hound")
    project.set_label("_unlabeled/u0.png", "cat")
    (root / "val/cat/cat0.jpg").rename(root / "val/cat/moved.jpg")  # same bytes, new name
    (root / "train/dog/dog0.jpg").unlink()
    write_image(root / "train/cat/new.jpg", seed=900)
    project.scan(workers=1)

    again = items_at(project.db, get_version(project.db, "v1"))
    by_path = {i.path: i for i in again}
    assert by_path["train/dog/dog0.jpg"].missing == "removed from the folder since"
    assert "val/cat/moved.jpg" in by_path and "val/cat/cat0.jpg" not in by_path
    assert by_path["val/cat/moved.jpg"].missing is None
    assert "train/cat/new.jpg" not in by_path  # added after the version
    rebuilt = _state(again)
    rebuilt["val/cat/cat0.jpg"] = rebuilt.pop("val/cat/moved.jpg")
    assert rebuilt == at_creation  # labels, statuses and splits exactly as they were


def test_an_image_rewritten_since_is_missing_unless_its_bytes_are_still_indexed(
    project, imagefolder
):
    root, _ = imagefolder
    keep = (root / "train/cat/cat3.jpg").read_bytes()
    v1 = create_version(project.db, "v1")
    (root / "train/cat/cat3.jpg").write_bytes((root / "train/dog/dog1.jpg").read_bytes())
    project.scan(workers=1)
    gone = {i.path: i.missing for i in items_at(project.db, v1) if i.missing}
    assert gone == {"train/cat/cat3.jpg": "its content changed since the version"}
    (root / "saved").mkdir()
    (root / "saved/cat3.jpg").write_bytes(keep)  # the original bytes, under another name
    project.scan(workers=1)
    items = {i.image_id: i for i in items_at(project.db, v1)}
    assert not [i for i in items.values() if i.missing]
    original = next(m for m in members(project.db, v1) if m[1] == "train/cat/cat3.jpg")
    assert items[original[0]].path == "saved/cat3.jpg" and items[original[0]].label == "cat"


def test_diff_lists_labels_splits_added_removed_and_excluded(project, imagefolder):
    root, _ = imagefolder
    v1 = create_version(project.db, "v1")
    project.set_label("train/cat/cat0.jpg", "dog")
    project.set_splits({"val/dog/dog0.jpg": "test"})
    project.set_status(["test/cat/cat1.jpg"], "excluded")
    (root / "train/dog/dog2.jpg").unlink()
    write_image(root / "train/dog/extra.jpg", seed=901)
    project.scan(workers=1)
    v2 = create_version(project.db, "v2")
    result = diff(project.db, v1, v2)
    assert result.labels_changed == [{"path": "train/cat/cat0.jpg", "old": "cat", "new": "dog"}]
    assert result.splits_changed == [{"path": "val/dog/dog0.jpg", "old": "val", "new": "test"}]
    assert result.added == [{"path": "train/dog/extra.jpg", "label": "dog"}]
    assert result.removed == [{"path": "train/dog/dog2.jpg", "label": "dog"}]
    assert result.excluded == [{"path": "test/cat/cat1.jpg", "label": "cat"}]
    assert result.included == [] and result.content_changed == []
    assert result.to_json()["counts"]["labels_changed"] == 1
    text = result.to_text()
    assert "v1 → v2" in text and "train/cat/cat0.jpg: 'cat' → 'dog'" in text
    back = diff(project.db, v2, v1)  # the other way round
    assert back.added == [{"path": "train/dog/dog2.jpg", "label": "dog"}]
    assert back.included == [{"path": "test/cat/cat1.jpg", "label": "cat"}]
    project.set_label("train/cat/cat0.jpg", "cat")
    now = diff(project.db, v2, None)
    assert now.b == "current" and now.labels_changed[0]["new"] == "cat"
    assert diff(project.db, v2, v2).to_text() == "v2 → v2: no differences"


def test_a_diff_counts_a_class_rename_once_and_shows_reviews(project):
    """A class renamed between two versions listed every image of the class as relabeled
    (hat -> cap eighty times); verifying an image was not shown at all."""
    v1 = create_version(project.db, "v1")
    project.rename_class("dog", "hound")
    project.set_label("train/cat/cat0.jpg", "hound")  # a real relabel, into the new name
    project.set_status(["train/cat/cat1.jpg"], "verified")
    v2 = create_version(project.db, "v2")
    result = diff(project.db, v1, v2)
    dogs = sum(1 for r in recorded_state(project.db, v1).values() if r.label == "dog")
    assert result.classes_renamed == [{"old": "dog", "new": "hound", "images": dogs}]
    assert result.labels_changed == [{"path": "train/cat/cat0.jpg", "old": "cat", "new": "hound"}]
    assert result.verified == [{"path": "train/cat/cat1.jpg", "label": "cat"}]
    assert f"'dog' → 'hound' ({dogs} images)" in result.to_text()  # names quoted
    assert "1 class renamed" in result.to_text()
    back = diff(project.db, v2, v1)  # the other way round: the rename backwards
    assert back.classes_renamed == [{"old": "hound", "new": "dog", "images": dogs}]
    assert back.unverified == [{"path": "train/cat/cat1.jpg", "label": "cat"}]
    project.set_status(["train/cat/cat1.jpg"], None)
    assert diff(project.db, v2, None).unverified == [{"path": "train/cat/cat1.jpg", "label": "cat"}]


def test_changes_since_count_a_move_and_a_change(project, imagefolder):
    """A move counts: a copy of v1 holds the image under its old name, which another
    image may take now (a folder renumbered)."""
    root, _ = imagefolder
    v1 = create_version(project.db, "v1")
    (root / "test/dog/dog1.jpg").rename(root / "test/dog/renamed.jpg")
    project.scan(workers=1)
    project.set_label("train/cat/cat1.jpg", "dog")
    now = recorded_state(project.db, None)
    changed, _ = changes_since(project.db, v1, None)
    assert {now[i].path for i in changed} == {"train/cat/cat1.jpg", "test/dog/renamed.jpg"}


@pytest.mark.parametrize(
    "name, why",
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("a\tb", "control"),
        ("a\u2028b", "line-separating"),  # a line separator: lists as two lines
        ("v1\u200b", "invisible"),  # zero-width space: looks like "v1"
        ("\u202ev1", "direction"),  # right-to-left override
        ("current", "reserved"),
        ("model:3", "reserved"),
        ("x" * 101, "at most 100"),
    ],
)
def test_bad_version_names_are_refused(project, name, why):
    with pytest.raises(VersionError, match=why):
        create_version(project.db, name)
    assert list_versions(project.db) == []


def test_names_are_unique_and_unknown_names_are_clear(project):
    create_version(project.db, " v1 ", "first")
    with pytest.raises(VersionError, match="already"):
        create_version(project.db, "v1")
    with pytest.raises(VersionError, match=r"no dataset version named 'v9' \(versions: v1\)"):
        get_version(project.db, "v9")
    assert get_version(project.db, "v1").note == "first"


@pytest.mark.parametrize(
    "name",
    [
        "model:99999999999999999999",
        "model:\u0663",
        "model:" + "9" * 5000,
        "model:" + "0" * 5000 + "1",
    ],
)
def test_a_model_number_out_of_range_or_not_ascii_is_a_clear_error(project, name):
    with pytest.raises(VersionError, match="model version"):
        get_version(project.db, name)


def test_a_path_holding_a_tab_and_a_new_line_cannot_pass_for_two_images(tmp_path):
    """The membership's fingerprint once joined fields with tabs and rows with new lines,
    so one image named like two rows and two images had the same fingerprint, and the
    second version silently reused the first one's image list."""
    import shutil

    from labeldesk.core.create import create_and_index
    from labeldesk.core.indexed_files import hash_file

    root, spare = tmp_path / "images", tmp_path / "spare"
    root.mkdir()
    spare.mkdir()
    write_image(spare / "x.png", fmt="PNG", seed=1)
    write_image(spare / "y.png", fmt="PNG", seed=2)
    odd = f"a.png\t{hash_file(spare / 'x.png')}\n2\tb.png"  # a legal file name
    shutil.copy(spare / "y.png", root / odd)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    v1 = create_version(project.db, "v1")
    (root / odd).rename(root / "a.png")  # the same image (id 1), moved
    project.scan(workers=1)
    shutil.copy(spare / "x.png", root / "a.png")  # then edited in place
    project.scan(workers=1)
    shutil.copy(spare / "y.png", root / "b.png")  # and a second image (id 2)
    project.scan(workers=1)

    v2 = create_version(project.db, "v2")

    assert v2.membership_id != v1.membership_id
    assert sorted(path for _, path, _ in members(project.db, v2)) == ["a.png", "b.png"]
    assert [path for _, path, _ in members(project.db, v1)] == [odd]
    project.close()


def test_a_name_stored_decomposed_by_an_older_labeldesk_is_found_typed_composed(project):
    create_version(project.db, "old")
    with project.db.write() as conn:
        conn.execute("UPDATE dataset_versions SET name = ? WHERE name = 'old'", ("cafe\u0301",))
    assert get_version(project.db, "caf\u00e9").name == "cafe\u0301"
    with pytest.raises(VersionError, match="already"):
        create_version(project.db, "caf\u00e9")


@pytest.mark.parametrize(
    "name",
    [
        "be\u200dst",
        "\uff42\uff45\u200d\uff53\uff54",
        "\u0442\u0435\u200d\u0441\u0442",
        "v\u0301\u200d\u0301x",
    ],
)
def test_a_joiner_outside_the_scripts_that_use_one_is_refused(project, name):
    """Latin (fullwidth too), Cyrillic, a mark on a Latin letter: a joiner there hides."""
    with pytest.raises(VersionError, match="invisible"):
        create_version(project.db, name)


def test_a_name_in_either_unicode_form_is_one_name(project):
    import unicodedata

    composed, decomposed = "caf\u00e9", "cafe\u0301"
    create_version(project.db, decomposed)
    with pytest.raises(VersionError, match="already"):
        create_version(project.db, composed)
    assert get_version(project.db, decomposed).name == composed  # stored composed
    assert unicodedata.is_normalized("NFC", list_versions(project.db)[0].name)


@pytest.mark.parametrize(
    "name", ["\u0646\u0633\u062e\u0647\u200c\u0627\u0648\u0644", "v1 \U0001f469\u200d\U0001f52c"]
)
def test_joiners_inside_words_and_emoji_are_spelling_not_hiding(project, name):
    assert create_version(project.db, name).name == name


def test_a_membership_stored_with_the_old_digest_is_still_reused(project):
    """Versions made before the JSON digest: a training run on exactly their state once
    stored a second copy of the images instead of linking to them."""
    import hashlib

    a = create_version(project.db, "release-1")
    rows = members(project.db, a)
    old = hashlib.sha256()
    for image_id, path, content in rows:
        old.update(f"{image_id}\t{path}\t{content}\n".encode("utf-8", "surrogateescape"))
    with project.db.write() as conn:  # as an older LabelDesk stored it
        conn.execute(
            "UPDATE dataset_memberships SET digest = ? WHERE id = ?",
            (old.hexdigest(), a.membership_id),
        )
    b = create_version(project.db, "release-2")
    assert b.membership_id == a.membership_id
    assert project.db.scalar("SELECT COUNT(*) FROM dataset_memberships") == 1


def test_versions_with_the_same_images_share_one_membership(project):
    a = create_version(project.db, "a")
    project.set_label("train/cat/cat0.jpg", "dog")  # labels change, the images do not
    b = create_version(project.db, "b")
    assert a.membership_id == b.membership_id and b.label_event_id > a.label_event_id
    assert [v.name for v in list_versions(project.db)] == ["b", "a"]


def _record_model(project, event):
    return model_versions.add_model_version(
        project.db,
        kind="head",
        status="complete",
        label_event_id=event,
        embedding_key="k",
        params={},
        metrics={},
        checkpoint=None,
    )


def test_each_model_version_records_its_dataset_version(project):
    from labeldesk.core.labels import last_event_id

    named = create_version(project.db, "named")
    first = _record_model(project, last_event_id(project.db))
    assert model_versions.model_version(project.db, first).dataset_version == "named"  # reused
    project.set_label("train/cat/cat0.jpg", "dog")
    second = _record_model(project, last_event_id(project.db))
    third = _record_model(project, last_event_id(project.db))
    auto = get_version(project.db, f"auto-model-{second}")
    assert auto.automatic and auto.models == (second, third)
    assert get_version(project.db, f"model:{third}") == auto
    assert get_version(project.db, "named").models == (first,)
    listed = {v.name: v.to_json()["models"] for v in list_versions(project.db)}
    assert listed == {"named": [first], f"auto-model-{second}": [second, third]}
    with pytest.raises(VersionError, match="no model version 99"):
        get_version(project.db, "model:99")
    assert named.label_event_id < auto.label_event_id


def test_an_image_renamed_by_a_class_rename_or_its_undo_is_not_relabeled(tmp_path):
    """A rename and its undo change label texts, not classes; an undo that keeps the new
    name (images use it) takes back only the images the rename moved."""
    from helpers import write_image

    from labeldesk.core.create import create_and_index
    from labeldesk.core.undo import undo
    from labeldesk.core.version_state import relabeled_since

    root = tmp_path / "images"
    for i, name in enumerate(["a.png", "b.png", "c.png"]):
        write_image(root / name, fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1, classes=["ant", "bee"])
    project.set_labels({"a.png": "ant", "c.png": "ant"})
    project.rename_class("ant", "formica")
    project.set_labels({"b.png": "formica"})
    v = create_version(project.db, "v")
    rename = project.db.scalar("SELECT id FROM label_batches WHERE description LIKE 'rename%'")
    undo(project.db, rename)  # a.png and c.png back to ant; formica stays (b.png has it)
    project.set_labels({"c.png": "bee"})  # a real relabel
    ids = dict(zip(project.images().path, project.images().index, strict=True))
    assert relabeled_since(project.db, v) == {ids["c.png"]}
    project.close()


def test_a_status_or_split_change_after_a_rename_is_not_a_relabel(tmp_path):
    from helpers import write_image

    from labeldesk.core.create import create_and_index
    from labeldesk.core.version_state import relabeled_since, renamed_label

    root = tmp_path / "images"
    for i, name in enumerate(["a.png", "b.png"]):
        write_image(root / name, fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1, classes=["cat", "dog"])
    project.set_labels({"a.png": "cat", "b.png": "dog"})
    v = create_version(project.db, "v")
    project.rename_class("cat", "feline")
    project.set_status(["a.png"], "verified")
    project.set_splits({"a.png": "val"})
    assert relabeled_since(project.db, v) == set()
    # b relabeled, then the names shuffled: "cat" now names what was dog
    project.set_labels({"b.png": "feline"})
    project.rename_class("dog", "cat")
    ids = dict(zip(project.images().path, project.images().index, strict=True))
    assert relabeled_since(project.db, v) == {ids["b.png"]}
    assert renamed_label(project.db, v)("dog") == "cat" != "feline"  # b is not judged
    assert renamed_label(project.db, v)("cat") == "feline"
    project.close()


@pytest.mark.parametrize("name", ["v^\u200d^", "v\u00b0\u200d\u00b0", "v\u00a9\u200d\u00a9"])
def test_a_joiner_between_plain_symbols_is_refused(project, name):
    with pytest.raises(VersionError, match="invisible"):
        create_version(project.db, name)


def test_a_joiner_in_mongolian_is_spelling(project):
    name = "\u182e\u200d\u1823"
    assert create_version(project.db, name).name == name


def test_diff_lists_a_file_renamed_or_moved_since(project, imagefolder):
    """A renamed file was listed nowhere ("no differences"), while `export --since` wrote
    the image: a copy of v1 holds it under its old name."""
    root, _ = imagefolder
    v1 = create_version(project.db, "v1")
    (root / "train/cat/cat1.jpg").rename(root / "train/cat/zz-renamed.jpg")
    (root / "elsewhere").mkdir()
    (root / "val/dog/dog0.jpg").rename(root / "elsewhere/dog0.jpg")
    project.scan(workers=1)
    now = diff(project.db, v1, None)
    assert now.moved == [
        {"path": "elsewhere/dog0.jpg", "old_path": "val/dog/dog0.jpg"},
        {"path": "train/cat/zz-renamed.jpg", "old_path": "train/cat/cat1.jpg"},
    ]
    assert now.added == [] and now.removed == [] and now.content_changed == []
    text = now.to_text()
    assert "2 moved" in text and "no differences" not in text
    assert "train/cat/cat1.jpg → train/cat/zz-renamed.jpg" in text
    assert now.to_json()["counts"]["moved"] == 2
    back = diff(project.db, None, v1)  # the other way round: back to the old names
    assert {"path": "train/cat/cat1.jpg", "old_path": "train/cat/zz-renamed.jpg"} in back.moved


def test_a_name_or_note_that_is_not_valid_text_is_a_clear_error(project):
    # a byte that is not UTF-8 in a command's argument reaches Python as a lone surrogate
    with pytest.raises(VersionError, match="not valid text"):
        create_version(project.db, "v\udcff")
    with pytest.raises(VersionError, match="not valid text"):
        create_version(project.db, "v1", "note \udcff")
    assert list_versions(project.db) == []
    with pytest.raises(VersionError, match="no dataset version named"):
        get_version(project.db, "v\udcff")


def test_the_command_line_says_so_without_a_traceback(project, capsys):
    import json

    from labeldesk.cli import main

    assert main(["version", str(project.path), "create", "v\udcff", "--json"]) != 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "VersionError" and "not valid text" in out["error"]
    assert main(["version", str(project.path), "diff", "v\udcff", "--json"]) != 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "VersionError", out


def test_the_diff_writes_labels_as_history_does_with_the_arrow_asked_for(project):
    """The command line wrote ASCII "->" and labels unquoted (``cat -> dog``) where
    `history` writes ``'cat' → 'dog'``: both write it now; a caller may ask for another
    arrow."""
    v1 = create_version(project.db, "v1")
    project.set_label("train/cat/cat0.jpg", "dog")
    v2 = create_version(project.db, "v2")
    text = diff(project.db, v1, v2).to_text()
    assert "v1 → v2" in text and "train/cat/cat0.jpg: 'cat' → 'dog'" in text and "->" not in text
    text = diff(project.db, v1, v2).to_text(arrow="->")
    assert "v1 -> v2" in text and "train/cat/cat0.jpg: 'cat' -> 'dog'" in text and "→" not in text
