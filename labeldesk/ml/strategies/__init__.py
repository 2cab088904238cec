"""Active-learning query strategies, one registered function each (see ``base``).

Importing this package registers them all; :mod:`labeldesk.ml.active` is the public API.
"""

from . import auto, herding, typiclust, uncertainty
from .base import (
    STRATEGIES,
    QueryContext,
    QueryResult,
    UnknownStrategyError,
    register_strategy,
)

__all__ = [
    "STRATEGIES",
    "QueryContext",
    "QueryResult",
    "UnknownStrategyError",
    "auto",
    "herding",
    "register_strategy",
    "typiclust",
    "uncertainty",
]
