"""A FIFO or socket with an image's name is listed as skipped, with its reason, and
never opened (a FIFO would block the scan); once a real image, it is indexed."""

from __future__ import annotations

import os
import socket

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.file_kinds import NOT_REGULAR

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here"),
    pytest.mark.timeout(60),
]


def _skipped(project) -> dict[str, str]:
    frame = project.images(include_skipped=True)
    return {p: r for p, r in zip(frame.path, frame.skip_reason, strict=True) if isinstance(r, str)}


def test_fifos_and_sockets_named_like_images_are_listed_not_opened(tmp_path):
    root = tmp_path / "img"
    write_image(root / "cat" / "a.jpg", seed=1)
    os.mkfifo(root / "cat" / "pipe.jpg")
    os.mkfifo(root / "cat" / "pipe-no-extension")  # no image name: not an image at all
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(root / "cat" / "sock.png"))
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        assert _skipped(project) == {"cat/pipe.jpg": NOT_REGULAR, "cat/sock.png": NOT_REGULAR}
        (root / "cat" / "pipe.jpg").unlink()
        write_image(root / "cat" / "pipe.jpg", seed=2)
        project.scan(workers=1)
        assert _skipped(project) == {"cat/sock.png": NOT_REGULAR}
        assert "cat/pipe.jpg" in set(project.images(include_skipped=False).path)
