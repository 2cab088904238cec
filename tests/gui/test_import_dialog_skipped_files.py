"""File → Import labels with a row naming a file the scan skips (a link out of the image
folder): the form said "2 images would change" and then "2 labels applied", while the
label on the skipped file counted nowhere. The form and the result now count only the
image that changes and list the skipped file's row with the scan's reason."""

from __future__ import annotations

from helpers import write_image

from gui.import_forms import apply, opened_on
from labeldesk.gui.import_dialog import ImportDialog


def test_a_row_naming_a_skipped_file_is_listed_not_counted(qtbot, project, tmp_path):
    outside = write_image(tmp_path / "elsewhere" / "o.png", fmt="PNG", seed=9)
    (project.root / "_unlabeled" / "link.png").symlink_to(outside)
    project.scan(workers=1)
    reason = project.skip_reason("_unlabeled/link.png")
    assert reason
    f = tmp_path / "labels.csv"
    text = "path,label\n_unlabeled/link.png,cat\n_unlabeled/u0.png,dog\n"
    dialog: ImportDialog = opened_on(qtbot, project, f, text)
    listed = (
        "1 row names a file the scan skips (not applied):\n"
        f"  line 2: '_unlabeled/link.png': {reason}"
    )
    assert "1 image would change" in dialog.found.text() and listed in dialog.found.text()
    apply(qtbot, dialog)
    assert "1 label applied" in dialog.found.text() and listed in dialog.found.text()
    labels = project.images().set_index("path").label
    assert labels["_unlabeled/u0.png"] == "dog" and not isinstance(
        labels.get("_unlabeled/link.png"), str
    )
    dialog.shutdown()
