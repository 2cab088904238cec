"""The predictions' cache key is made a piece at a time (a million hashes in one
json.dumps held the GIL, and froze the window, for over a second); it must stay the
digest of the one-call JSON text, or every project's cached predictions would be made
again after an update."""

from __future__ import annotations

import hashlib
import json

from labeldesk.ml.json_digest import json_sha1


def one_call(items: list[object]) -> str:
    return hashlib.sha1(json.dumps(items).encode()).hexdigest()


def test_the_key_is_the_digest_of_the_one_call_json():
    hashes = [f"{i:040x}" for i in range(23)]
    splits = ["train", None, "val", "tést", 'a "quoted" \\ name'] * 5
    items: list[object] = ["probe-v3", None, 64, 0.5, "model", 2, ["ant", "bee"], 17]
    items += [hashes, splits, (1, "x"), [], None, "no-head-no-cleaning"]
    for piece in (1, 2, 5, 22, 23, 24, 1000):
        assert json_sha1(items, piece=piece) == one_call(items)
    assert json_sha1([]) == one_call([])
    assert json_sha1([hashes], piece=4) != json_sha1([hashes[:-1]], piece=4)
