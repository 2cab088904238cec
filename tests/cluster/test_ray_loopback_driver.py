"""LabelDesk joining a one-machine Ray cluster that listens on 127.0.0.1 only (as the
README starts it) from a process that did not set Ray's one-machine mode: kept on
127.0.0.1 before Ray is imported, or told what to set (labeldesk.ml.ray_loopback)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

PORT = 6667  # 0x1A0B in /proc/net/tcp's hex
HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"


def proc_tables(tmp_path: Path, tcp: list[str], tcp6: list[str]) -> Path:
    """/proc/net/tcp{,6} with one LISTEN line per local address given (hex, as written)."""
    tmp_path.mkdir()
    for name, locals_ in (("tcp", tcp), ("tcp6", tcp6)):
        rows = [
            f"   {i}: {local}:1A0B 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
            f"     0        0 {1000 + i} 1 0000000000000000 100 0 0 10 0\n"
            for i, local in enumerate(locals_)
        ]
        (tmp_path / name).write_text(HEADER + "".join(rows))
    return tmp_path


def test_a_port_listening_on_loopback_alone_is_told_apart(tmp_path):
    from labeldesk.ml.ray_loopback import listening_addresses, loopback_only

    ipv4_loopback, mapped_loopback = "0100007F", "0000000000000000FFFF00000100007F"
    everywhere6 = "0" * 32
    local = proc_tables(tmp_path / "a", [ipv4_loopback], [mapped_loopback])
    assert listening_addresses(PORT, local) == ["127.0.0.1", "127.0.0.1"]
    assert loopback_only(("127.0.0.1", PORT), local)
    assert loopback_only(("localhost", PORT), local)
    assert not loopback_only(("10.0.0.5", PORT), local)  # another machine: not ours to read
    assert not loopback_only(("127.0.0.1", PORT + 1), local)  # nothing listens there
    old_style = proc_tables(tmp_path / "b", [], [everywhere6])  # a cluster on [::]
    assert listening_addresses(PORT, old_style) == ["::"]
    assert not loopback_only(("127.0.0.1", PORT), old_style)


@pytest.fixture
def loopback_listener():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_before_ray_is_imported_this_process_is_kept_on_loopback(loopback_listener, monkeypatch):
    import sys

    from labeldesk.ml import ray_loopback

    monkeypatch.delitem(sys.modules, "ray", raising=False)
    monkeypatch.delenv(ray_loopback.ONE_MACHINE, raising=False)
    ray_loopback.prepare(("127.0.0.1", loopback_listener))
    assert os.environ[ray_loopback.ONE_MACHINE] == "0"
    monkeypatch.setenv(ray_loopback.ONE_MACHINE, "1")  # the user's own choice stays
    ray_loopback.prepare(("127.0.0.1", loopback_listener))
    assert os.environ[ray_loopback.ONE_MACHINE] == "1"


def test_a_process_that_imported_ray_without_it_is_told_what_to_set(loopback_listener):
    from types import SimpleNamespace

    from labeldesk.ml.ray_loopback import driver_mismatch

    def ray_at(ip: str):
        return SimpleNamespace(util=SimpleNamespace(get_node_ip_address=lambda: ip))

    target = ("127.0.0.1", loopback_listener)
    problem = driver_mismatch(ray_at("192.0.2.7"), target)
    assert problem is not None and "listens on 127.0.0.1 only" in problem
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0" in problem and "192.0.2.7" in problem
    assert driver_mismatch(ray_at("127.0.0.1"), target) is None
    assert driver_mismatch(ray_at("192.0.2.7"), None) is None  # ray://: Ray Client's own way
