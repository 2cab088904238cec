"""The cluster that ``--ray auto`` names, found before Ray is imported.

Ray resolves ``auto`` itself (``RAY_ADDRESS``; else the GCS named by the one raylet
running here; among several, or with none, the address the last ``ray start`` on this
machine wrote, or with several and no such address any one of them), and then replaces
127.0.0.1 by this machine's network address unless RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER
is 0 (read once, when Ray is imported). For the README's one-machine cluster, which
listens on 127.0.0.1 only, ``--ray auto`` then dialled an address where nothing listens
and waited for good, printing Ray's "Failed to connect to GCS" every few seconds. So
the same steps are taken here, without Ray, to learn the address ``auto`` will reach:
:mod:`.ray_loopback` makes the setting for it as it does for ``--ray 127.0.0.1:PORT``.

Several clusters running here are refused (:class:`~.ray_errors.SeveralClusters`, naming
them), as older Ray releases did ("Found multiple active Ray instances"); Ray 2.60
takes the file's (logging a warning nobody sees), and the file is written by whoever ran
``ray start`` last here (another user, another shell), or, with no file, whichever it
listed first: the job ran on a cluster the person may not have meant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .ray_address import parse_address
from .ray_errors import ClusterUnavailable, SeveralClusters

ADDRESS_FILE = "ray_current_cluster"  # written by `ray start` in Ray's temp folder
GCS_FLAG = "--gcs-address="  # on a raylet's command line


def ray_temp_dir() -> Path:
    """Ray's default temp folder on this machine (where `ray start` writes the address
    file when it is given no --temp-dir)."""
    if "RAY_TMPDIR" in os.environ:
        return Path(os.environ["RAY_TMPDIR"]) / "ray"
    if sys.platform.startswith("linux") and "TMPDIR" in os.environ:
        return Path(os.environ["TMPDIR"]) / "ray"
    return Path("/tmp/ray")


def auto_address(proc: Path = Path("/proc")) -> str | None:
    """The ``HOST:PORT`` that ``auto`` names: ``RAY_ADDRESS``, else the one cluster
    running here, else the address the last ``ray start`` here recorded; None when there
    is none. Several clusters running here are :class:`SeveralClusters` (unless
    ``RAY_ADDRESS`` names one)."""
    env = os.environ.get("RAY_ADDRESS", "").strip()
    if env and env != "auto":
        return None if env.startswith("ray://") else env
    # One raylet running here is joined whatever the file says (a file a crashed `ray
    # start` left names a cluster gone); with none, the file names the one to join
    running = raylet_gcs_addresses(proc)
    if len(running) == 1:
        return running.pop()
    try:
        recorded = (ray_temp_dir() / ADDRESS_FILE).read_text().strip()
    except OSError:
        recorded = ""
    if len(running) > 1:
        raise SeveralClusters(several_text(sorted(running), recorded))
    return recorded or None


def several_text(running: list[str], recorded: str) -> str:
    """Why ``auto`` does not choose among ``running``, and what to give instead."""
    last = f"; the last `ray start` here recorded {recorded}" if recorded in running else ""
    return (
        f"auto found {len(running)} Ray clusters running on this machine "
        f"({', '.join(running)}) and cannot tell which one you mean{last}: give the address "
        f"of the one to use instead of auto (for example {running[0]}), or set RAY_ADDRESS"
    )


def raylet_gcs_addresses(proc: Path = Path("/proc")) -> set[str]:
    """The GCS addresses the raylets running on this machine name (Linux)."""
    found: set[str] = set()
    try:
        entries = list(proc.iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if not args or b"raylet" not in os.path.basename(args[0]):
            continue
        for arg in args:
            for word in arg.decode(errors="replace").split(" "):
                if word.startswith(GCS_FLAG) and word[len(GCS_FLAG) :] not in ("", "None"):
                    found.add(word[len(GCS_FLAG) :])
    return found


def local_target(address: str) -> tuple[str, int] | None:
    """The head's GCS (host, port) that a job at ``address`` joins as a node: for
    ``auto``, the one found here (:func:`auto_address`); None for a Ray Client, or when
    it cannot be told."""
    if address.startswith("ray://"):
        return None
    if address != "auto":
        return parse_address(address)
    found = auto_address()
    if found is None:
        return None
    try:
        return parse_address(found)
    except ClusterUnavailable:  # not an address this can read: Ray says what it makes of it
        return None
