"""Whether a process that left a file or folder behind is still running: its id
(:func:`process_alive`) and whose ids they are (:func:`process_space`: this boot of this
computer and this container's process namespace), as a staging folder's marker and a
run's leftovers record them (:mod:`labeldesk.core.staging`)."""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path


@functools.cache
def process_space() -> str:
    """Whose process ids a marker's pid is: on Linux this boot of this computer and this
    container's process namespace (a host name alone is shared by cloned machines and by
    containers, which number their processes apart); elsewhere the host name."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return socket.gethostname()


def process_alive(pid: int) -> bool:
    """Is process ``pid`` running? (When it cannot be told, assume it is.)"""
    if pid <= 0:
        return False
    if os.name == "nt":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # it exists, as another user; or not a pid here
        return True
    return True


def _windows_process_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
