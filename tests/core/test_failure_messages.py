"""What an expected failure says: a full disk names where the write went."""

from __future__ import annotations

import errno

from labeldesk.core.failures import describe


def test_a_full_disk_during_a_copy_names_the_target_not_the_source():
    # shutil.copy2 on ENOSPC: filename is the source, filename2 the destination
    exc = OSError(
        errno.ENOSPC, "No space left on device", "/data/images/a.png", None, "/mnt/out/a.png"
    )
    message, kind = describe(exc)
    assert kind == "DiskFull" and "/mnt/out/a.png" in message and "/data/images" not in message
    single = OSError(errno.ENOSPC, "No space left on device", "/mnt/out/b.png")
    assert "/mnt/out/b.png" in describe(single)[0]
    missing = OSError(errno.ENOENT, "No such file", "/data/images/a.png", None, "/mnt/out/a.png")
    assert "/data/images/a.png" in describe(missing)[0]  # a read problem: the source
