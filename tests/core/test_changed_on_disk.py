"""`Project.changed_on_disk` (the detail panel's "changed on disk since the last scan,
rescan before labeling it") compares the change time too: a picture copied over another
of the same size with its time kept (`cp --preserve=timestamps`, a tool that restores
times) was not said, so a key labeled the indexed picture while the panel showed the new
one. A change time moved alone (new permissions) is judged by the bytes, as a scan does."""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
from PIL import Image

from labeldesk.core.create import create_and_index

OLD_NS = 1_600_000_000 * 10**9


def _bmp(path, value: int) -> None:
    """A 16 x 16 BMP: every one of them has the same size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(path, "BMP")
    os.utime(path, ns=(OLD_NS, OLD_NS))


def _project(tmp_path):
    root = tmp_path / "images"
    _bmp(root / "cat/a.bmp", 0)
    _bmp(root / "dog/b.bmp", 200)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    time.sleep(0.05)  # change times tick coarsely: what follows lands on a later one
    ids = project.ids_for(["cat/a.bmp", "dog/b.bmp"])
    return root, project, ids["cat/a.bmp"], ids["dog/b.bmp"]


def test_a_picture_copied_over_another_with_its_size_and_time_is_said(tmp_path):
    root, project, a, b = _project(tmp_path)
    assert not project.changed_on_disk(a)
    shutil.copy2(root / "dog/b.bmp", root / "cat/a.bmp")  # as cp --preserve=timestamps
    st = os.stat(root / "cat/a.bmp")
    assert (st.st_size, st.st_mtime_ns) == (os.stat(root / "dog/b.bmp").st_size, OLD_NS)

    assert project.changed_on_disk(a)
    assert not project.changed_on_disk(b)
    project.scan(workers=1)
    assert not project.changed_on_disk(a)  # the scan read it: as indexed now
    project.close()


def test_new_permissions_alone_are_no_change(tmp_path):
    root, project, a, _ = _project(tmp_path)
    os.chmod(root / "cat/a.bmp", 0o600)  # moves the change time, not the bytes
    assert not project.changed_on_disk(a)
    os.unlink(root / "cat/a.bmp")
    assert project.changed_on_disk(a)
    project.close()
