"""Guard against a PySide6 bug that crashes long-running GUIs on CPython < 3.12.

PySide6-Essentials 6.12.0 (abi3 wheel) returns ``None`` from every void method and
``True`` from ``Signal.emit()`` without taking a reference, as if they were immortal,
which they are only from Python 3.12 on. On 3.11 each call lowers their reference count
until CPython frees them and aborts ("Fatal Python error: none_dealloc"): a few thousand
repaints of the thumbnail grid. 6.11.x and any version on 3.12+ are fine.

:func:`protect_singletons` detects the bug and, only then, gives ``None``, ``True`` and
``False`` a reference count so large that the leak can never reach zero. The proper fix
is a dependency pin (``PySide6-Essentials!=6.12.0`` for Python < 3.12) or Python ≥ 3.12.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_HEADROOM = 1 << 40  # one leaked reference per Qt call: ~10^12 calls of margin
_PROBE_CALLS = 64
_protected = False


def drops_singleton_references() -> bool:
    """True when this PySide6 loses a reference to None/True on every call."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")  # a void method: returns None
        probe.ping.emit()  # returns True
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    # Allow some noise from unrelated code; the bug costs one reference per call.
    return lost_none >= _PROBE_CALLS // 2 or lost_true >= _PROBE_CALLS // 2


def protect_singletons() -> bool:
    """Apply the guard if needed (idempotent); return whether it is active."""
    global _protected
    if _protected:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False  # immortal singletons: the bug is harmless
    if hasattr(sys, "gettotalrefcount") or not drops_singleton_references():
        return False  # debug builds lay out objects differently; leave them alone
    import PySide6

    for obj in (None, True, False):
        before = sys.getrefcount(obj)
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is the first field
        refcount.value += _HEADROOM
        if sys.getrefcount(obj) - before != _HEADROOM:  # not the layout we expected
            refcount.value -= _HEADROOM
            log.error("could not guard against the PySide6 %s refcount bug", PySide6.__version__)
            return False
    _protected = True
    log.warning(
        "PySide6 %s on Python %d.%d leaks references to None/True (fixed in 6.11.x and on "
        "Python 3.12+); guard applied",
        PySide6.__version__,
        *sys.version_info[:2],
    )
    return True
