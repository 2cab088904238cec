"""Messages from the core in the app's own words: the app showed the command line's
advice, placeholder and all (pinning a fine-tune said to run `labeldesk train PROJECT
--mode head`; opening a folder of images, `labeldesk new PROJECT --images …`). The app
names its menu or page instead, or the open project's folder for a command it has no
menu for; the command line keeps its wording (the path as typed)."""

from __future__ import annotations

import ast
import shlex
from pathlib import Path

from helpers import write_image

from labeldesk.gui.app_words import in_app_words
from labeldesk.gui.model_versions_box import VersionsBox
from labeldesk.gui.workers import JobRunner
from labeldesk.ml.models import record_version

PACKAGE = Path(__file__).resolve().parents[2] / "labeldesk"


def shown_errors(monkeypatch) -> list[str]:
    from labeldesk.gui import window_notices

    shown: list[str] = []
    monkeypatch.setattr(window_notices, "show_error", lambda parent, text: shown.append(text))
    return shown


def test_opening_a_folder_of_images_names_new_project_not_a_command(window, tmp_path, monkeypatch):
    shown = shown_errors(monkeypatch)
    images = tmp_path / "my pets"
    write_image(images / "cat" / "a.jpg", seed=1)
    write_image(images / "dog" / "b.jpg", seed=2)
    assert not window.open_project(images)
    [notice] = shown
    assert "PROJECT" not in notice and "labeldesk new" not in notice
    assert notice.endswith(
        "it holds images: to make a project for them, use File → New project… with "
        f"{images} as its image folder"
    )
    assert window.statusBar().currentMessage() == notice
    assert not window.open_project(images / "cat" / "a.jpg")  # a file
    assert shown[1].endswith("a project is a folder (the one File → New project… made)")


def test_pinning_a_fine_tune_says_where_in_the_app_to_train_a_head(qtbot, project):
    tuned = record_version(
        project,
        kind="finetune",
        status="complete",
        label_event_id=0,
        embedding_key=None,
        params={},
        metrics={},
        checkpoint=None,
    )
    runner = JobRunner()
    box = VersionsBox(project, runner)
    qtbot.addWidget(box)
    errors: list[str] = []
    box.error.connect(errors.append)
    box._pin(tuned.id)  # what Use selected does with the selected version
    assert errors == [
        f"model version {tuned.id} is a fine-tune, not a classifier head: only a head can be "
        "pinned; train a head on its embeddings (View → Training, mode “Classifier head”, "
        "Start training) and pin that one"
    ]
    box._pin(tuned.id + 1)  # gone meanwhile (a colleague's project, say)
    assert errors[1] == f"no model version {tuned.id + 1} (View → Training lists them)"
    runner.shutdown()


def test_a_command_without_a_menu_names_the_open_projects_folder(window, project, monkeypatch):
    shown_errors(monkeypatch)
    assert window.open_project(project.path)
    window.notify_error("see `labeldesk drift PROJECT --history` for the saved reports")
    folder = shlex.quote(str(project.path))
    expected = f"See `labeldesk drift {folder} --history` for the saved reports"
    assert window.statusBar().currentMessage() == expected
    window.show_message("made by `labeldesk new PROJECT`")  # a project yet to be named
    assert window.statusBar().currentMessage() == "made by `labeldesk new PROJECT`"


