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


def test_a_write_refused_names_the_folder_not_the_hidden_temporary():
    tmp = "/p/embeddings/key/.tmp-41-0a1b2c3d-7-knn-10.npz"
    message = describe(OSError(errno.EROFS, "Read-only file system", tmp))[0]
    assert message.startswith("the disk is read-only: /p/embeddings/key (writing knn-10.npz there)")
    denied = describe(OSError(errno.EACCES, "Permission denied", tmp))[0]
    assert ".tmp-" not in denied and "/p/embeddings/key" in denied


def test_a_refused_write_says_what_to_do():
    """Not only what went wrong: a read-only disk or a permission names the remedy (a
    project on a read-only mount, a folder made read-only, a read-only database file)."""
    import sqlite3

    where = "/p/scan.lock"
    read_only = describe(OSError(errno.EROFS, "Read-only file system", where))[0]
    assert where in read_only and "use a folder on a disk that can be written to" in read_only
    denied = describe(OSError(errno.EACCES, "Permission denied", where))[0]
    assert where in denied and "check its permissions" in denied
    database, kind = describe(sqlite3.OperationalError("attempt to write a readonly database"))
    assert kind == "OSError"
    # a read-only disk too, not only the folder's permissions
    assert "read-only disk" in database and "copy the project folder somewhere writable" in database
