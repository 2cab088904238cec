"""The names of the export formats, in the order people see them.

The formats themselves register in :data:`labeldesk.interop.writing.EXPORTERS` when
:mod:`labeldesk.interop.formats` is imported (in this order, which a test holds); the
command line's ``--format`` lists these names without importing every format's writer
for each command it parses.
"""

EXPORT_FORMATS = ("imagefolder", "hf", "parquet", "fiftyone", "labelstudio", "webdataset", "csv")
