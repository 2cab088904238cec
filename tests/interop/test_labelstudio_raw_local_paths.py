"""Label Studio's local-files storage writes ``?d=`` + the file's path below its document
root as ``str(path)``, unescaped (on Windows with backslashes): ``?d=photos\\my
coat%20x.png`` names the file ``my coat%20x.png``. LabelDesk decoded every ``%XX`` in
``d``, so such a file (a ``%`` in its name, as saved web pages and downloads have) was
read as ``my coat x.png`` and was "not an image in the project". A value that holds a
character an escaped URL never holds (a space, a backslash, ``#``, a non-ASCII letter)
was written unescaped: its ``%`` signs are the name's own."""

from __future__ import annotations

import pytest

from labeldesk.interop.formats.labelstudio_read import reference_path


@pytest.mark.parametrize(
    ("ref", "path"),
    [
        ("/data/local-files/?d=photos\\my coat%20x.png", "photos\\my coat%20x.png"),
        ("/data/local-files/?d=photos/my coat%20x.png", "photos/my coat%20x.png"),
        ("/data/local-files/?d=photos/100%25 #1.png", "photos/100%25 #1.png"),
        ("/data/local-files/?d=fotos/día%201.png", "fotos/día%201.png"),
        # escaped, as LabelDesk's export and Label Studio's URL-building write it
        ("/data/local-files/?d=photos/my%20coat%2520x.png", "photos/my coat%20x.png"),
        ("/data/local-files/?d=fotos/d%C3%ADa%201.png", "fotos/día 1.png"),
    ],
)
def test_an_unescaped_local_files_path_keeps_its_percent_signs(ref, path):
    assert reference_path(ref) == (path, None)
