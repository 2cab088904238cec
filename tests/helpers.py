"""Builders for image files and folder trees used across the tests, and a spy on calls."""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image


def write_image(
    path: Path, size=(64, 48), color=(200, 30, 30), fmt="JPEG", mode="RGB", seed=None, **save
) -> Path:
    """Write a small image; with ``seed`` it gets random texture so contents differ."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if seed is not None:
        rng = np.random.default_rng(seed)
        arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        img = Image.fromarray(arr).convert(mode)
    else:
        img = Image.new(mode, size, color if mode in ("RGB", "RGBA") else 128)
    img.save(path, fmt, **save)
    return path


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width×height: triggers the decompression-bomb check cheaply."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(size=(64, 48), seed=0, **save) -> bytes:
    buf = io.BytesIO()
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(
        buf, "JPEG", **save
    )
    return buf.getvalue()


def make_imagefolder(root: Path) -> dict[str, str | None]:
    """train/val/test ImageFolder with two classes plus an unlabeled pool.

    Returns {relative path: expected label}.
    """
    expected: dict[str, str | None] = {}
    n = 0
    for split, per_class in (("train", 4), ("val", 2), ("test", 2)):
        for label in ("cat", "dog"):
            for i in range(per_class):
                rel = f"{split}/{label}/{label}{i}.jpg"
                write_image(root / rel, seed=n)
                expected[rel] = label
                n += 1
    for i in range(3):
        rel = f"_unlabeled/u{i}.png"
        write_image(root / rel, fmt="PNG", seed=100 + i)
        expected[rel] = None
    return expected


def make_messy_folder(root: Path) -> dict[str, str]:
    """Every kind of file a real dataset folder holds. Returns {path: expected reason prefix}
    for the files that must be skipped; the good ones are listed in GOOD_MESSY_FILES."""
    root.mkdir(parents=True, exist_ok=True)
    good = root / "good"
    write_image(good / "rgb.jpg", seed=1)
    write_image(good / "UPPER.JPG", seed=2)
    write_image(good / "png_named.jpg", fmt="PNG", seed=3)  # content wins over extension
    (good / "no_extension").write_bytes(jpeg_bytes(seed=4))
    write_image(good / "cmyk.jpg", mode="CMYK", seed=5)
    Image.fromarray(np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20).save(
        good / "sixteen_bit.png"
    )
    pal = Image.new("P", (32, 32))
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.info["transparency"] = 0
    pal.save(good / "palette_alpha.png", transparency=0)
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(good / "animated.gif", save_all=True, append_images=frames[1:], duration=50)
    write_image(good / "gray.png", fmt="PNG", mode="L", seed=6)
    write_image(good / "photo.tiff", fmt="TIFF", seed=7)
    write_image(good / "bitmap.bmp", fmt="BMP", seed=8)
    write_image(good / "web.webp", fmt="WEBP", seed=9)
    rotated = Image.fromarray(
        np.random.default_rng(10).integers(0, 255, (40, 80, 3), dtype=np.uint8)
    )
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    rotated.save(good / "exif_rotated.jpg", exif=exif)

    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.jpg").write_bytes(b"")
    (bad / "truncated.jpg").write_bytes(jpeg_bytes(size=(256, 256), seed=11)[:2000])
    png = io.BytesIO()
    Image.fromarray(np.random.default_rng(12).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(
        png, "PNG"
    )
    (bad / "truncated.png").write_bytes(png.getvalue()[: len(png.getvalue()) // 2])
    (bad / "text.jpg").write_text("this is not an image at all\n" * 20)
    write_image(bad / "icon.ico", fmt="ICO", size=(32, 32))
    (bad / "bomb.png").write_bytes(png_header_only(40000, 40000))
    (bad / "broken_link.jpg").symlink_to(root / "does-not-exist.jpg")

    # Ignored entirely: hidden files/folders, sidecar files.
    write_image(root / ".hidden.jpg", seed=13)
    write_image(root / ".cache" / "inside_hidden.jpg", seed=14)
    (root / "README.txt").write_text("notes")
    (root / "labels.csv").write_text("path,label\n")
    # A symlink loop must not hang the walk.
    (root / "good" / "loop").symlink_to(root, target_is_directory=True)
    return {**BAD_MESSY_FILES, "bad/broken_link.jpg": "broken symbolic link"}


# Files the decoder itself must reject, with the start of the reason it must give.
BAD_MESSY_FILES = {
    "bad/empty.jpg": "empty file",
    "bad/truncated.jpg": "truncated file",
    "bad/truncated.png": "truncated file",
    "bad/text.jpg": "not an image",
    "bad/icon.ico": "unsupported format (ICO)",
    "bad/bomb.png": "too large",
}


GOOD_MESSY_FILES = {
    "good/rgb.jpg",
    "good/UPPER.JPG",
    "good/png_named.jpg",
    "good/no_extension",
    "good/cmyk.jpg",
    "good/sixteen_bit.png",
    "good/palette_alpha.png",
    "good/animated.gif",
    "good/gray.png",
    "good/photo.tiff",
    "good/bitmap.bmp",
    "good/web.webp",
    "good/exif_rotated.jpg",
}


def made_project(tmp_path: Path, files: list[str], labels: dict[str, str | None] | None = None):
    """A project of ``files`` (each a different image) under tmp_path/im, made with
    ``labeldesk new`` at tmp_path/p, with ``labels`` set (new classes made); its path."""
    from labeldesk.cli import main
    from labeldesk.core.project import open_project

    root = tmp_path / "im"
    for seed, rel in enumerate(files, start=1):
        write_image(root / rel, fmt="JPEG" if rel.endswith(".jpg") else "PNG", seed=seed)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    if labels:
        with open_project(path) as p:
            p.set_labels(labels, create_classes=True)
    return path


def cli_json(capsys, *args: str) -> tuple[int, dict]:
    """``labeldesk ARGS --json``: (its exit code, its JSON document); an error is one JSON
    document on stdout too, never a traceback on stderr."""
    import json

    from labeldesk.cli import main

    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out)


def imagefolder_project(tmp_path: Path, capsys) -> str:
    """A project made with ``labeldesk new`` at tmp_path/p of :func:`make_imagefolder`'s
    folder at tmp_path/images (one worker); its path."""
    root = tmp_path / "images"
    make_imagefolder(root)
    path = str(tmp_path / "p")
    assert cli_json(capsys, "new", path, "--images", str(root), "--workers", "1")[0] == 0
    return path


def labels_by_path(proj: str) -> dict[str, object]:
    """Each image's label in the project at ``proj``, by path; None where it has none."""
    from labeldesk.core.project import open_project

    with open_project(proj) as project:
        frame = project.images().set_index("path")
        return {p: (lab if isinstance(lab, str) else None) for p, lab in frame.label.items()}


