"""What to import of a LabelDesk export, said when its folder (or its manifest) is given
to import and is not read as a label source: the file that holds its labels, or what is
wrong with its manifest when that cannot say which format the export is."""

from __future__ import annotations

import json
from pathlib import Path

from labeldesk.core.json_shown import json_shown
from labeldesk.core.staging import EXPORT_MANIFEST
from labeldesk.interop.export_formats import EXPORT_FORMATS

# What to import of a LabelDesk export whose folder itself is not read as its format
_EXPORT_LABELS = {"csv": "labels.csv", "parquet": "labels.parquet", "labelstudio": "tasks.json"}


def export_advice(folder: Path, said: str, *, folder_refused: bool = False) -> str:
    """Where a LabelDesk export in ``folder`` keeps its labels, after ``said`` ("OUT is"):
    its manifest records how others read the pictures, not the labels. ``folder_refused``:
    the folder itself was not read as a label source, so it is not the advice."""
    manifest = folder / EXPORT_MANIFEST
    fmt, wrong = _manifest_format(manifest)
    if fmt is None:
        return (
            f"{said} a LabelDesk export, but {manifest.name} {wrong}, so it does not say "
            f"how the export keeps its labels (its format is one of "
            f"{', '.join(EXPORT_FORMATS)}): import the label file in it, or name its format"
        )
    if fmt in _EXPORT_LABELS:
        return (
            f"{said} a LabelDesk export ({fmt}), not a label file: "
            f"import {folder / _EXPORT_LABELS[fmt]} to read its labels"
        )
    if folder_refused:  # its files were changed or removed since it was exported
        return (
            f"{said} a LabelDesk export ({fmt}), but the folder is not read as {fmt}: "
            f"name its format ({fmt}) to see what it lacks"
        )
    return (
        f"{said} a LabelDesk export ({fmt}), not a label file: import {folder} to read its labels"
    )


def _manifest_format(manifest: Path) -> tuple[str | None, str]:
    """(the export format its manifest names, "") or (None, what is wrong with it)."""
    try:
        data = json.loads(manifest.read_text("utf-8"))
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    except RecursionError:
        return None, "is nested too deeply"
    except ValueError:
        return None, "is not valid JSON"
    if not isinstance(data, dict):
        return None, f"is not a JSON object but {json_shown(data, 60)}"
    if "format" not in data:
        return None, 'has no "format"'
    fmt = data["format"]
    if not isinstance(fmt, str):
        return None, f'gives its "format" as {json_shown(fmt, 60)}, not as text'
    if fmt not in EXPORT_FORMATS:
        return None, f"names the format {json_shown(fmt, 60)}, which LabelDesk does not write"
    return fmt, ""
