"""A child job's error, said in the child and raised again in the parent
(:func:`labeldesk.ml.child_jobs.run_in_child`): a :class:`LabelDeskError` comes back as
the same kind with its message and notes, a full disk or a damaged database in the
words the command line uses, anything else as one line naming the job."""

from __future__ import annotations

import importlib

from labeldesk.core.errors import LabelDeskError

# The kinds of an expected failure (core.failures.describe) that the parent raises as
# the same class; the others come back as a plain LabelDeskError with its message
_DESCRIBED_KINDS = {
    "DiskFull": "labeldesk.core.errors:DiskFull",
    "DatabaseDamaged": "labeldesk.core.errors:DatabaseDamaged",
}


def unexpected(target: str, exc: Exception) -> tuple[str, str]:
    """(kind, message) for an error that is not LabelDesk's own: a full disk, a damaged
    database and the like in the words the command line uses (the app showed the
    child's raw "… failed: OSError: [Errno 28] …" for a full disk), else its text."""
    from labeldesk.core.failures import describe

    expected = describe(exc)  # (with the notes the work added)
    if expected is not None:
        return _DESCRIBED_KINDS.get(expected[1], ""), expected[0]
    return "", with_notes(f"{target} failed: {type(exc).__name__}: {exc}", exc)


def kind_of(exc: LabelDeskError) -> str:
    """Where the error's class lives ("labeldesk.core.errors:ScanNeeded"), so the parent
    raises the same kind: it came back as a plain LabelDeskError, and the app could not
    tell a "scan first" from any other failure to offer the scan."""
    kind = type(exc)
    return f"{kind.__module__}:{kind.__qualname__}"


def error_from_child(kind: str, message: str) -> LabelDeskError:
    """The child's error as the kind it raised, with its message (and notes) as said
    there; a kind that is not one of LabelDesk's errors, or not found here, comes back
    as a plain :class:`LabelDeskError`. Made without calling the class's own
    ``__init__`` (some take other arguments than a message), so its extra attributes
    (``UnknownPathError.paths``) are not there: the message says what they held."""
    cls: type[LabelDeskError] = LabelDeskError
    module, _, name = kind.partition(":")
    if module.split(".")[0] == "labeldesk" and name:
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            found = None
        if isinstance(found, type) and issubclass(found, LabelDeskError):
            cls = found
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    return error


def with_notes(message: str, exc: BaseException) -> str:
    """The error's message and the notes the work added on the way up, as the command
    line says them (they were dropped here: a cluster job's notices, what it kept)."""
    return "; ".join([message, *(str(n) for n in getattr(exc, "__notes__", None) or [])])
