"""The image folder's drive unplugged (or the folder moved) while an export is copying:
the images still to come all fail at once. That export is an error that names the folder
and what to check, not "N written, M could not be read" with exit 0: it leaves no half
export behind and, with --overwrite, keeps the earlier complete export as it was.
One image deleted mid-way while the folder stays is still a success that lists it."""

from __future__ import annotations

import json
import shutil

import pytest

from labeldesk.cli import main
from labeldesk.core.errors import ImageRootError
from labeldesk.interop.export import ExportOptions, export

FORMATS = ["imagefolder", "csv", "webdataset"]


def _gone_after_first_read(project, monkeypatch, how):
    """The image folder goes away once the export has read its first image: ``moved``
    (renamed away), ``unmounted`` (its mount point stays, empty) or one ``file`` deleted."""
    real = project.image_path
    calls = 0

    def image_path(rel):
        nonlocal calls
        calls += 1
        if calls == 2:
            root = project.root
            if how == "file":
                (root / "train/dog/dog3.jpg").unlink()
            else:
                shutil.move(root, root.with_name("elsewhere"))
                if how == "unmounted":
                    root.mkdir()
        return real(rel)

    monkeypatch.setattr(project, "image_path", image_path)


def _files(folder):
    return sorted(
        (p.relative_to(folder).as_posix(), p.read_bytes() if p.is_file() else b"")
        for p in folder.rglob("*")
    )


@pytest.mark.parametrize("how", ["moved", "unmounted"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_folder_gone_mid_export_is_an_error_and_leaves_nothing(
    project, tmp_path, monkeypatch, fmt, how
):
    out = tmp_path / "out"
    _gone_after_first_read(project, monkeypatch, how)
    with pytest.raises(ImageRootError) as caught:
        export(project, out, fmt, ExportOptions())
    message = str(caught.value)
    assert "nothing was exported" in message
    assert str(project.root) in message and "mounted" in message
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["images", "proj", "elsewhere"] if how == "unmounted" else ["proj", "elsewhere"]
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_earlier_export_is_kept_when_the_folder_goes_mid_way(
    project, tmp_path, monkeypatch, fmt
):
    out = tmp_path / "out"
    export(project, out, fmt, ExportOptions())
    before = _files(out)
    _gone_after_first_read(project, monkeypatch, "unmounted")
    with pytest.raises(ImageRootError):
        export(project, out, fmt, ExportOptions(overwrite=True))
    assert _files(out) == before


def test_the_command_line_exits_1_with_kind_image_root_error(
    project, tmp_path, monkeypatch, capsys
):
    import labeldesk.cli.export as cli_export

    opened = cli_export.open_existing

    def open_existing(path):
        context = opened(path)
        _gone_after_first_read(context, monkeypatch, "moved")
        return context

    monkeypatch.setattr(cli_export, "open_existing", open_existing)
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ImageRootError"
    assert not out.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_file_deleted_mid_way_is_still_left_out_and_listed(project, tmp_path, monkeypatch, fmt):
    _gone_after_first_read(project, monkeypatch, "file")
    report = export(project, tmp_path / "out", fmt, ExportOptions())
    assert [f["path"] for f in report.failed] == ["train/dog/dog3.jpg"]
    assert report.written > 0


@pytest.mark.parametrize(
    ("error", "gone"),
    [(OSError(5, "Input/output error"), True), (PermissionError(13, "Permission denied"), False)],
)
def test_a_folder_that_fails_to_list_is_gone_unless_only_refused(project, monkeypatch, error, gone):
    """A drive pulled out (not unmounted) answers with I/O errors: gone. A folder one may
    not list is still there: its images that failed are left out as before."""
    import labeldesk.core.project as project_module

    def scandir(path):
        raise error

    monkeypatch.setattr(project_module.os, "scandir", scandir)
    assert project.root_went_away() is gone
