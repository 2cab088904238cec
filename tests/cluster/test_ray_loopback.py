"""The tests' local Ray cluster listens on 127.0.0.1 only (the project's rule for servers
it starts): every process of it, its workers and this process's side of the connection
included, read from /proc."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

LISTEN = "0A"  # TCP state in /proc/net/tcp


def socket_inodes(pid: int) -> set[int]:
    found = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # gone meanwhile
        return found
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as /proc/net/tcp{,6} writes it: 32-bit words in host byte order."""
    raw = bytes.fromhex(hex_address)
    ip = ipaddress.ip_address(b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4)))
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip  # ::ffff:127.0.0.1 (a dual-stack socket) as 127.0.0.1


def listening_sockets() -> dict[int, tuple[str, int]]:
    """Every listening TCP socket of this network namespace: inode -> (address, port)."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        lines = Path(table).read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if state == LISTEN:
                host, port = local.split(":")
                found[inode] = (str(_address(host)), int(port, 16))
    return found


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def cluster_listeners(cluster) -> list[tuple[int, str, str, int]]:
    """(pid, command, address, port) of each listening socket of the cluster's processes
    (the nodes, everything below them, anything naming its folder) and of this one."""
    from cluster.local_ray import descendants, processes_naming

    roots = [p.pid for p in cluster.nodes]
    pids = set(roots) | descendants(roots) | set(processes_naming(str(cluster.temp_dir)))
    pids.add(os.getpid())  # the driver: Ray's worker in this process listens too
    listening = listening_sockets()
    found = []
    for pid in sorted(pids):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        for inode in socket_inodes(pid):
            if inode in listening:
                found.append((pid, Path(command).name, *listening[inode]))
    return found


def test_the_proc_table_reads_addresses_as_written():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        mine = {v for k, v in listening_sockets().items() if k in socket_inodes(os.getpid())}
    assert ("127.0.0.1", port) in mine
    assert is_loopback("::ffff:127.0.0.1") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.0.2.2")


def test_no_process_of_the_local_cluster_listens_beyond_loopback(ray_cluster):
    """With a job's workers running on both nodes: the GCS, both raylets (node and object
    managers), the workers, the runtime-env agents, the Ray Client server and this
    process's driver each listen on 127.0.0.1 only."""
    from labeldesk.ml.ray_cluster import connect, import_ray

    ray = import_ray()
    owned = connect(ray, ray_cluster.address)
    try:

        class Busy:  # defined here: sent to the workers by value
            def node(self) -> str:
                return ray.get_runtime_context().get_node_id()

        nodes = [n["NodeID"] for n in ray.nodes() if n.get("Alive")]
        assert len(nodes) == 2
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        actors = [
            ray.remote(Busy)
            .options(num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False))
            .remote()
            for n in nodes
        ]
        assert sorted(ray.get([a.node.remote() for a in actors], timeout=120)) == sorted(nodes)
        listeners = cluster_listeners(ray_cluster)
        for actor in actors:
            ray.kill(actor)
    finally:
        if owned:
            ray.shutdown()
    ports = {port for *_, port in listeners}
    assert ray_cluster.port in ports  # the GCS: the right processes were looked at
    if ray_cluster.client_port is not None:
        assert ray_cluster.client_port in ports
    commands = {command for _, command, *_ in listeners}
    assert {"gcs_server", "raylet"} <= commands
    beyond = [entry for entry in listeners if not is_loopback(entry[2])]
    assert not beyond, f"listening beyond 127.0.0.1 (pid, command, address, port): {beyond}"