def refused_import(capsys, proj: str, source: Path, *options: str) -> dict:
    """`labeldesk import --json` of ``source`` (with ``options``) refused: exit 1, every
    label as it was. Its JSON document."""
    before = labels_by_path(proj)
    code, doc = cli_json(capsys, "import", proj, str(source), *options)
    assert code == 1 and labels_by_path(proj) == before
    return doc


def project_of_rows(tmp_path: Path, n: int):
    """A project (classes cat and dog) of ``n`` image rows without files, at
    ``train/img000000.jpg`` …: matching a label file needs none."""
    import time

    from labeldesk.core.project import Project

    images = tmp_path / "images"
    images.mkdir()
    project = Project.create(tmp_path / "project", images, classes=["cat", "dog"])
    with project.db.write() as conn:
        conn.executemany(
            "INSERT INTO images(path, size, mtime_ns, hash, indexed_at) VALUES (?, 1, 0, ?, ?)",
            ((f"train/img{i:06d}.jpg", f"{i:064x}", time.time()) for i in range(n)),
        )
    return project


def peak_bytes(run):
    """(``run()``'s result, the peak bytes Python allocated while it ran: tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def label_of(project, path: str) -> str | None:
    """The label of the image at ``path`` as the project reads it; None if it has none."""
    label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def shard(path: Path, samples: dict[str, dict[str, bytes]]) -> None:
    """A WebDataset shard (a plain tar) at ``path``: ``samples`` maps each key to its
    members' bytes by suffix, ``{"k": {"png": ..., "cls": b"3"}}``."""
    with tarfile.open(path, "w") as tar:
        for key, members in samples.items():
            for suffix, data in members.items():
                info = tarfile.TarInfo(f"{key}.{suffix}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def label_studio_uploads(names: list[str], label: str = "dog") -> str:
    """A Label Studio export (its JSON text) of one task per name in ``names``, each an
    upload (``/data/upload/3/abc{n}-{name}``: found by file name alone) annotated ``label``."""
    import json

    choice = {"from_name": "choice", "to_name": "image", "type": "choices"}
    tasks = [
        {"id": n, "data": {"image": f"/data/upload/3/abc{n}-{name}"},
         "annotations": [{"result": [{**choice, "value": {"choices": [label]}}]}]}
        for n, name in enumerate(names)
    ]  # fmt: skip
    return json.dumps(tasks)


def calls_of(
    monkeypatch, owner: object, name: str, note: Callable[..., object] | None = None
) -> list:
    """The calls of ``owner.name`` from now on, the real one still made: one entry each,
    its first argument or what ``note`` makes of its arguments (``note=str``)."""
    real, calls = getattr(owner, name), []

    def spy(*args, **kwargs):
        calls.append(args[0] if note is None else note(*args, **kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls
