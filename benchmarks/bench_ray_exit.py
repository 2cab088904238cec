"""How long `labeldesk embed --ray` takes to end after its last line.

A command that ran on a Ray cluster has Ray, Ray Data, PyArrow and the model's runtime
loaded, and the Python interpreter's teardown (its last garbage collections over all of
that) kept the process going after the command had said everything; on a machine short
of memory (Ray's memory monitor killing the job) for much longer.

Each round embeds a fresh copy of the bundled sample project (600 images) with the
command line, against a real local two-node cluster on 127.0.0.1 (tests/cluster/
local_ray.py: a fresh temporary folder, stopped by its own ids, never `ray stop`), and
measures from the command's last line (its summary) to the end of its process: wall
time, and CPU (the process's own, read from /proc as the last line arrives, and at its
end from ``os.wait4``). With ``--before PATH`` (a checkout of the code before, with its
own virtual environment in PATH/.venv, e.g. a `git worktree` of main), a second cluster
runs from that environment (the nodes must run the client's LabelDesk), and the rounds
alternate between the two.

    python benchmarks/bench_ray_exit.py [--rounds 2] [--before /path/to/main] [--timing]

``--timing`` prints the start of each run's "where the time went" (joining the cluster,
checking it, the first batch) in place of its last line.

(offline, as the tests run Ray: `unshare -n bash -c 'ip link set lo up; python …'`)
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "fashion"
sys.path.insert(0, str(ROOT / "tests"))

from exit_timing import after_last_line, print_medians  # noqa: E402

CLUSTER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from cluster.local_ray import start_local_ray
cluster = start_local_ray(cpus_per_node=1, nodes=2)
print(cluster.address, flush=True)
try:
    sys.stdin.read()  # until the benchmark closes it
finally:
    cluster.stop()
"""


def one(
    python: Path, project: Path, address: str, env: dict[str, str], timing: bool = False
) -> tuple[float, float, str]:
    """(wall s, CPU s) from the command's last line to its end, and that line (with
    ``timing``, the start of the summary's "where the time went" instead)."""
    labeldesk = python.parent / "labeldesk"
    cmd = [str(labeldesk), "embed", str(project), "--ray", address, "--workers", "1"]
    went: list[str] = []

    def seen(line: str) -> None:
        if line.startswith("where the time went: "):  # "1.2 s joining the cluster, …"
            went[:] = [line.split(": ", 1)[1].split(" (", 1)[0]]

    # (cwd: Ray's workers import from the driver's folder too)
    wall, cpu, last = after_last_line(cmd, cwd=project.parent, env=env, seen=seen)
    return wall, cpu, ("".join(went) if timing else last[:60])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="a checkout of the code before")
    parser.add_argument(
        "--timing",
        action="store_true",
        help="print the summary's first figures (joining the cluster, checking it) too",
    )
    args = parser.parse_args()
    roots = {"this code": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    env = {
        **os.environ,
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # the nodes and the command on 127.0.0.1
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AUTH_MODE": "token",  # the clusters take this process's token alone
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
    }
    work = Path(tempfile.mkdtemp(prefix="bench_ray_exit"))
    clusters: dict[str, tuple[subprocess.Popen, str, Path]] = {}
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    try:
        from labeldesk.cli import main as cli

        assert cli(["new", str(work / "project"), "--images", str(SAMPLE)]) == 0
        for name, root in roots.items():
            python = root / ".venv" / "bin" / "python"
            start = subprocess.Popen(
                [str(python), "-c", CLUSTER, str(ROOT / "tests")],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
                cwd=work,  # (not this checkout: Ray's workers could import from it)
            )  # fmt: skip
            assert start.stdout is not None
            clusters[name] = (start, start.stdout.readline().strip(), python)
        print(f"load {os.getloadavg()[0]:.1f}", flush=True)
        for i in range(args.rounds):
            for name, (_, address, python) in clusters.items():
                copy = work / f"{name.replace(' ', '_')}{i}"
                shutil.copytree(work / "project", copy)
                wall, cpu, last = one(python, copy, address, env, args.timing)
                seen[name].append((wall, cpu))
                print(f"round {i + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU after the "
                      f"last line ({last}…)", flush=True)  # fmt: skip
        print_medians(seen)
        print(f"load {os.getloadavg()[0]:.1f}")
    finally:
        for start, _, _ in clusters.values():
            if start.stdin is not None:
                start.stdin.close()  # the cluster stops itself, by its own ids
            start.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
