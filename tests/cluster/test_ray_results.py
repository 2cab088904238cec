"""The cluster job's parts that need no cluster: addresses, planning, reading images on a
worker, and writing streamed results into the store (cancel, refusal, retried rows)."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from labeldesk.cli import main
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.ray_address import check_reachable
from labeldesk.ml.ray_errors import (
    ClusterError,
    ClusterMismatch,
    ClusterUnavailable,
    ImageMissingOnWorker,
)
from labeldesk.ml.ray_job_input import job_plan
from labeldesk.ml.ray_nodes import ClusterShape
from labeldesk.ml.ray_results import Outputs, store_results
from labeldesk.ml.ray_worker import FAILED, MISSING, OK, ImageSource, code_version
from labeldesk.ml.vectors import VectorStore

DIM = 8
KEY = "model-abc"


def batch(hashes, status=None, key=KEY, version=None, precision="f32"):
    n = len(hashes)
    status = status or [OK] * n
    rng = np.random.default_rng(len(hashes[0]) + int(hashes[0], 16) % 97)
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return {
        "hash": np.array(hashes, dtype=object),
        "path": np.array([f"img/{h[:4]}.png" for h in hashes], dtype=object),
        "status": np.array(status, dtype=object),
        "reason": np.array(
            ["not found on node-2" if s == MISSING else "bad" for s in status], dtype=object
        ),
        "vector": vectors.astype(np.float16),
        "key": np.array([key] * n, dtype=object),
        "version": np.array([version or code_version()] * n, dtype=object),
        "runtime": np.array(["openvino"] * n, dtype=object),
        "precision": np.array([precision] * n, dtype=object),
    }


def h(i: int) -> str:
    return f"{i:032x}"


def write(tmp_path, batches, cancel=None, cancel_after=None, gone_here=None):
    folder = tmp_path / "store"
    report = EmbedReport("m", KEY, "cpu")
    seen = []

    def progress(p):
        seen.append(p.done)
        if cancel_after is not None and p.done >= cancel_after:
            cancel.cancel()

    with VectorStore.writer(folder, DIM) as store:
        try:
            store_results(
                Outputs(iter(batches)),
                store,
                report,
                KEY,
                100,
                progress,
                cancel or CancelToken(),
                **({} if gone_here is None else {"gone_here": gone_here}),
            )
        finally:
            count = store.count
    return report, VectorStore(folder, DIM), count


def test_batches_are_stored_as_they_arrive_and_a_retried_row_once(tmp_path):
    first = batch([h(1), h(2), h(3)], [OK, FAILED, OK])
    again = batch([h(3), h(4)])  # Ray ran a batch again after a worker died: h(3) twice
    report, store, _ = write(tmp_path, [first, again])
    assert report.embedded == 3 and store.count == 3
    assert [f["path"] for f in report.failed] == ["img/0000.png"]
    assert store.rows_for([h(2)])[0] == -1
    row = store.rows_for([h(1)])[0]
    assert np.allclose(store.gather(np.array([row]))[0], first["vector"][0].astype(np.float32))


def test_cancel_keeps_the_finished_batches(tmp_path):
    cancel = CancelToken()
    batches = [batch([h(i), h(i + 100)]) for i in range(1, 6)]
    with pytest.raises(Cancelled):
        write(tmp_path, batches, cancel=cancel, cancel_after=4)
    assert VectorStore(tmp_path / "store", DIM).count == 4


def test_a_batch_from_other_code_or_model_is_refused_whole(tmp_path):
    good, other = batch([h(1)]), batch([h(2), h(3)], key="model-other")
    with pytest.raises(ClusterMismatch, match="model-other"):
        write(tmp_path, [good, other])
    store = VectorStore(tmp_path / "store", DIM)
    assert store.count == 1 and list(store.rows_for([h(2), h(3)])) == [-1, -1]
    with pytest.raises(ClusterMismatch, match=r"9\.9\.9"):
        write(tmp_path / "b", [batch([h(5)], version="9.9.9+x")])


def test_an_image_missing_on_a_worker_is_listed_and_the_rest_embedded(tmp_path):
    """Deleted since the scan (the probe showed the workers' root is right): listed as
    failed, as a local run lists it; the next run sends it again."""
    report, store, _ = write(
        tmp_path, [batch([h(1)]), batch([h(2), h(3)], [OK, MISSING]), batch([h(4)])]
    )
    assert store.count == 3 and store.rows_for([h(3)])[0] == -1
    assert report.failed == [{"path": f"img/{h(3)[:4]}.png", "reason": "not found on node-2"}]
    assert report.embedded == 3 and not report.cancelled


def test_a_whole_batch_missing_on_a_worker_stops_the_job_after_the_batches_before(tmp_path):
    """A node that lost the image folder mid-job: stopped, not a list of every image."""
    lost = [h(i) for i in range(10, 18)]
    with pytest.raises(ImageMissingOnWorker, match=r"not found on node-2.*all 8"):
        write(tmp_path, [batch([h(1)]), batch(lost, [MISSING] * 8), batch([h(4)])])
    store = VectorStore(tmp_path / "store", DIM)
    assert store.count == 1 and store.rows_for([h(4)])[0] == -1


def test_a_whole_batch_deleted_here_too_since_the_scan_is_listed_and_the_rest_embedded(
    tmp_path,
):
    """The files of a whole batch are missing on the worker and on this machine: deleted
    since the scan (the workers see the folder), not a lost mount. Listed as failed, as a
    local run lists them, and the job goes on; was: stopped with "check that the workers
    see the image folder", on every run until a rescan."""
    lost = [h(i) for i in range(10, 18)]
    paths = {f"img/{d[:4]}.png" for d in lost}
    report, store, _ = write(
        tmp_path,
        [batch([h(1)]), batch(lost, [MISSING] * 8), batch([h(4)])],
        gone_here=lambda rel: rel in paths,
    )
    assert store.count == 2 and store.rows_for([h(4)])[0] >= 0
    assert {f["path"] for f in report.failed} == paths
    # One of them still here: the worker does not see what this machine sees: stopped.
    with pytest.raises(ImageMissingOnWorker, match="all 8"):
        write(
            tmp_path / "b",
            [batch(lost, [MISSING] * 8)],
            gone_here=lambda rel: rel in paths and rel != f"img/{lost[3][:4]}.png",
        )


def test_the_report_names_every_precision_the_workers_ran(tmp_path):
    report, _, _ = write(tmp_path, [batch([h(1)]), batch([h(2)], precision="f32+bf16")])
    assert report.precision == "f32 / f32+bf16"
    report, _, _ = write(tmp_path / "b", [batch([h(3)], precision="f32+bf16")])
    assert report.precision == "f32+bf16"


def test_a_failing_job_is_one_clear_error(tmp_path):
    def failing():
        yield batch([h(1)])
        raise RuntimeError("ray.exceptions.ActorDiedError: The actor died\nOSError: no space")

    with pytest.raises(ClusterError, match="no space"):
        write(tmp_path, failing())
    assert VectorStore(tmp_path / "store", DIM).count == 1


def test_plan_fits_the_cluster():
    cpu = ClusterShape(nodes=3, cpus=24, gpus=0)
    assert job_plan(cpu, None, None, None).workers == 3  # one per node
    assert job_plan(cpu, 10, None, None).device == "cpu"
    small = job_plan(ClusterShape(nodes=2, cpus=2, gpus=0), 5, None, None)
    assert (small.workers, small.start) == (5, 2)  # the rest start if room appears
    gpu = ClusterShape(nodes=2, cpus=16, gpus=4)
    plan = job_plan(gpu, None, None, None)
    assert (plan.device, plan.gpus_per_worker, plan.workers) == ("cuda", 1.0, 4)
    assert job_plan(gpu, None, 0.5, None).workers == 8
    assert job_plan(gpu, None, 0, None).device == "cpu"
    with pytest.raises(ClusterError, match="0 GPUs"):
        job_plan(cpu, None, 1, None)  # Ray would wait forever for a GPU


def test_workers_read_a_mount_or_a_uri(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"pixels")
    for root in (str(tmp_path), tmp_path.as_uri()):
        source = ImageSource(root)
        assert source.read("a/x.png") == b"pixels"
        with pytest.raises(FileNotFoundError):
            source.read("a/gone.png")
        assert source.where("a/gone.png").endswith("a/gone.png")


def test_an_unreachable_cluster_is_a_clear_error_and_touches_nothing(project, capsys):
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed")
    code = main(["embed", str(project.path), "--ray", "127.0.0.1:9", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code != 0 and out["kind"] == "ClusterUnavailable"
    assert "127.0.0.1:9" in out["error"] and "ray start --head" in out["error"]
    assert not (project.path / "embeddings").exists()
    with pytest.raises(ClusterUnavailable, match="not a Ray address"):
        check_reachable("head-node")
    # the dashboard's address (README: `ray job submit --address http://HEAD:8265`) was
    # "no Ray cluster answers at http://127.0.0.1:8265 (Name or service not known)"
    with pytest.raises(ClusterUnavailable, match=r"http:// is for the dashboard.*HOST:6379"):
        check_reachable("http://127.0.0.1:8265")


@pytest.mark.parametrize("ends_with", ["end", "error"])
def test_closing_the_results_frees_their_thread_even_with_a_full_queue(ends_with):
    """The reader stops (a cancel) while the queue is full and the job is at its end
    or its error: the fetching thread ends rather than waiting on the queue for good."""
    sent = []

    def batches():
        for i in range(4):  # exactly fills the queue
            sent.append(i)
            yield {"n": np.array([i])}
        if ends_with == "error":
            raise RuntimeError("a worker died")

    outputs = Outputs(batches())
    outputs._thread.join(1.0)
    assert len(sent) == 4 and outputs._thread.is_alive()  # waiting to queue its last word
    outputs.close()
    outputs._thread.join(5.0)
    assert not outputs._thread.is_alive()
