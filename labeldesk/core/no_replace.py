"""Renaming a finished file to its name only if that name is free.

``os.replace`` and (on POSIX) ``os.rename`` replace whatever holds the name; a hard link
never does, but some file systems (FAT and exFAT drives, some network shares) have
none. There a copy into the image folder would have to be written under its final name,
and a process killed mid-write would leave a truncated picture there for good. The
system calls that rename without replacing fill that gap: ``renameat2`` with
``RENAME_NOREPLACE`` (Linux), ``renamex_np`` with ``RENAME_EXCL`` (macOS), and
``MoveFileEx`` without ``MOVEFILE_REPLACE_EXISTING`` (``os.rename`` on Windows).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from collections.abc import Callable
from pathlib import Path

AT_FDCWD = -100
RENAME_NOREPLACE = 1  # Linux
RENAME_EXCL = 4  # macOS
# The call or the file system does not offer it: the caller does without
UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


@functools.cache
def _system_call() -> Callable[[bytes, bytes], int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):  # (Windows: no C library by that name)
        return None
    if hasattr(libc, "renameat2"):
        linux = libc.renameat2
        linux.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        linux.argtypes += [ctypes.c_uint]
        return lambda src, dst: int(linux(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE))
    if hasattr(libc, "renamex_np"):
        mac = libc.renamex_np
        mac.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        return lambda src, dst: int(mac(src, dst, RENAME_EXCL))
    return None


def rename_no_replace(src: Path, dst: Path) -> bool:
    """Rename ``src`` to ``dst``; FileExistsError when ``dst`` exists (a file, a folder,
    a link, even a dangling one), which stays as it was. False, nothing done, where the
    system or the file system cannot rename without replacing."""
    if os.name == "nt":
        os.rename(src, dst)  # never replaces on Windows: FileExistsError
        return True
    call = _system_call()
    if call is None:
        return False
    if call(os.fsencode(src), os.fsencode(dst)) == 0:
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    if code == errno.EEXIST:
        raise FileExistsError(code, os.strerror(code), str(dst))
    raise OSError(code, os.strerror(code), str(dst))
