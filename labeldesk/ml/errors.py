"""Errors from the machine-learning layer, with what to do about them."""

from __future__ import annotations

from labeldesk.core.errors import LabelDeskError


class BackboneUnavailable(LabelDeskError):
    """A model (or its weights) cannot be loaded offline."""


class NoEmbeddings(LabelDeskError):
    """A command needs embeddings that have not been computed yet."""
