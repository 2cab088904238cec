"""2-D maps of the project's embeddings (UMAP, or PCA as a fast fallback).

A map is computed once per embedding version and method and cached next to the vectors
(``embeddings/<key>/map-<method>-<version>.npz``) with the content (hash) of each image
it placed, so reopening the map view is instant, and a rescan does not fit it again: a
moved or renamed image keeps its point, removed images just leave it. Only images
embedded since (not placed yet) make it fit again.
``umap`` is imported inside its method: the import alone takes seconds.

A UMAP fit (numba compiles its code on a computer's first map: map_neighbours.py) cannot
be interrupted from inside, so methods registered with ``isolated=True`` run in a spawned
child process that the parent terminates when the cancel token fires; closing the window
never waits for a fit.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import tempfile
import warnings
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .cachefiles import read_arrays, replace_versions, rows_of
from .store import EmbeddedImages, ProjectVectors, embedded_images, embeddings_dir, project_vectors

if TYPE_CHECKING:
    from labeldesk.core.project import Project

Method = Callable[[np.ndarray, int], np.ndarray]  # (vectors, seed) -> (N, 2)
StepReport = Callable[[str, int, int], None]  # (step, done, total: 0 when unknown)
METHODS: dict[str, Method] = {}
ISOLATED: set[str] = set()  # methods fitted in a child process, so cancel stops them
DEFAULT_METHOD = "umap"
SEED = 42
POLL_S = 0.05  # how often the parent checks the cancel token while a child fits
STOP_GRACE_S = 2.0  # after terminate(), wait this long before kill()
# Above this many images the map is fitted on a random sample of this many and every
# other image is placed from it (projection_sample.py): UMAP on 1M points would take
# hours and all 1M vectors as float32 would take 5 GB.
MAP_FIT_MAX = 50_000
# The steps of a first map, in words (the GUI shows them, numbered, with a percentage
# where the step counts): reading the vectors, the fit's own steps, saving the map.
READING = "reading the image vectors"
SAVING = "saving the map for next time"
FIT_STEPS = {
    "umap": ("loading UMAP", "finding each image's nearest neighbours", "placing the images"),
    "pca": ("projecting the vectors (PCA)",),
}
READING_SAVED = "reading the saved map"
# Steps that are slow only on a computer's first map, and why (said while they last):
# there numba compiles UMAP's code, which later maps load from its cache in seconds
# (about 75 s where later ones took 5, with 4,000 images on 2 busy cores).
SLOW_FIRST_TIME = {
    FIT_STEPS["umap"][0]: "slow only the first time on a computer: UMAP compiles its code, once",
}


def _no_step(step: str, done: int, total: int) -> None:
    """A fit run in this process reports its steps nowhere (PCA: under a second)."""


_step: StepReport = _no_step  # a fit in a child process reports its steps to the parent


class ProjectionFailed(LabelDeskError):
    """The 2-D map could not be computed (the message says why)."""


def register(name: str, *, isolated: bool = False) -> Callable[[Method], Method]:
    """Decorator: make a projection method available by ``name``.

    ``isolated`` methods must be module-level functions (the child process imports them).
    """

    def add(fn: Method) -> Method:
        METHODS[name] = fn
        if isolated:
            ISOLATED.add(name)
        return fn

    return add


@register("pca")
def _pca(vectors: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    n, d = vectors.shape
    if n < 2 or d < 2:
        return np.zeros((n, 2), dtype=np.float32)
    return np.asarray(PCA(n_components=2, random_state=seed).fit_transform(vectors))


@register("umap", isolated=True)
def _umap(vectors: np.ndarray, seed: int) -> np.ndarray:
    n = len(vectors)
    if n < 4:  # UMAP needs a few neighbours; a tiny project maps fine with PCA
        return _pca(vectors, seed)
    from .map_neighbours import EXACT_MAX, cache_umap_compilation, exact_neighbours

    loading, neighbours, placing = FIT_STEPS["umap"]
    _step(loading, 0, 0)  # importing umap and numba: seconds, the longest step of a small map
    with warnings.catch_warnings():  # umap warns at import that an optional extra is missing
        warnings.filterwarnings("ignore", "Tensorflow not installed", ImportWarning)
        import umap
    cache_umap_compilation()  # a computer's first map compiles UMAP; later ones load it
    _count_epochs(placing)
    _step(neighbours, 0, 0)
    k = min(15, n - 1)
    knn: Any = (None, None, None)  # above EXACT_MAX, UMAP searches itself (pynndescent)
    if n <= EXACT_MAX:  # exact, counted; UMAP then only builds its graph from them
        knn = exact_neighbours(vectors, k, lambda done, total: _step(neighbours, done, total))
        _step(neighbours, 0, 0)  # UMAP's graph from them: no count (a busy bar, not 100 %)
    reducer = umap.UMAP(
        n_components=2,
        n_neighbors=k,
        min_dist=0.1,
        metric="cosine",
        random_state=seed,
        n_jobs=1,  # a seed means one thread anyway; said outright, umap does not warn
        precomputed_knn=knn,
    )
    with warnings.catch_warnings():  # that a map without pynndescent's index can't place
        warnings.filterwarnings("ignore", "precomputed_knn", UserWarning)  # new points
        return np.asarray(reducer.fit_transform(vectors))


def _count_epochs(step: str) -> None:
    """Report UMAP's layout epochs as ``step``'s done/total: umap counts them with its
    module's ``tqdm`` (off unless verbose), which is swapped here for a counter. Only
    ever called in the map's own child process; an umap without it reports no count."""
    import umap.layouts as layouts

    if not callable(getattr(layouts, "tqdm", None)):
        return

    def counted(epochs: Any, **_: Any) -> Any:
        total = len(epochs)
        every = max(1, total // 100)
        for n, epoch in enumerate(epochs):
            if n and (n == 1 or n % every == 0):  # from the end of the first epoch, which
                _step(step, n, total)  # compiles the layout: its pace sets no time left
            yield epoch
        _step(step, total, total)

    layouts.tqdm = counted


def _fit_in_child(fn: Method, src: str, dst: str, seed: int, done: Connection) -> None:
    """Child process: fit ``fn`` on the vectors in ``src``, save to ``dst``, report (its
    steps as ``("step", step, done, total)`` on the way, then None or the error)."""
    from labeldesk.core.parent_watch import exit_with_parent

    global _step
    exit_with_parent()  # the app killed outright: this child ends too
    _step = lambda step, n, total: done.send(("step", step, n, total))  # noqa: E731
    try:
        xy = np.asarray(fn(np.load(src), seed), dtype=np.float32)
        np.save(dst, xy)
        done.send(None)
    except BaseException as exc:  # reported to the parent as one line
        done.send(f"{type(exc).__name__}: {exc}")
    finally:
        done.close()


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    """End ``process``: terminate, then kill if it ignores that."""
    if process.pid is None:  # never started
        return
    if process.is_alive():
        process.terminate()
        process.join(STOP_GRACE_S)
    if process.is_alive():
        process.kill()
    process.join()


def fit_isolated(
    fn: Method,
    vectors: np.ndarray,
    seed: int,
    cancel: CancelToken,
    report: StepReport = _no_step,
) -> np.ndarray:
    """Run ``fn(vectors, seed)`` in a spawned child process, polling ``cancel`` meanwhile
    and passing the steps the child reports on to ``report``.

    The vectors go in and the map comes back through ``.npy`` files in a temporary folder.
    Raises :class:`~labeldesk.core.errors.Cancelled` when ``cancel`` fires (the child is
    terminated at once) and :class:`ProjectionFailed` when the fit raises or the child dies.
    """
    context = multiprocessing.get_context("spawn")  # fork would copy Qt and threads
    with tempfile.TemporaryDirectory(prefix="labeldesk-map-") as tmp:
        src, dst = str(Path(tmp) / "vectors.npy"), str(Path(tmp) / "xy.npy")
        np.save(src, vectors)
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_fit_in_child,
            args=(fn, src, dst, seed, send),
            name="labeldesk-map",
            daemon=True,  # never outlives the app
        )
        try:
            child.start()
            send.close()  # the child holds the only writer: its death reads as EOF
            while True:  # the child's steps, then its answer: None, or the error
                while not receive.poll(POLL_S):
                    cancel.raise_if_cancelled()
                try:
                    error = receive.recv()
                except EOFError:
                    child.join(STOP_GRACE_S)
                    raise ProjectionFailed(
                        f"the map computation stopped unexpectedly (exit code {child.exitcode})"
                    ) from None
                if not isinstance(error, tuple):
                    break
                cancel.raise_if_cancelled()
                report(*error[1:])
            # The child has answered: let it exit by itself. Terminated while shutting
            # down, it leaks its semaphores and the resource tracker complains on stderr.
            child.join(STOP_GRACE_S)
            if error is not None:
                raise ProjectionFailed(f"the map could not be computed: {error}")
            return np.load(dst)
        finally:
            _stop(child)
            send.close()
            receive.close()


