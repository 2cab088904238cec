"""`labeldesk version` and the export options on the command line, as JSON documents."""

from __future__ import annotations

import json

from labeldesk.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    return code, json.loads(capsys.readouterr().out)


def test_version_create_list_and_diff_as_json(project, capsys):
    code, made = run(
        capsys, "version", project.path, "create", "v1", "--note", "baseline", "--json"
    )
    assert code == 0
    assert made["name"] == "v1" and made["note"] == "baseline" and made["images"] == 19
    assert made["models"] == [] and made["automatic"] is False
    project.set_label("train/cat/cat0.jpg", "dog")
    project.set_status(["val/dog/dog0.jpg"], "excluded")
    code, made2 = run(capsys, "version", project.path, "--json", "create", "v2")  # --json first
    assert code == 0 and made2["label_event_id"] > made["label_event_id"]
    code, listed = run(capsys, "version", project.path, "list", "--json")
    assert [v["name"] for v in listed] == ["v2", "v1"]
    code, changes = run(capsys, "version", project.path, "diff", "v1", "v2", "--json")
    assert code == 0 and (changes["a"], changes["b"]) == ("v1", "v2")
    assert changes["labels_changed"] == [{"path": "train/cat/cat0.jpg", "old": "cat", "new": "dog"}]
    assert changes["excluded"] == [{"path": "val/dog/dog0.jpg", "label": "dog"}]
    assert changes["counts"] == {
        "labels_changed": 1, "classes_renamed": 0, "splits_changed": 0, "added": 0,
        "removed": 0, "moved": 0, "excluded": 1, "included": 0, "verified": 0, "unverified": 0,
        "content_changed": 0,
    }  # fmt: skip
    code, nothing = run(capsys, "version", project.path, "diff", "v2", "current", "--json")
    assert nothing["b"] == "current" and not any(nothing["counts"].values())
    code, to_now = run(capsys, "version", project.path, "diff", "v1", "--json")  # B: now
    assert code == 0 and to_now["b"] == "current" and to_now["counts"]["labels_changed"] == 1


def test_version_text_output(project, capsys):
    assert main(["version", str(project.path), "create", "v1"]) == 0
    assert "created version v1" in capsys.readouterr().out
    project.set_label("train/cat/cat0.jpg", "dog")
    assert main(["version", str(project.path), "diff", "v1", "current"]) == 0
    out = capsys.readouterr().out
    assert "v1 → current: 1 label changed" in out and "train/cat/cat0.jpg: 'cat' → 'dog'" in out
    # the same change as `history` writes it (one function writes both)
    assert main(["history", str(project.path), "train/cat/cat0.jpg"]) == 0
    assert "train/cat/cat0.jpg  'cat' → 'dog'" in capsys.readouterr().out


def test_version_errors_are_one_json_document(project, capsys):
    code, error = run(capsys, "version", project.path, "diff", "v1", "v2", "--json")
    assert code == 1 and error["kind"] == "VersionError" and "v1" in error["error"]
    run(capsys, "version", project.path, "create", "v1", "--json")
    code, error = run(capsys, "version", project.path, "create", "v1", "--json")
    assert code == 1 and "already" in error["error"]
    code, error = run(capsys, "version", project.path, "--json")
    assert code == 2 and error["kind"] == "UsageError"


def test_export_options_on_the_command_line(project, tmp_path, capsys):
    run(capsys, "version", project.path, "create", "v1", "--json")
    project.set_label("train/cat/cat0.jpg", "dog")
    project.set_status(["train/dog/dog1.jpg"], "verified")
    code, report = run(
        capsys, "export", project.path, tmp_path / "a", "--format", "csv", "--version", "v1",
        "--class-map", "cat=feline", "--make-splits", "50/25/25", "--seed", "2", "--json",
    )  # fmt: skip
    assert code == 0 and report["version"] == "v1" and report["written"] == 16
    assert report["made_splits"]["sizes"] == {"train": 8, "val": 4, "test": 4}
    assert set(report["made_splits"]["per_class"]) == {"feline", "dog"}
    assert report["made_splits"]["groups_kept_together"] == 0
    assert report["per_split"] == report["made_splits"]["sizes"]
    code, report = run(
        capsys, "export", project.path, tmp_path / "b", "--since", "v1", "--exclude-unverified",
        "--json",
    )  # fmt: skip
    assert code == 0 and report["written"] == 1 and report["since"] == "v1"  # dog1: verified
    assert report["left_out"]["unverified"] == 15
    code, error = run(
        capsys, "export", project.path, tmp_path / "c", "--make-splits", "7/7", "--json"
    )
    assert code == 2 and "add up to 14" in error["error"]
    code, error = run(capsys, "export", project.path, tmp_path / "c", "--class-map", "x", "--json")
    assert code == 2 and "OLD=NEW" in error["error"] and not (tmp_path / "c").exists()


def test_the_splits_made_are_counted_in_words():
    from labeldesk.cli.export import _made_splits_text

    made = {"seed": 0, "sizes": {"train": 8, "val": 1}, "max_class_deviation": 0.0}
    one = _made_splits_text({**made, "groups_kept_together": 1, "images_in_groups": 2})
    assert "1 duplicate group (2 images) each kept in one split" in one
    none = _made_splits_text({**made, "groups_kept_together": 0, "images_in_groups": 0})
    assert "no duplicates to keep together" in none and "(s)" not in none


def test_version_text_shows_no_internal_event_number(project, capsys):
    """`version create` and `list` printed "label state 400": an event number that means
    nothing to a person. The text says how many images and classes; --json keeps the id."""
    assert main(["version", str(project.path), "create", "v1"]) == 0
    created = capsys.readouterr().out
    assert main(["version", str(project.path), "list"]) == 0
    listed = capsys.readouterr().out
    for text in (created, listed):
        assert "label state" not in text and "19 images, 2 classes" in text
    code, made = run(capsys, "version", project.path, "list", "--json")
    assert code == 0 and made[0]["label_event_id"] > 0


def test_a_note_with_line_breaks_cannot_fake_a_version_line(project, capsys):
    """On a shared project anyone can write a note: text output shows its line breaks
    as escapes, one line per version (a name cannot hold one; a note can), and JSON
    keeps the note as written."""
    fake = "ok\nv0: 2020-01-01 00:00, 1 image, by admin: trusted\x1b[2J"
    assert main(["version", str(project.path), "create", "v1", "--note", fake]) == 0
    made = capsys.readouterr().out
    assert made.count("\n") == 1 and "'ok\\nv0: 2020-01-01 00:00" in made
    assert "\x1b" not in made
    assert main(["version", str(project.path), "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 1 and listed[0].startswith("v1: ")
    assert listed[0].endswith(": 'ok\\nv0: 2020-01-01 00:00, 1 image, by admin: trusted\\x1b[2J'")
    code, data = run(capsys, "version", project.path, "list", "--json")
    assert code == 0 and data[0]["note"] == fake
    assert main(["version", str(project.path), "create", "v2", "--note", "plain note"]) == 0
    assert capsys.readouterr().out.rstrip("\n").endswith(": plain note")  # as written
