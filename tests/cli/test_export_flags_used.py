"""`export --exclude-flagged` leaves out the images the model flags when it runs: a
version records labels, not the model's flags, so `--version v1 --exclude-flagged` a
week later judges v1's labels with that day's model. The output said only "4 flagged",
not whose flags, and nothing of the version's images it could not judge (relabeled
since: the model judges today's label). It now says both, in --json too."""

from __future__ import annotations

import json

from labeldesk.cli import main
from labeldesk.core.versions import create_version


def export_json(capsys, project, out, *extra) -> tuple[dict, str]:
    capsys.readouterr()
    args = ["export", str(project.path), str(out), "--format", "csv", *extra]
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert main([*args[:2], str(out) + "-text", *args[3:]]) == 0
    return doc, capsys.readouterr().out


def test_the_export_says_whose_flags_left_images_out(clustered, tmp_path, capsys):
    project, flipped = clustered
    create_version(project.db, "v1")
    fixed = sorted(flipped)[0]
    project.set_label(fixed, "bee")  # relabeled since v1 (its picture is a bee): not judged

    doc, text = export_json(
        capsys, project, tmp_path / "v1", "--version", "v1", "--exclude-flagged"
    )
    n = doc["left_out"]["flagged"]
    assert n == 1 and doc["flags"] == {"judged": "now", "not_judged": 1}  # ant1 still
    assert (
        "--exclude-flagged left out the 1 image of version v1 the model flags now: a "
        "version records no flags, so the model of today judged the labels v1 gave them "
        "(exporting v1 again after labels change or a model is trained can leave out "
        "others); 1 image relabeled since v1 was kept, not judged"
    ) in text.splitlines()

    doc, text = export_json(capsys, project, tmp_path / "now", "--exclude-flagged")
    n = doc["left_out"]["flagged"]
    assert n == 1 and doc["flags"] == {"judged": "now", "not_judged": 0}
    assert (
        "--exclude-flagged left out the 1 image the model flags now "
        f"(`labeldesk issues {project.path}` lists them)"
    ) in text.splitlines()

    doc, text = export_json(capsys, project, tmp_path / "all")
    assert doc["flags"] is None and "--exclude-flagged" not in text