def fit_vectors(
    method: str,
    vectors: np.ndarray,
    seed: int,
    cancel: CancelToken,
    report: StepReport = _no_step,
) -> np.ndarray:
    """``method``'s 2-D positions of ``vectors`` (float32), in a child process if the
    method is registered as isolated (its steps reported to ``report``)."""
    fit = METHODS[method]
    if method in ISOLATED:
        return fit_isolated(fit, np.asarray(vectors, dtype=np.float32), seed, cancel, report)
    for step in FIT_STEPS.get(method, ()):
        report(step, 0, 0)
    return fit(np.asarray(vectors, dtype=np.float32), seed)  # fast (PCA): not worth a process


def map_cache_path(project: Project, images: EmbeddedImages | ProjectVectors, method: str) -> Path:
    """Where the ``method`` map of this embedding version (model and store) is cached."""
    version = hashlib.sha1(f"{images.key}:{images.generation}".encode()).hexdigest()[:16]
    return embeddings_dir(project) / images.key / f"map-{method}-{version}.npz"


def _contents(hashes: list[str]) -> np.ndarray:
    """Content hashes as a NumPy bytes array (sortable, searchable)."""
    return np.array([bytes.fromhex(h) for h in hashes], dtype=bytes)


def _cache_problem(arrays: dict[str, np.ndarray]) -> str | None:
    content, xy = arrays["content"], arrays["xy"]
    if content.ndim != 1 or content.dtype.kind != "S" or not len(content):
        return f"content of dtype {content.dtype} and shape {content.shape}"
    if not (content[1:] > content[:-1]).all():
        return "content not sorted"
    return rows_of(xy, len(content), 2, "f")


