"""Which tests pytest-xdist keeps in one process under ``make test`` (``-n 2 --dist
loadgroup``): a file's tests together (its module fixtures are made once), and every test
of tests/cluster/ in the same process, one after another (each process would otherwise
start a Ray cluster of its own on CI's two cores).

These groups were ``xdist_group`` marks that tests/conftest.py added, and they never took
effect: an xdist worker reads the marks in its own ``pytest_collection_modifyitems``,
which pluggy calls before a conftest's, and the group it writes into a test's node id
(``item._nodeid``) is no longer read by pytest 9.2 (pytest-xdist issue #1386). Every test
was scheduled on its own: a file's tests split between the two processes, each made its
module fixtures, and each started a Ray cluster (test_ray_auto_loopback's join then
skipped for the other process's cluster: 22 skipped under xdist, 21 in one process).

So the controller's scheduler is made here (xdist's ``pytest_xdist_make_scheduler``
hook), with groups taken from each test's path, whatever the marks and node ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TESTS = Path(__file__).parent
CLUSTER = "ray-cluster"


def group_of(nodeid: str, rootpath: Path) -> str:
    """The group of the test ``nodeid`` (relative to ``rootpath``): its file, or
    :data:`CLUSTER` for every test under tests/cluster/."""
    file = nodeid.split("::", 1)[0]
    try:
        where = (rootpath / file).relative_to(TESTS)
    except ValueError:  # (a test file outside tests/, named on the command line)
        return file
    return CLUSTER if where.parts[0] == "cluster" else file


class Groups:
    """The plugin (registered by tests/conftest.py where xdist is installed)."""

    def pytest_xdist_make_scheduler(self, config: Any, log: Any) -> Any:
        if config.getvalue("dist") != "loadgroup":
            return None  # another --dist asked for: xdist's own
        from xdist.scheduler import LoadScopeScheduling

        rootpath = config.rootpath

        class FileGroups(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return group_of(nodeid, rootpath)

        return FileGroups(config, log)
