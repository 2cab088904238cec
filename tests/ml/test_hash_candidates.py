"""hash_candidates compares every pair inside a bucket of equal 13-bit pieces: a near copy
whose only equal piece is shared by hundreds of images (a large collection: ~n/8192 a
bucket) is found however far apart the two lie in hash order."""

from __future__ import annotations

import numpy as np

from labeldesk.ml.hash_groups import BUCKET_MAX, WINDOW, hash_candidates


def test_a_copy_equal_only_in_a_crowded_piece_is_found():
    rng = np.random.default_rng(3)
    n = 400
    assert 2 * WINDOW < n <= BUCKET_MAX
    values = rng.integers(0, 2**63, size=n, dtype=np.int64).view(np.uint64)
    values &= ~np.uint64((1 << 13) - 1)  # all share the first piece (bits 0-12)
    # The copy differs in one bit of each other piece, bit 63 among them: equal only in
    # the crowded first piece, and half the bucket away from its original in hash order.
    copy = values[0] ^ np.uint64((1 << 13) | (1 << 26) | (1 << 39) | (1 << 63))
    hashes = np.r_[values, copy].view(np.int64)
    pairs = hash_candidates(hashes, 4)
    assert [0, n, 4] in pairs.tolist()
    # and nothing that is not a near copy: random 51-bit tails are far apart
    assert all(int(d) <= 4 for d in pairs[:, 2])


def test_every_pair_a_few_bits_apart_is_found_among_many():
    rng = np.random.default_rng(0)
    n, planted = 120_000, 300  # ~15 images per bucket: beyond the old window of 8
    values = rng.integers(0, 2**63, size=n, dtype=np.int64).view(np.uint64)
    values ^= rng.integers(0, 2, n).astype(np.uint64) << np.uint64(63)
    sources = rng.choice(n, planted, replace=False)
    copies = values[sources].copy()
    for i in range(planted):
        for bit in rng.choice(64, int(rng.integers(1, 5)), replace=False):
            copies[i] ^= np.uint64(1) << np.uint64(int(bit))
    found = hash_candidates(np.r_[values, copies].view(np.int64), 4)
    got = {(int(a), int(b)) for a, b, _ in found}
    assert all((int(s), n + i) in got for i, s in enumerate(sources))