def _placed_at(content: np.ndarray, xy: np.ndarray, hashes: list[str]) -> np.ndarray | None:
    """The position of each image (``hashes``) on a map of ``content`` (sorted) at
    ``xy``; None when the map lacks one (embedded since it was fitted)."""
    wanted = _contents(hashes)
    at = np.minimum(np.searchsorted(content, wanted), len(content) - 1)
    if not np.array_equal(content[at], wanted):
        return None
    return np.asarray(xy[at], dtype=np.float32)


def map_steps(method: str) -> tuple[str, ...]:
    """The steps of fitting a ``method`` map, in order, as :func:`placed_images` names
    them in its progress reports."""
    return (READING, *FIT_STEPS.get(method, ()), SAVING)


def step_reporter(method: str, progress: ProgressCallback) -> StepReport:
    """``progress`` for each step: done/total (0: unknown), the step in words as the
    message ("step 4 of 5: placing the images"), and ``data`` {"step": its number from
    1, "steps": how many}."""
    steps = map_steps(method)

    def report(step: str, done: int, total: int) -> None:
        number = steps.index(step) + 1 if step in steps else 0
        message = f"step {number} of {len(steps)}: {step}" if number else step
        progress(Progress(done, total, message, {"step": number, "steps": len(steps)}))

    return report


def _fitted(
    project: Project, method: str, cancel: CancelToken, progress: ProgressCallback
) -> tuple[ProjectVectors, np.ndarray]:
    """Fit the map of every embedded image now and cache it by content."""
    report = step_reporter(method, progress)
    report(READING, 0, 0)
    vectors = project_vectors(project)  # (the images read again: some may be embedded since)
    n = len(vectors.paths)
    if n > MAP_FIT_MAX:
        from .projection_sample import fit_on_sample

        fit = partial(fit_vectors, report=report)
        xy = fit_on_sample(method, vectors.vectors, SEED, cancel, fit, MAP_FIT_MAX)
    else:
        xy = fit_vectors(method, vectors.vectors, SEED, cancel, report)
    xy = np.asarray(xy, dtype=np.float32).reshape(n, 2)
    cancel.raise_if_cancelled()  # a token set during an in-process fit: drop its result
    content, first = np.unique(_contents(vectors.hashes), return_index=True)
    xy = xy[first]  # copies of one picture share the first one's point

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, content=content, xy=xy)

    report(SAVING, 0, 0)
    # one version per method is enough (and the .npy maps of earlier versions go)
    replace_versions(map_cache_path(project, vectors, method), f"map-{method}-*.np[yz]", write)
    placed = _placed_at(content, xy, vectors.hashes)
    assert placed is not None
    return vectors, placed


def placed_images(
    project: Project,
    method: str = DEFAULT_METHOD,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[EmbeddedImages | ProjectVectors, np.ndarray]:
    """Every embedded image (ids, paths, contents) and its 2-D position, float32 (N, 2):
    read from the cached map when it placed them all (no vector is read then), else
    fitted. See :func:`project_2d`."""
    if method not in METHODS:
        raise ValueError(f"unknown projection {method!r}; choose from {sorted(METHODS)}")
    cancel = cancel or CancelToken()
    progress(Progress(0, 0, READING_SAVED))
    images: EmbeddedImages | ProjectVectors = embedded_images(project)
    cached = read_arrays(map_cache_path(project, images, method), ("content", "xy"), _cache_problem)
    xy = None if cached is None else _placed_at(cached["content"], cached["xy"], images.hashes)
    if xy is None:
        cancel.raise_if_cancelled()
        images, xy = _fitted(project, method, cancel, progress)
    return images, xy


def project_2d(
    project: Project,
    method: str = DEFAULT_METHOD,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[list[str], np.ndarray]:
    """Every embedded image's 2-D position: ``(paths, xy)`` with ``xy`` float32 (N, 2).

    Raises :class:`~labeldesk.ml.errors.NoEmbeddings` when nothing is embedded yet and
    :class:`~labeldesk.core.errors.Cancelled` when ``cancel`` fires before the fit ends.
    """
    images, xy = placed_images(project, method, progress=progress, cancel=cancel)
    return images.paths, xy
