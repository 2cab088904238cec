"""A folder reached under a second name (a second mount; on a Mac, ``Images`` for
``images``) is the same folder: adding images from the image folder itself under such a
name was not refused (the images would have been copied into it again), and a drift
report could be written into the image folder (checks compared paths only)."""

from __future__ import annotations

import json

from second_names import needs_second_names, run_with_alias

from labeldesk.core.same_folder import within

pytestmark = needs_second_names

REFUSED = """
import json, sys
from pathlib import Path
from labeldesk.core.project import open_project
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.add_images import check_source
from labeldesk.ml.drift_html import check_html_target
project, alias = open_project(sys.argv[1]), Path(sys.argv[2])
found = {}
for name, check in (
    ("add", lambda: check_source(project, alias / "train")),
    ("report", lambda: check_html_target(alias / "r.html", project, overwrite=True)),
):
    try:
        check()
        found[name] = None
    except LabelDeskError as exc:
        found[name] = str(exc)
print(json.dumps(found))
"""


def test_within_compares_paths_by_name(tmp_path):
    assert within(tmp_path / "a" / "b", tmp_path / "a")
    assert within(tmp_path / "a", tmp_path / "a")
    assert not within(tmp_path / "ab", tmp_path / "a")
    assert not within(tmp_path, tmp_path / "a")


def test_the_image_folder_under_a_second_name_is_refused_as_a_source_and_report_place(
    project, tmp_path
):
    (project.root / "train").mkdir(exist_ok=True)
    alias = tmp_path / "alias"
    alias.mkdir()
    done = run_with_alias(alias, project.root, ["-c", REFUSED, str(project.path), str(alias)])
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["add"] is not None and "already in the project" in found["add"]
    assert found["report"] is not None and "inside the image folder" in found["report"]
