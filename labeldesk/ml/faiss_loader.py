"""faiss, loaded on first use (also :func:`labeldesk.ml.search.import_faiss`)."""

from __future__ import annotations

import logging
from types import ModuleType


def import_faiss() -> ModuleType:
    """faiss, imported on first use without its loader's start-up chatter.

    The loader logs at INFO each instruction set it tries ("Loading faiss with AVX512
    support", "Could not load library with AVX512 support due to ..."): noise in any
    app that shows INFO logs, as the GUI does. A faiss that cannot load still raises.
    """
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    import faiss

    return faiss
