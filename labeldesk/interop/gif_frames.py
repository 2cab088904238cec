"""A GIF's first frame as PNG bytes, for an ImageFolder export: torchvision's
``ImageFolder`` reads no ``.gif`` and skips such files without a word, so a person
training from the export would lose them. The frame is kept as it is (its palette and
transparency too: PNG holds whatever a GIF frame holds); later frames of an animation
are not written. The export's manifest lists every file written so (``gif_as_png``)."""

from __future__ import annotations

import io


class FrameError(Exception):
    """The GIF's first frame cannot be decoded (the message says why)."""


def first_frame_png(data: bytes) -> bytes:
    """The PNG of the first frame of the GIF ``data`` (FrameError if it cannot be
    decoded). Pillow's decompression-bomb limit applies; the same bytes give the same
    PNG, as exports must."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=("GIF",)) as img:
            img.seek(0)
            img.load()
            out = io.BytesIO()
            img.save(out, "PNG")
    except Image.DecompressionBombError as exc:
        raise FrameError(f"too large (decompression bomb limit): {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise FrameError(f"its first frame could not be decoded as a GIF ({exc})") from None
    return out.getvalue()
