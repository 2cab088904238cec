"""Safe image decoding: allow-listed formats, EXIF orientation, bomb limit, clear reasons.

Everything that turns bytes into pixels goes through here, so the scanner, thumbnails,
embeddings and the GUI agree on what an image is and how it looks. Pillow's
decompression-bomb limit is left at its default; nothing here raises it.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .file_kinds import ALLOWED_FORMATS, NotRegularFile, open_regular, require_regular
from .indexed_files import MAX_FILE_BYTES, content_hash, thumbnail_path
from .parent_watch import stop_if_orphaned

# Thumbnails keep a short side of 224 px (the input size of most backbones, so embedding
# a big photo can read its small thumbnail instead of decoding the original again) and a
# long side of at most 448 px; small images are kept at their own size.
THUMB_SHORT_SIDE = 224
THUMB_LONG_MAX = 448
PHASH_COMMENT = b"labeldesk-phash:"  # thumbnails carry their image's perceptual hash


@dataclass(frozen=True)
class ProbeResult:
    """What indexing learns about one file. ``skip_reason`` is set when it is unusable."""

    path: str
    size: int = 0
    mtime_ns: int = 0
    hash: str | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    mode: str | None = None
    frames: int | None = None
    phash: int | None = None
    skip_reason: str | None = None
    # A problem that is not the image's fault (e.g. no space left for its thumbnail): the
    # image stays usable and the thumbnail is made again when it is needed.
    warning: str | None = None
    ctime_ns: int | None = None  # status-change time (on Windows, the creation time)


def probe_file(path: str, thumb_root: str | None = None) -> ProbeResult:
    """Read, hash and validate one file; write its thumbnail if ``thumb_root`` is given.

    Never raises for a bad file: the reason goes into ``skip_reason``. Runs in worker
    processes, so it takes and returns only plain, picklable values.
    """
    data, reason, st = _read(path)
    base = (
        ProbeResult(path, size=st.st_size, mtime_ns=st.st_mtime_ns, ctime_ns=st.st_ctime_ns)
        if st
        else ProbeResult(path)
    )
    if data is None:
        return _replace(base, skip_reason=reason)
    if not data:
        return _replace(base, skip_reason="empty file")
    digest = content_hash(data)
    base = _replace(base, hash=digest)
    try:
        img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as exc:
        return _replace(base, skip_reason=f"too large (decompression bomb limit): {exc}")
    except UnidentifiedImageError:
        return _replace(base, skip_reason=_identify_failure(data))
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return _replace(base, skip_reason=f"corrupt image header: {exc}")
    with img:
        width, height = oriented_size(img)
        info = _replace(
            base,
            width=width,
            height=height,
            format=img.format,
            mode=img.mode,
            frames=int(getattr(img, "n_frames", 1)),
        )
        thumb = thumbnail_path(Path(thumb_root), digest) if thumb_root else None
        if thumb is not None and thumb.exists():  # identical bytes were decoded before
            try:
                return _replace(info, phash=_whole_thumbnail_phash(thumb))
            except (OSError, ValueError, SyntaxError, EOFError):
                thumb.unlink(missing_ok=True)  # a damaged cache file: make it again
        try:
            rgb = thumbnail_image(img)
            info = _replace(info, phash=perceptual_hash(rgb))
        except Image.DecompressionBombError as exc:
            return _replace(info, skip_reason=f"too large (decompression bomb limit): {exc}")
        except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
            return _replace(info, skip_reason=_decode_failure(exc))
    if thumb is not None:
        try:
            _write_thumbnail(rgb, thumb, info.phash)
        except OSError as exc:  # a full disk, a read-only cache: not a verdict on the image
            return _replace(info, warning=f"thumbnail not written: {exc.strerror or exc}")
    return info


def _read(path: str) -> tuple[bytes | None, str | None, os.stat_result | None]:
    """(bytes, None, stat) or (None, reason, stat-if-known)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None, "vanished during scan", None
    except OSError as exc:
        return None, f"could not be read: {exc.strerror or exc}", None
    if st.st_size > MAX_FILE_BYTES:
        return None, f"too large: {st.st_size / 2**20:.0f} MB file", st
    try:
        with open_regular(path) as f:
            return f.read(), None, st
    except FileNotFoundError:
        return None, "vanished during scan", None
    except PermissionError:
        return None, "permission denied", st
    except IsADirectoryError:
        return None, "is a folder, not a file", st
    except NotRegularFile as exc:
        return None, exc.strerror, st
    except OSError as exc:
        return None, f"could not be read: {exc.strerror or exc}", st


def _replace(result: ProbeResult, **changes: object) -> ProbeResult:
    return replace(result, **changes)  # type: ignore[arg-type]


