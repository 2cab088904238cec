"""The default strategy: typical images first, then diverse uncertain ones.

Which kind of image teaches a classifier most depends on how many labels it already has
(Hacohen et al., ICML 2022): with no probe, or a handful of labels per class, uncertainty
is noise and representative images win; after that, the confusions between classes are
what is left to learn. On Fashion-MNIST with LabelDesk's backbone
(``benchmarks/bench_active.py``) typiclust and margin_clusters tie at 50 labels and
margin_clusters leads from 100 on, while switching later (5 or 10 labels per class) only
delays the gain: so the switch comes as soon as every class could have two labels, which
in practice means after the first batch.
"""

from __future__ import annotations

from .base import QueryContext, QueryResult, register_strategy
from .typiclust import typiclust
from .uncertainty import margin_clusters

SWITCH_LABELS_PER_CLASS = 2.0


@register_strategy("auto")
def auto(ctx: QueryContext, n: int) -> QueryResult:
    """typiclust while there is no probe or fewer than SWITCH_LABELS_PER_CLASS labels per
    defined class; margin_clusters (with its rare-class share) after."""
    per_class = ctx.n_labeled / max(ctx.n_classes, 2)
    if ctx.pred_probs is None or per_class < SWITCH_LABELS_PER_CLASS:
        return typiclust(ctx, n)
    return margin_clusters(ctx, n)
