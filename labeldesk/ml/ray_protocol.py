"""Is it Ray that answers at a cluster address? One bounded call, made before ``ray.init``.

Something other than the expected Ray server listening at the address makes
``ray.init`` wait instead of failing: a port that accepts and then says nothing, for good;
a web server, ~20 s; Ray Client's port given as the head's GCS port, or the GCS port
given as ``ray://``, 30 to 40 s. One gRPC call to a method that only the expected server
has tells within seconds: the head's GCS answers ``NodeInfoGcsService.GetClusterId``,
Ray Client's server ``RayletDriver.ClusterInfo`` (the ping Ray Client itself sends).
Any answer of that server's own counts, a refusal too (a missing token: Ray then says
so itself); "no such method" or no gRPC answer at all does not.

Needs grpcio (installed with ``ray[client]``, LabelDesk's ``cluster`` extra); without
it, or with Ray's TLS on (``RAY_USE_TLS``), nothing is checked here.
"""

from __future__ import annotations

import os
from typing import Any

GCS_METHOD = "/ray.rpc.NodeInfoGcsService/GetClusterId"
CLIENT_METHOD = "/ray.rpc.RayletDriver/ClusterInfo"


def not_ray(target: tuple[str, int], *, client: bool, timeout: float) -> str | None:
    """Why the server at ``target`` (host, port) is not Ray's GCS (``client``: not Ray
    Client's server), in words for the user; None when it is, or when it cannot be told."""
    request = _request(client)
    if request is None or os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
        return None
    import grpc

    host, port = target
    channel = grpc.insecure_channel(f"{host}:{port}")
    try:
        call = channel.unary_unary(CLIENT_METHOD if client else GCS_METHOD)
        call(request, timeout=timeout)
    except grpc.RpcError as exc:
        return _problem(exc, grpc.StatusCode, client, timeout)
    finally:
        channel.close()
    return None


def _request(client: bool) -> bytes | None:
    """The serialized request (Ray's own message); None without grpcio or Ray's messages."""
    try:
        import grpc  # noqa: F401
        from ray.core.generated import gcs_service_pb2, ray_client_pb2
    except ImportError:
        return None
    client_messages: Any = ray_client_pb2
    if client:
        ping = client_messages.ClusterInfoType.PING
        return bytes(client_messages.ClusterInfoRequest(type=ping).SerializeToString())
    gcs_messages: Any = gcs_service_pb2
    return bytes(gcs_messages.GetClusterIdRequest().SerializeToString())


def _problem(exc: Any, codes: Any, client: bool, timeout: float) -> str | None:
    code = exc.code()
    if code == codes.UNIMPLEMENTED:  # a gRPC server without the method
        if client:
            return (
                "a gRPC server that is not Ray Client's: if it is the head's GCS port, "
                "give the address without ray://"
            )
        return (
            "a gRPC server that is not a Ray head's GCS: if it is Ray Client's port, "
            "give the address as ray://HOST:PORT"
        )
    if code == codes.DEADLINE_EXCEEDED:
        return f"it did not answer Ray's protocol (gRPC) within {timeout:g} s"
    if code == codes.UNAVAILABLE:  # grpc's last words: "...: Failed parsing HTTP/2 (...)"
        return f"it does not speak Ray's protocol (gRPC): {str(exc.details()).rsplit(': ', 1)[-1]}"
    return None  # the server's own answer (refused, a missing token...): it is Ray