def _identify_failure(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as other:
            return f"unsupported format ({other.format})"
    except Image.DecompressionBombError:
        return "unsupported format (and too large)"
    except Exception:
        pass
    if data[4:8] == b"ftyp":
        brand = data[8:12].decode("ascii", "replace").strip()
        return f"unsupported format ({'AVIF' if brand.startswith('avi') else 'HEIC/' + brand})"
    return "not an image"


def _decode_failure(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "truncated" in lowered or "premature" in lowered or isinstance(exc, EOFError):
        return f"truncated file ({text})"
    return f"corrupt image data ({text})"


def thumbnail_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size a thumbnail of an image of ``size`` has (never larger than the image).

    Also what JPEG draft mode is asked for: the smallest DCT scale that still covers it.
    """
    width, height = size
    scale = min(
        1.0, THUMB_SHORT_SIDE / max(min(width, height), 1), THUMB_LONG_MAX / max(width, height, 1)
    )
    return max(1, round(width * scale)), max(1, round(height * scale))


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    m = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    return m


_DCT32 = _dct_matrix(32)


def perceptual_hash(img: Image.Image) -> int:
    """64-bit DCT perceptual hash (as a signed int for SQLite).

    Re-encoded or resized copies differ in a few bits; unrelated images in about half.
    Low-frequency 8×8 DCT coefficients of a 32×32 gray version, each compared with the median.
    """
    gray = np.asarray(img.convert("L").resize((32, 32), Image.Resampling.LANCZOS), np.float64)
    coeffs = (_DCT32 @ gray @ _DCT32.T)[:8, :8].ravel()
    bits = coeffs > np.median(coeffs[1:])
    value = int("".join("1" if b else "0" for b in bits), 2)
    return value - (1 << 64) if value >= (1 << 63) else value


def hash_distance(a: int, b: int) -> int:
    """Number of differing bits between two perceptual hashes."""
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def oriented_size(img: Image.Image) -> tuple[int, int]:
    """Width and height as displayed, after the EXIF orientation is applied."""
    width, height = img.size
    try:
        orientation = img.getexif().get(0x0112, 1)
    except Exception:
        orientation = 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any decoded mode (CMYK, 16-bit, palette+alpha, gray, ...) to 8-bit RGB.

    Transparent pixels become white, as image viewers show them.
    """
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        if img.mode.startswith("I;16"):
            arr = arr / 257.0
        else:
            lo, hi = float(arr.min()), float(arr.max())
            arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "L").convert("RGB")
    has_alpha = img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        img.mode == "P" and "transparency" in img.info
    )
    if has_alpha:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def load_rgb(path: Path, draft: tuple[int, int] | None = None) -> Image.Image:
    """Decode an allow-listed image for display or a model: oriented, RGB, first frame.

    With ``draft``, JPEGs decode at the smallest DCT scale whose size still covers
    ``draft`` (several times faster for big photos). Raises PIL/OS errors for bad files.
    """
    require_regular(path)
    return _decoded_rgb(path, draft)


def decode_rgb(data: bytes, draft: tuple[int, int] | None = None) -> Image.Image:
    """:func:`load_rgb` of a file's bytes, read already (and checked against its hash)."""
    return _decoded_rgb(io.BytesIO(data), draft)


def _decoded_rgb(source: Path | io.BytesIO, draft: tuple[int, int] | None) -> Image.Image:
    with Image.open(source, formats=ALLOWED_FORMATS) as img:
        if draft and img.format == "JPEG":
            img.draft("RGB", draft)
        img.load()
        ImageOps.exif_transpose(img, in_place=True)
        return to_rgb(img)


def cached_phash(thumb: Path) -> int:
    """The perceptual hash stored in a thumbnail's JPEG comment (read from the header,
    nothing decoded); computed from its pixels for a thumbnail without one."""
    with Image.open(thumb) as small:
        comment = small.info.get("comment", b"")
        if comment.startswith(PHASH_COMMENT):
            return int(comment[len(PHASH_COMMENT) :])
        return perceptual_hash(small)


def _whole_thumbnail_phash(thumb: Path) -> int:
    """:func:`cached_phash` of a thumbnail that decodes to the end: one cut short (a
    crash, or a disk that filled as it was written) raises, so it is made again."""
    with Image.open(thumb, formats=("JPEG",)) as small:
        small.load()
    return cached_phash(thumb)


def thumbnail_image(img: Image.Image) -> Image.Image:
    """Decode an opened image into its thumbnail's pixels (upright RGB, see
    :func:`thumbnail_size`); JPEGs decode at a reduced DCT scale that still covers it."""
    if img.format == "JPEG":
        img.draft("RGB", thumbnail_size(img.size))
    img.load()
    ImageOps.exif_transpose(img, in_place=True)
    rgb = to_rgb(img)
    target = thumbnail_size(rgb.size)
    if target != rgb.size:
        rgb = rgb.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return rgb


def encode_thumbnail(rgb: Image.Image, phash: int | None = None) -> bytes:
    """The thumbnail file's bytes: JPEG at quality 90, the perceptual hash in its comment.
    The one encoder for the scan's files and a Ray worker's in-memory copies, whose
    pixels embeddings are made from: they must not drift apart."""
    comment = PHASH_COMMENT + str(phash).encode() if phash is not None else b""
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=90, comment=comment)
    return out.getvalue()


def thumbnail_jpeg(data: bytes) -> bytes:
    """The thumbnail the scan writes for an image with these bytes, made in memory, byte
    for byte (a Ray worker embeds from it where a local run reads the scan's file)."""
    with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as img:
        rgb = thumbnail_image(img)
        return encode_thumbnail(rgb, perceptual_hash(rgb))


def _write_thumbnail(img: Image.Image, target: Path, phash: int | None = None) -> None:
    """Encode in memory, then write with a plain write (which raises on a short write,
    where Pillow's own file output may not) and rename: a thumbnail is whole or absent.
    ``target`` is ``ROOT/xx/NAME.jpg`` (:func:`thumbnail_path`): ROOT and xx are made
    when missing, but never the folder ROOT is in (a project, or a staging folder a
    killed run's worker still writes to, that the next run has removed: made again, it
    stayed for good). A worker whose command has ended writes nothing: it exits."""
    data = encode_thumbnail(img, phash)
    stop_if_orphaned()
    target.parent.parent.mkdir(exist_ok=True)
    target.parent.mkdir(exist_ok=True)
    # One temporary per thread: the app's loader threads make the thumbnail of two
    # identical files at once, and a shared name let one move the other's half-written
    # file into place, then fail its own rename ("thumbnail not written").
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_native_id()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
