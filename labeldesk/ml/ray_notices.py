"""Ray's own notices during a job, said in one line each, and a job that failed because
one of the cluster's nodes went away, said so.

Ray's driver prints what the cluster reports (a worker that died, a node's raylet that
ended) from a thread of its own, straight to stdout: a worker killed mid-job printed three
"(raylet) …" paragraphs in colour (the job went on: Ray started another worker and ran
its batch again), and a node whose raylet was killed printed "Raylet is terminated" with
the last 20 lines of that raylet's log, twice, before the command ended with "the Ray job
failed: The actor 09c8… is unavailable: … RpcError: RPC error: Socket closed rpc_code:
14 …". Ray's autoscaler's events come another way, with the workers' output, and were
printed as they came ("(autoscaler +1m2s) Tip: use `ray status` …", "(autoscaler +1m2s)
Error: No available node types can fulfill resource request …"). :func:`caught` takes
these notices while a job runs (Ray's printing function, and the driver's handler of the
workers' output, are swapped for ones that keep them, and put back after), and
:class:`Notices` says each in one line; :func:`node_lost` tells a job that failed because
a node went away, naming it.
"""

# the parts, in modules of their own: their names stay importable from here
from .ray_node_lost import alive_nodes, losses_told, node_death_window, node_lost, nodes_gone
from .ray_notice_catch import autoscaler_events, caught
from .ray_notice_lines import NodeLost, Notices, failure_line, failure_notes, noted

__all__ = [
    "NodeLost",
    "Notices",
    "alive_nodes",
    "autoscaler_events",
    "caught",
    "failure_line",
    "failure_notes",
    "losses_told",
    "node_death_window",
    "node_lost",
    "nodes_gone",
    "noted",
]
