"""A fine-tune whose embeddings are unfinished: recorded to re-embed the project, but
stopped (killed, cancelled, failed) before its store held every image.

The project keeps the embeddings it had meanwhile (:func:`labeldesk.ml.store.use_store`),
so nothing uses half of them; the next plain ``labeldesk embed`` (or the app's Compute
embeddings) continues with the tuned model and makes its embeddings the project's once
whole (:func:`labeldesk.ml.input_size.choose_model_spec`). ``stats``, ``models``, the
commands that read the embeddings and the app's Training page say so.

The embeddings in use can be partial too: a run stopped part-way (Ctrl+C, Cancel, a Ray
job whose cluster went away) keeps every finished batch and makes them the project's.
:func:`embedding_coverage` counts them for ``stats`` and the app's Statistics, which say
"embedded N of M" and how to finish.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labeldesk.core.image_rows import usable_images
from labeldesk.core.model_versions import (
    EMBEDDING_KEY,
    awaiting_embeddings,
    model_shown,
    model_version,
    use_embeddings,
)

if TYPE_CHECKING:
    from labeldesk.core.project import Project


@dataclass(frozen=True)
class UnfinishedEmbeddings:
    version: int  # the fine-tune's id
    spec: str  # its checkpoint (what `embed --model` takes)
    embedded: int | None = None  # usable images with a vector of it (None: not counted)
    images: int | None = None  # usable images
    had_embeddings: bool = True  # the project uses other embeddings meanwhile

    def text(self, finish: str, project: str = "the project") -> str:
        """In plain words, with ``finish``: how the person finishes them."""
        done = (
            ""
            if self.embedded is None or self.images is None
            else f" ({self.embedded:,} of {self.images:,} images)"
        )
        meanwhile = "uses the embeddings it had" if self.had_embeddings else "has no embeddings"
        return (
            f"the embeddings of fine-tuned model #{self.version} are unfinished{done}: "
            f"{project} {meanwhile} until {finish} finishes them"
        )

    def command_text(self, project: Project) -> str:
        """The text with the command that finishes them (the command line's)."""
        return self.text(f"`labeldesk embed {project.path}`")

    def to_json(self) -> dict[str, object]:
        return {"version": self.version, "embedded": self.embedded, "images": self.images}


def unfinished_embeddings(project: Project, *, count: bool = True) -> UnfinishedEmbeddings | None:
    """The fine-tune awaiting its embeddings, when the project does not use them yet and
    its checkpoint is still there; ``count``: how many images have a vector of it (reads
    the store's keys, as ``unembedded`` does). With no fine-tune awaited (the rule) it
    reads only the database: `labeldesk stats` then starts without numpy, which the
    vector store's modules load (tests/cli/test_light_startup.py)."""
    version_id = awaiting_embeddings(project.db)
    version = None if version_id is None else model_version(project.db, version_id)
    if version is None or not version.embedding_key or not version.checkpoint:
        return None
    from .store import current_key, embeddings_dir
    from .vectors import VectorStore

    if version.embedding_key == current_key(project):
        return None
    checkpoint = project.path / version.checkpoint
    if not checkpoint.is_file():  # deleted by hand: nothing to finish with
        return None
    had = current_key(project) is not None
    found = UnfinishedEmbeddings(version.id, str(checkpoint), had_embeddings=had)
    if not count:
        return found
    rows = usable_images(project.db)
    embedded = 0
    folder = embeddings_dir(project) / version.embedding_key
    with contextlib.suppress(Exception):  # not begun, or unreadable: none usable yet
        if (folder / "identity.json").exists():
            store = VectorStore.open_existing(folder)
            if not store.damaged:
                embedded = int((store.rows_for([r[2] for r in rows]) >= 0).sum())
    return UnfinishedEmbeddings(version.id, found.spec, embedded, len(rows), had)


def set_aside(project: Project) -> UnfinishedEmbeddings | None:
    """A person chose the model of the embeddings in use (``embed --model``): the
    fine-tune awaiting its embeddings no longer does (its files stay; ``embed --model``
    with its checkpoint finishes them). Returns the one set aside, if any."""
    from .store import current_key

    unfinished = unfinished_embeddings(project, count=False)
    key = current_key(project)
    if unfinished is None or key is None:
        return None
    use_embeddings(project.db, key)  # the same embeddings, and no fine-tune awaited
    return unfinished


@dataclass(frozen=True)
class EmbeddingCoverage:
    """How many usable images the embeddings in use have a vector of."""

    model: str | None  # the --model value that made them (None: not recorded)
    embedded: int
    images: int
    name: str | None = None  # ``model`` as people read it: "fine-tuned model #3" (model_shown)

    @property
    def partial(self) -> bool:
        return self.embedded < self.images

    def text(self, finish: str) -> str:
        """ "embedded 300 of 600 images (MODEL): FINISH embeds the other 300", or, when
        every image has a vector, "all 600 images embedded (MODEL)"."""
        shown = self.name or self.model
        model = f" ({shown})" if shown else ""
        if not self.partial:
            return f"all {self.images:,} images embedded{model}"
        left = self.images - self.embedded
        return (
            f"embedded {self.embedded:,} of {self.images:,} images{model}: {finish} embeds "
            f"the other {left:,} (only those)"
        )

    def command_text(self, project: Project) -> str:
        """The text with the command that finishes them (the command line's)."""
        return self.text(f"`labeldesk embed {project.path}`")

    def to_json(self) -> dict[str, object]:
        return {"model": self.model, "embedded": self.embedded, "images": self.images}


def embedding_coverage(project: Project) -> EmbeddingCoverage | None:
    """The embeddings in use and how many usable images they cover (reads the store's
    keys, as ``unembedded`` does); None without embeddings, or when they cannot be read
    (the commands that use them say why). Without embeddings it reads only the database,
    so `labeldesk stats` starts without numpy."""
    if project.db.get_meta(EMBEDDING_KEY) is None:
        return None
    from .errors import NoEmbeddings
    from .store import current_store, recorded_spec

    try:
        store = current_store(project)
    except NoEmbeddings:
        return None
    if store.damaged:
        return None
    hashes = [r[2] for r in usable_images(project.db)]
    embedded = int((store.rows_for(hashes) >= 0).sum()) if hashes else 0
    spec = recorded_spec(store.folder)
    name = None if spec is None else model_shown(project.db, project.path, spec)
    return EmbeddingCoverage(spec, embedded, len(hashes), name)


def stats_with_unfinished(
    project: Project,
) -> tuple[dict, UnfinishedEmbeddings | None, EmbeddingCoverage | None]:
    """``project.stats()`` with ``unfinished_embeddings`` (:meth:`UnfinishedEmbeddings.to_json`
    or None) and ``embeddings`` (:meth:`EmbeddingCoverage.to_json` or None) added, as
    ``labeldesk stats --json`` and ``ld.stats`` answer; and both themselves (for the
    lines the command line prints)."""
    unfinished = unfinished_embeddings(project)
    coverage = embedding_coverage(project)
    stats = {
        **project.stats(),
        "unfinished_embeddings": unfinished and unfinished.to_json(),
        "embeddings": coverage and coverage.to_json(),
    }
    return stats, unfinished, coverage
