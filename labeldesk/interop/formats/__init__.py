"""Every import and export format, one module each; importing this package registers
them all (exporters in :data:`labeldesk.interop.writing.EXPORTERS`, importers in
:data:`labeldesk.interop.formats.base.IMPORTERS`).

The order below is the order people see (the export dialog, ``--format``) and the order
detection tries: ImageFolder first (the default), then the formats whose files have a
recognisable shape, and the plain CSV/JSON manifest last.
"""

from __future__ import annotations

# isort: off
from . import imagefolder  # noqa: F401  (registers itself)
from . import hf  # noqa: F401  (before parquet: metadata.parquet is hf's)
from . import parquet  # noqa: F401
from . import fiftyone  # noqa: F401
from . import labelstudio  # noqa: F401
from . import webdataset  # noqa: F401
from . import csv_manifest  # noqa: F401
from . import folder_labels  # noqa: F401  (any folder with class folders)
from . import webdataset_read  # noqa: F401  (.tar shards: after class folders)
# isort: on

from .base import (
    IMPORTERS,
    ImportOptions,
    UnknownFormatError,
    detect_format,
    read_labels,
    refuse_project_files,
    register_importer,
    source_state,
)

__all__ = [
    "IMPORTERS",
    "ImportOptions",
    "UnknownFormatError",
    "detect_format",
    "read_labels",
    "refuse_project_files",
    "register_importer",
    "source_state",
]
