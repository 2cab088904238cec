"""The cluster that ``--ray auto`` names, found before Ray is imported.

Ray resolves ``auto`` itself (``RAY_ADDRESS``; else the GCS named by the one raylet
running here; among several, or with none, the address the last ``ray start`` on this
machine wrote), and then replaces
127.0.0.1 by this machine's network address unless RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER
is 0 (read once, when Ray is imported). For the README's one-machine cluster, which
listens on 127.0.0.1 only, ``--ray auto`` then dialled an address where nothing listens
and waited for good, printing Ray's "Failed to connect to GCS" every few seconds. So
the same steps are taken here, without Ray, to learn the address ``auto`` will reach:
:mod:`.ray_loopback` makes the setting for it as it does for ``--ray 127.0.0.1:PORT``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .ray_address import parse_address
from .ray_errors import ClusterUnavailable

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
    """The ``HOST:PORT`` that Ray's ``auto`` connects to, as far as it can be told
    without Ray: None when there is none, or several clusters run here and no ``ray
    start`` recorded which one (Ray then decides)."""
    env = os.environ.get("RAY_ADDRESS", "").strip()
    if env and env != "auto":
        return None if env.startswith("ray://") else env
    # Ray's order (services.get_ray_address_from_environment): one raylet running here
    # is joined whatever the file says (a file a crashed `ray start` left names a
    # cluster gone); the file picks among several, and names one when none runs here
    running = raylet_gcs_addresses(proc)
    if len(running) == 1:
        return running.pop()
    try:
        recorded = (ray_temp_dir() / ADDRESS_FILE).read_text().strip()
    except OSError:
        recorded = ""
    return recorded or None


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
