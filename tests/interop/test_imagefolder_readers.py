"""torchvision's ImageFolder loads LabelDesk's ImageFolder export: every image, with the
label it has in the project, for each split (and through hard and symbolic links)."""

from __future__ import annotations

import pytest

from labeldesk.core.indexed_files import hash_file
from labeldesk.interop.export import ExportOptions, export

datasets = pytest.importorskip("torchvision.datasets")


@pytest.mark.parametrize("link", ["copy", "hardlink", "symlink"])
def test_torchvision_imagefolder_reads_every_split_with_its_labels(project, tmp_path, link):
    out = tmp_path / f"out-{link}"
    report = export(project, out, "imagefolder", ExportOptions(link=link))
    frame = project.images(include_skipped=False)
    wanted = {
        (h, lab, s if isinstance(s, str) else "train")
        for h, lab, s in zip(frame.hash, frame.label, frame.split, strict=True)
        if isinstance(lab, str)
    }
    seen = set()
    for split in sorted(report.per_split):
        data = datasets.ImageFolder(str(out / split))
        for path, target in data.samples:  # joined to the project by content hash
            seen.add((hash_file(path), data.classes[target], split))
        assert len(data) == report.per_split[split]
        image, _ = data[0]  # decodes through PIL like a training loop would
        assert image.size[0] > 0
    assert seen == wanted
