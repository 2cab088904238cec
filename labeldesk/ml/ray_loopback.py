"""This process's side of a one-machine Ray cluster that listens on 127.0.0.1 only.

Ray's servers bind 127.0.0.1 only when their node's address is exactly 127.0.0.1, and
Ray on Linux keeps that address only with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (README,
"Trying it on one machine"); otherwise it replaces 127.0.0.1 by this machine's network
address, where such a cluster does not listen. A process that connects to it needs the
same setting, read once when Ray is imported: without it Ray dials the network address
and waits there for minutes. So before Ray is imported for a job at a 127.0.0.1 address
whose port listens on loopback alone, the setting is made for this process; a process
that imported Ray before (a notebook) is told what to set.

Linux only (/proc/net): on Windows and macOS Ray keeps 127.0.0.1 by default.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

ONE_MACHINE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
LISTEN = "0A"  # the TCP state in /proc/net/tcp


PROC_NET = Path("/proc/net")


def listening_addresses(port: int, tables: Path = PROC_NET) -> list[str]:
    """The addresses something on this machine listens on at ``port`` (Linux)."""
    found = []
    for table in ("tcp", "tcp6"):
        try:
            lines = (tables / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            host, _, hex_port = fields[1].partition(":")
            if fields[3] == LISTEN and int(hex_port, 16) == port:
                found.append(str(_address(host)))
    return found


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = bytes.fromhex(hex_address)  # 32-bit words in host order (little-endian here)
    ip = ipaddress.ip_address(b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4)))
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_only(target: tuple[str, int] | None, tables: Path = PROC_NET) -> bool:
    """Is ``target`` (host, port) a 127.0.0.1 address whose port listens on loopback
    alone on this machine (a cluster started as the README's one-machine cluster)?"""
    if target is None or not sys.platform.startswith("linux") or not _is_loopback(target[0]):
        return False
    found = listening_addresses(target[1], tables)
    return bool(found) and all(_is_loopback(a) for a in found)


def prepare(target: tuple[str, int] | None) -> None:
    """Before Ray is imported: keep this process on 127.0.0.1 for a loopback-only
    cluster (a setting made by the user stays)."""
    if "ray" not in sys.modules and loopback_only(target):
        os.environ.setdefault(ONE_MACHINE, "0")


def driver_mismatch(ray: Any, target: tuple[str, int] | None) -> str | None:
    """Why this process cannot reach a loopback-only cluster at ``target`` (Ray was
    imported without the setting: it would dial another address), or None."""
    if target is None or not loopback_only(target):
        return None
    own = str(ray.util.get_node_ip_address())
    if _is_loopback(own):
        return None
    return (
        f"the Ray cluster at {target[0]}:{target[1]} listens on 127.0.0.1 only, but Ray in "
        f"this process would reach it at {own} (this machine's network address): set "
        f"{ONE_MACHINE}=0 before Ray is first imported (in the notebook or shell that "
        "runs this), as for `ray start`"
    )
