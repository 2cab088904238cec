"""Swap what two paths name in one step: Linux's ``renameat2(RENAME_EXCHANGE)``.

Replacing a folder with two renames (the old one aside, the new one in its place) leaves
a moment when neither is there; a process killed in it leaves no folder at all. An
exchange has no such moment: before it each path names its own folder, after it the
other's. Where the call or the filesystem cannot do it (not Linux, a C library without
``renameat2``, a kernel or filesystem that answers EINVAL, ENOSYS or EOPNOTSUPP),
:func:`swap` changes nothing and says so, and the caller renames in two steps.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import sys
from typing import Any

RENAME_EXCHANGE = 2  # <linux/fs.h>
AT_FDCWD = -100  # paths taken as given (relative ones to the working folder)
LIBC_FUNCTION = "renameat2"  # glibc 2.28 and later, musl 1.2.2 and later
# What a system or filesystem that cannot exchange answers: try the two renames instead
UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP})


@functools.cache
def _renameat2() -> Any:
    """The C library's ``renameat2``, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(None, use_errno=True), LIBC_FUNCTION)
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def swap(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Exchange the entries ``a`` and ``b`` (both must exist) at once. True when done;
    False where this system or filesystem cannot exchange (nothing changed). Any other
    failure (a path missing, two disks, no permission) raises OSError."""
    function = _renameat2()
    if function is None:
        return False
    if function(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), os.fspath(a), None, os.fspath(b))