def _messages(folder: Path) -> list[tuple[str, str]]:
    """Every string the code under ``folder`` writes (docstrings and patterns left out),
    as ``(where, text)``, each f-string whole, with ``X`` for what it fills in."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = set()
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                skipped.add(id(body[0].value))  # a docstring
            if isinstance(node, ast.JoinedStr):
                skipped.update(id(part) for part in node.values)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "compile":
                skipped.update(id(arg) for arg in node.args)  # a pattern, not a message
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.JoinedStr):
                text = "".join(
                    part.value if isinstance(part, ast.Constant) else "X" for part in node.values
                )
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            else:
                continue
            found.append((f"{path.relative_to(folder.parent)}:{node.lineno}", text))
    return found


def test_no_message_from_below_the_app_shows_the_placeholder_in_the_app():
    """Each command a core, ml or interop message suggests with PROJECT in it is put as
    the app's menu or page, or names the open project's folder."""
    suggesting = [
        (where, text)
        for layer in ("core", "ml", "interop", "browse")
        for where, text in _messages(PACKAGE / layer)
        if "PROJECT" in text and "`labeldesk " in text
    ]
    assert len(suggesting) >= 5  # the scan finds them (models, version list, train, new…)
    left = [
        (where, shown)
        for where, text in suggesting
        if "PROJECT" in (shown := in_app_words(text, Path("/data/my project")))
    ]
    assert left == []


def test_no_message_from_below_the_app_says_to_run_the_command_again_in_the_app():
    """A full disk said "free some space and try again" in the app, but a file refused
    ("…, then run the command again") and embeddings rebuilt while read ("…; run the
    command again") still spoke of a command, which the app did not run."""
    again = [
        (where, text)
        for layer in ("core", "ml", "interop", "browse")
        for where, text in _messages(PACKAGE / layer)
        if "the command again" in text
    ]
    assert len(again) >= 5  # the scan finds them (full disks, a file refused, …)
    left = [(where, shown) for where, text in again if "command" in (shown := in_app_words(text))]
    assert left == []
    import errno

    from labeldesk.core.failures import _os_message

    refused = OSError(errno.EACCES, "Permission denied", "/data/out/a.png")
    assert in_app_words(_os_message(refused)).endswith("(yours must allow this), then try again")


def test_each_pattern_matches_a_message_from_below_the_app():
    """No pattern waits for a wording no code writes any more (a labels file's rows said
    "unknown class 'fox': add it first (classes --add) or allow new classes
    (--new-class)" until each caller gave its own advice): each one rewrites a message
    core, ml, interop or browse really writes today (``X`` where it fills in a value)."""
    from labeldesk.gui.app_words import _IN_APP

    written = [
        text
        for layer in ("core", "ml", "interop", "browse")
        for _, text in _messages(PACKAGE / layer)
    ]
    unmatched = [p.pattern for p, _ in _IN_APP if not any(p.search(t) for t in written)]
    assert unmatched == []


def test_an_export_refused_for_class_names_says_where_in_the_app_to_rename_them(
    tmp_path, monkeypatch
):
    """The export dialog has a Class map field and the Classes menu renames a class: the
    message names them, not --class-map and `labeldesk classes`."""
    from labeldesk.interop import export_portable
    from labeldesk.interop.export_portable import ExportNameError, check_names

    monkeypatch.setattr(export_portable, "holds", lambda folder, name: ":" not in name)  # FAT

    try:
        check_names(tmp_path, ["a:b/x.png"], {"a:b", "dog"}, project="/data/my project")
    except ExportNameError as exc:
        message = str(exc)
    else:
        raise AssertionError("the disk refused nothing")
    shown = in_app_words(message, Path("/data/my project"))
    assert "--class-map" not in shown and "labeldesk" not in shown
    assert "for this export in Class map (a:b=a-b, beside any renames" in shown
    assert "rename them in the project (Classes → Rename class…); or export" in shown


def test_a_symlink_export_refused_by_the_disk_names_the_dialog_choice():
    """The export dialog's choice, not the command line's --symlink (a USB stick holds
    no symbolic links)."""
    from labeldesk.interop.placing import no_symlinks

    shown = in_app_words(no_symlinks(Path("/media/usb")), Path("/data/my project"))
    assert "--symlink" not in shown
    assert "the disk at /media/usb cannot hold symbolic links" in shown
    assert "choose “Copy files” instead of “Symbolic links” to copy the images there" in shown


def test_a_rescan_hint_names_the_menu_and_a_moved_folders_command_stays():
    """An image changed since the last scan, and an export whose files all changed, say
    to rescan (the command line names the project): the app names File → Rescan folder.
    A moved image folder's `scan … --images NEW_FOLDER` has no menu (the API names
    `p.relocate`, then `p.scan()`)."""
    from labeldesk.api_words import in_api_words
    from labeldesk.ml.embed import CHANGED

    assert CHANGED.endswith("run `labeldesk scan PROJECT`")
    assert in_app_words(CHANGED, Path("/data/my project")) == (
        "changed since the last scan; use File → Rescan folder"
    )
    export = "run `labeldesk scan '/data/my project'`, then export again"
    assert in_app_words(export) == "use File → Rescan folder, then export again"
    nothing = all_changed_message()
    assert in_app_words(nothing, Path("/data/my project")).endswith(
        "use File → Rescan folder to index them as they are now, then use Tools → Compute "
        "embeddings (Ctrl+E)"
    )
    moved = "if it moved, run `labeldesk scan '/data/p' --images NEW_FOLDER`"
    assert in_app_words(moved) == moved
    assert in_api_words(moved) == "if it moved, run `p.relocate(NEW_FOLDER)`, then `p.scan()`"


def all_changed_message() -> str:
    """What an embedding run says when every image it had to embed changed since the
    last scan (labeldesk.ml.embed)."""
    from labeldesk.core.errors import ScanNeeded
    from labeldesk.ml.embed import _check_not_all_changed
    from labeldesk.ml.embed_decode import CHANGED

    try:
        _check_not_all_changed([{"path": "a.png", "reason": CHANGED}])
    except ScanNeeded as exc:
        return str(exc)
    raise AssertionError("not refused")
