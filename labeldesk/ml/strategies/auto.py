"""The default strategy: typical images first, then the most uncertain ones.

Which kind of image teaches a classifier most depends on how many labels it already has
(Hacohen et al., ICML 2022): with no probe, or a handful of labels per class, uncertainty
is noise and representative images win; after that, the confusions between classes are
what is left to learn. On Fashion-MNIST with LabelDesk's backbone
(``benchmarks/bench_active.py``, 6 seeds) plain margin and margin_clusters are within
noise of each other at every budget, and margin reaches random's 400-label accuracy one
batch sooner (200 labels against 225), so margin is the second phase; margin_clusters
stays available for collections full of near-copies. Switching later (5 or 10 labels per
class) only delays the gain, so the switch comes as soon as every class could have two
labels: in practice after the first batch.
"""

from __future__ import annotations

from .base import QueryContext, QueryResult, register_strategy
from .typiclust import typiclust
from .uncertainty import margin

SWITCH_LABELS_PER_CLASS = 2.0


@register_strategy("auto")
def auto(ctx: QueryContext, n: int) -> QueryResult:
    """typiclust while there is no probe or fewer than SWITCH_LABELS_PER_CLASS labels per
    defined class; margin (with its rare-class share) after."""
    per_class = ctx.n_labeled / max(ctx.n_classes, 2)
    if ctx.pred_probs is None or per_class < SWITCH_LABELS_PER_CLASS:
        return typiclust(ctx, n)
    return margin(ctx, n)
