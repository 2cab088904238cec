"""Settings shared by every SQLite connection LabelDesk opens, writable or read-only
(:mod:`.db` and :mod:`.read_only_db` both use them; ``db`` imports ``read_only_db``, so
they live here rather than in either)."""

from __future__ import annotations

BUSY_TIMEOUT_MS = 60000  # how long a write waits for another process's, by default;
# a reader waits as long for a writer's checkpoint
BUSY_TIMEOUT_S = BUSY_TIMEOUT_MS / 1000  # the same, as sqlite3.connect's timeout
