"""Ray addresses (``HOST:PORT``, ``ray://HOST:PORT``, ``auto``): reading and comparing
them, the ones this process is connected to, and checking in seconds that the Ray
server the address names answers there (:func:`check_reachable`: another server on that
port is told apart by :mod:`.ray_protocol`)."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from . import ray_protocol
from .ray_errors import ClusterUnavailable

CONNECT_TIMEOUT_S = 5.0
ANSWER_TIMEOUT_S = 5.0  # for Ray's answer once connected (a head answers in milliseconds)


def parse_address(address: str) -> tuple[str, int] | None:
    """(host, port) of a Ray address; None for ``auto`` (Ray finds the local cluster)."""
    if address == "auto":
        return None
    scheme = address.strip().partition("://")[0] if "://" in address else "ray"
    if scheme.lower() != "ray":  # http://HEAD:8265, `ray job submit`'s: the dashboard
        raise ClusterUnavailable(
            f"{address!r} is not a Ray address: {scheme}:// is for the dashboard and `ray job "
            "submit`; give the head's GCS port (HOST:6379 by default) or Ray Client's "
            "(ray://HOST:10001)"
        )
    host, _, port = address.strip().removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterUnavailable(
            f"{address!r} is not a Ray address: use HOST:PORT (the head's GCS port, "
            "6379 by default), ray://HOST:PORT (Ray Client, 10001 by default) or auto"
        )
    return host, int(port)


def gcs_target(address: str) -> tuple[str, int] | None:
    """The head's GCS that this process joins as a node (not for a Ray Client)."""
    return None if address.startswith("ray://") else parse_address(address)


def check_reachable(address: str) -> None:
    """Fail in seconds (not after Ray's minute of retries, or never) when nothing listens
    there, or something that is not the Ray server the address names (another service
    on that port, Ray Client's port without ``ray://`` or the head's with it)."""
    target = parse_address(address)
    if target is None:
        return
    _dial(address, target)
    client = address.startswith("ray://")
    problem = ray_protocol.not_ray(target, client=client, timeout=ANSWER_TIMEOUT_S)
    if problem is None:
        return
    _dial(address, target)  # refused now: the head went away, not another server
    if client:
        named, port = "Ray Client", "Ray Client's port (ray://HOST:10001 by default)"
    else:
        named = "a Ray head"
        port = "the head's GCS port (HOST:6379 unless `ray start --head --port` named another)"
    raise ClusterUnavailable(
        f"something answers at {address}, but not {named} ({problem}); check the address: "
        f"it must be {port}"
    )


def _dial(address: str, target: tuple[str, int]) -> None:
    try:
        with socket.create_connection(target, timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ClusterUnavailable(
            f"no Ray cluster answers at {address} ({exc}); start one with "
            "`ray start --head` or check the address and the firewall"
        ) from exc


def connected_to(ray: Any) -> list[str]:
    """The addresses this process's Ray connection answers to: the cluster's GCS
    (``HOST:PORT``) and, for a Ray Client, the ``ray://`` address it dialled."""
    found = []
    with contextlib.suppress(Exception):
        found.append(str(ray.get_runtime_context().gcs_address))
    with contextlib.suppress(Exception):
        context = ray.util.client.ray.get_context()
        if context.is_connected():
            found.append(f"ray://{context.client_worker._conn_str}")
    return found


def same_address(asked: str, current: str) -> bool:
    """Do two Ray addresses name the same server (same kind, port and host, the host
    compared by what it resolves to: ``localhost`` is ``127.0.0.1``)?"""
    if asked.startswith("ray://") != current.startswith("ray://"):
        return False
    a, b = parse_address(asked), parse_address(current)
    if a is None or b is None or a[1] != b[1]:
        return False
    return a[0] == b[0] or bool(_resolved(a[0]) & _resolved(b[0]))


def _resolved(host: str) -> set[str]:
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        return set()
