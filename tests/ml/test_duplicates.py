from __future__ import annotations

import shutil

from PIL import Image

from labeldesk.core.create import create_and_index
from labeldesk.ml.duplicates import find_duplicates, outliers
from labeldesk.ml.embed import embed_project


def test_planted_duplicates_and_leakage(tmp_path, photo_root, backbone):
    # An exact copy of a train photo in test: leakage. A re-encoded copy in train: no leak.
    (photo_root / "test/chelsea").mkdir(parents=True)
    shutil.copy(photo_root / "train/chelsea/chelsea.jpg", photo_root / "test/chelsea/copy.jpg")
    with Image.open(photo_root / "train/rocket/rocket.jpg") as img:
        img.save(photo_root / "train/rocket/rocket_q50.jpg", quality=50)
    project, _ = create_and_index(tmp_path / "p", photo_root, workers=1)
    with project:
        only_exact = find_duplicates(project)  # before embedding: hashes only
        assert [g.paths for g in only_exact] == [
            ["test/chelsea/copy.jpg", "train/chelsea/chelsea.jpg"]
        ]
        embed_project(project, backbone=backbone)
        groups = find_duplicates(project)
        by_kind = {g.kind: g for g in groups}
        assert set(by_kind) == {"exact", "near"}
        assert by_kind["exact"].leaks and by_kind["exact"].splits == ["test", "train"]
        assert by_kind["near"].paths == ["train/rocket/rocket.jpg", "train/rocket/rocket_q50.jpg"]
        assert not by_kind["near"].leaks and by_kind["near"].similarity >= 0.85
        assert groups[0].leaks  # leaking groups come first
        assert len(groups) == 2  # the other photos are not duplicates of anything


def test_outliers_rank_the_odd_one_out_first(tmp_path, backbone):
    root = tmp_path / "imgs"
    (root / "train/gray").mkdir(parents=True)
    for i in range(12):  # near-identical flat grays...
        Image.new("RGB", (64, 64), (120 + i, 120 + i, 120 + i)).save(root / f"train/gray/{i}.png")
    from .conftest import skimage_photo

    skimage_photo("astronaut").save(root / "train/gray/astronaut.png")  # ...and one photo
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        embed_project(project, backbone=backbone)
        ranked = outliers(project)
        assert ranked[0]["path"] == "train/gray/astronaut.png"
        assert ranked[0]["score"] > ranked[1]["score"]
