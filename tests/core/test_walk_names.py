"""The walk's name checks: the fast paths decide as the slow ones did."""

from __future__ import annotations

import os

import pytest

from labeldesk.core.walk import _extension, _valid_utf8, is_candidate_name


@pytest.mark.parametrize(
    "name",
    ["a.png", "A.PNG", "a.b.JPG", "noext", ".hidden", "..png", "...", "a.", "a..png",
     "x.tar.gz", ".a.png", "..a.png", "photo.JpEg", "é.webp", "ü"],
)  # fmt: skip
def test_extension_is_splitexts(name):
    assert _extension(name) == os.path.splitext(name)[1].lower()


def test_names_with_undecodable_bytes_are_caught_and_others_pass():
    assert _valid_utf8("plain.png") and _valid_utf8("café.png")
    undecodable = os.fsdecode(b"bad\xff.png")  # a surrogate, as os.scandir gives it
    assert not _valid_utf8(undecodable)


def test_candidate_names_by_extension():
    assert is_candidate_name("x.JPG") and is_candidate_name("y.webp")
    assert not is_candidate_name(".png") and not is_candidate_name("notes.txt")
