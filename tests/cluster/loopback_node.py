"""``ray start`` for a second node of the tests' loopback-only cluster.

Run as ``python loopback_node.py start --address 127.0.0.1:PORT --node-ip-address
127.0.0.1 ...`` with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 in the environment.

Ray's servers (GCS, raylet, workers) listen on 127.0.0.1 only when a node's address is
exactly ``127.0.0.1``; otherwise on every interface. ``ray start`` replaces a
``--node-ip-address`` of 127.0.0.1 by this machine's network address unless
RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (its mode for a one-machine cluster), and in that
mode it refuses ``ray start --address``: a second node. This runs Ray's own ``ray
start`` with those two decisions changed for this process only (the node's processes
inherit the environment above and keep 127.0.0.1): a test-only shim over two private
names of Ray, checked by ``test_ray_loopback.py`` whenever the cluster starts.
"""

from __future__ import annotations

import sys


def main() -> None:
    import ray._private.ray_constants as constants
    import ray._private.services as services
    from ray.scripts.scripts import main as ray_cli

    resolve = services.resolve_ip_for_localhost

    def keep_loopback(host: str) -> str:
        return host if host == "127.0.0.1" else resolve(host)

    constants.ENABLE_RAY_CLUSTER = True  # `ray start --address`: a node may join
    services.resolve_ip_for_localhost = keep_loopback  # ...and stays on 127.0.0.1
    sys.argv[0] = "ray"
    ray_cli()


if __name__ == "__main__":
    main()
