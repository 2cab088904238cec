"""Which model, at which input size, a project embeds with when none is named.

A project keeps the model and input size of the embeddings it has: `labeldesk embed`
without ``--model``, the app's embedding after a scan and a fine-tuning run all continue
the current store, so a project embedded at ``--input-size 160`` is never silently
re-embedded at 224. A named model without a size keeps the size the project already
uses for that model.

Why not choose a smaller input for small images automatically: ``bench_input_size.py``
(1,500-image Fashion-MNIST, digits and photo-crop sets, 10 % uniform and look-alike noise,
5 seeds) found 160 px 2.5x faster than 224 px, and better for label-error detection on
scikit-learn digits (precision at #errors +0.011/+0.027), equal on photo crops, but worse
on Fashion-MNIST (-0.031/-0.021), while the probe's out-of-fold accuracy there was the
same or better at 160 px, so no check on the project's own labels could tell the two
cases apart. Test-time flip (each image and its mirror image, vectors averaged) does not
buy the loss back: at 112 px with the flip (3.4x the throughput of 224 px), Fashion-MNIST
lost as much as at 112 px alone (precision at #errors -0.049 on look-alike noise).
With the pixel view in the predictions (session 28, ``bench_label_suite.py --sizes
160,112``, the default at 224 px in the same run) 160 px came within 0.0002 AUROC of
224 px on 3,000 Fashion-MNIST images, but the 500-image Fashion-MNIST set still lost
(worst group AUROC 0.8566 -> 0.8468 over 8 seeds, lower in 7 of its 9 groups), as did the
held-out photo crops (0.9593 -> 0.9543); 112 px lost more. With the probes' C at 2 the
same (Fashion-MNIST-500 0.8614 -> 0.8511, crops 0.9630 -> 0.9583). A bigger project does
not change it (session 33, ``--sets fmnist,fmnist10k --seeds 3 --sizes 160``): on 10,000
Fashion-MNIST images 160 px lost too (0.9743 / 0.756 -> 0.9728 / 0.744, worst group AUROC /
precision at #errors), as on 3,000 (0.9621 -> 0.9610) and the held-out crops (0.9546 ->
0.9412). Session 40 (``input_size_rule_research.py``, 340 decisions on five sets, MNIST
5k held out) tried rules on a labeled sample of the project itself (probe accuracy, log
loss, kNN agreement at 224/160/112 px): every "not worse" rule picked a size that lost
(14-56 times), and the one strict rule that never lost (both accuracies 0.01 higher and
log loss 0.02 lower) chose a smaller size only on digits, so it would not speed up the
sets that need it. The bundled model's own 224 px stays the default; ``--input-size`` is
the user's choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .backbones import DEFAULT_BACKBONE, split_input_size
from .errors import NoEmbeddings
from .store import current_store, model_spec, recorded_spec
from .unfinished import unfinished_embeddings
from .vectors import UnreadableIdentity

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def choose_model_spec(project: Project, spec: str | None = None) -> str:
    """The model spec to embed ``project`` with.

    ``None``: the fine-tuned model whose embeddings a killed or stopped fine-tune left
    unfinished (:mod:`labeldesk.ml.unfinished`), else the spec of the project's current
    embeddings, else the bundled default. A spec with an explicit size (``NAME:SIZE``)
    is kept as given; one without a size takes the size of the project's current
    embeddings when they are of that model."""
    if spec is None:
        awaited = unfinished_embeddings(project, count=False)
        if awaited is not None:
            return awaited.spec
    earlier = current_spec(project)
    if spec is None:
        return earlier or DEFAULT_BACKBONE
    base, size = split_input_size(spec)
    if size is None and earlier is not None and split_input_size(earlier)[0] == base:
        return earlier
    return spec


def current_spec(project: Project) -> str | None:
    """The spec of the project's current embeddings, if they hold any vector.

    When their ``identity.json`` cannot be read, the model named in their ``spec.json``:
    embedding with it rewrites the identity and keeps the vectors, where the bundled
    default would start over with another model."""
    try:
        store = current_store(project)
        if not store.count:
            return None
        return model_spec(store)
    except UnreadableIdentity as exc:
        return recorded_spec(exc.folder)
    except NoEmbeddings:
        return None
