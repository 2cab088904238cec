"""The near-duplicate rule's default thresholds (the rule: :mod:`labeldesk.ml.near_rule`).

Apart from the rule, which needs numpy and Pillow, so that the command line can show them
in its help without loading either.
"""

DEFAULT_THRESHOLD = 0.85  # cosine similarity of two embeddings
# Re-encoded or resized copies differ in 0-3 of 64 bits, unrelated photos in about 32.
DEFAULT_HASH_DISTANCE = 4
