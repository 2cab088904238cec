"""Tests that send the test process itself a real SIGINT (as a Ctrl+C arrives, at a
chosen line of a fine-tune) run in a pytest of their own: in the whole suite, after
hundreds of tests have left their libraries' threads and handlers behind, such a signal
once ended the run with a segmentation fault. ``test_real_signals_in_a_child`` runs them."""

from __future__ import annotations

import os

import pytest

ENV = "LABELDESK_REAL_SIGNAL_TESTS"
MODULES = (
    "tests/ml/test_finetune_interrupt.py",
    "tests/ml/test_finetune_interrupt_moments.py",
)
IN_A_CHILD = pytest.mark.skipif(
    os.environ.get(ENV) != "1",
    reason="sends this process real signals: run by test_real_signals_in_a_child",
)
