"""A copy's times and permission bits, where the destination disk takes them.

A FAT or exFAT drive (most USB sticks) mounted on Linux refuses ``chmod`` (EPERM unless
mounted with ``quiet``; "not implemented" through some FUSE drivers), so
``shutil.copystat`` fails there after every byte was written. The bytes are the copy;
the bits are a nicety: the times are still copied where they can be, and a refusal of
either is not a failed copy.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

# what a disk that keeps no Unix permissions (or no times) answers
_NOT_KEPT = (errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL)


def copy_stat(source: Path, dest: Path) -> None:
    """``shutil.copystat(source, dest)``, or, where the disk refuses the permission bits,
    the access and change times alone (refused too: left as the copy made them)."""
    try:
        shutil.copystat(source, dest)
    except OSError as exc:
        if exc.errno not in _NOT_KEPT:
            raise
        try:
            st = os.stat(source)
            os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))
        except OSError as again:
            if again.errno not in _NOT_KEPT:
                raise
