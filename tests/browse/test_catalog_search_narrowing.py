"""A search typed a key at a time reads only the paths that held the text before the key
(when they are few), and finds what a search of every path finds."""

from __future__ import annotations

from labeldesk.browse import catalog_queries as catalog_module
from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter


def found(catalog: ImageCatalog, text: str) -> list[str]:
    return [str(p) for p in catalog.paths[catalog.filter(ImageFilter(search=text))]]


def test_typing_on_reads_only_the_last_matches(project, monkeypatch):
    monkeypatch.setattr(catalog_module, "NARROW_SHARE", 1)  # 19 images: narrow at any share
    typed = ImageCatalog.load(project)
    everything = len(typed)
    reads = []
    for text in ("c", "ca", "cat", "cat1", "ca", "dog", "dog1", "g1", "cat"):
        assert found(typed, text) == found(ImageCatalog.load(project), text), text
        reads.append(typed.searched_rows)
    cat = len(found(typed, "cat"))
    assert 0 < cat < everything
    # "c" reads every path; "ca" and "cat" only those holding the text before; "cat1"
    # those holding "cat"; back to "ca" (a key deleted) and "dog" (another text): every
    # path; "dog1" only the dogs; "g1" every path (not typed on from "dog1"); "cat" too
    dogs = len(found(typed, "dog"))
    assert reads[3] == cat and reads[6] == dogs
    assert reads[0] == reads[4] == reads[5] == reads[7] == reads[8] == everything
    assert reads[1] < everything and reads[2] <= reads[1]


def test_many_matches_are_searched_again_whole(project):
    """Most paths held the text before: every path is read (taking out most of them costs
    more than reading them all)."""
    catalog = ImageCatalog.load(project)
    assert found(catalog, "/") and catalog.searched_rows == len(catalog)
    found(catalog, "/c")
    assert catalog.searched_rows == len(catalog)
