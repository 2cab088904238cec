"""The one readable form of scores and probabilities (labeldesk.core.display)."""

from __future__ import annotations

import math

import pytest

from labeldesk.core.display import (
    UNKNOWN,
    confidence_word,
    format_confidence,
    format_percent,
    format_score,
    format_similarity,
    issue_level,
    model_opinion,
    quoted_names,
    score_level,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0%"),
        (1e-5, "<1%"),
        (4.7e-05, "<1%"),
        (0.0099, "<1%"),
        (0.01, "1%"),
        (0.284, "28%"),
        (0.5, "50%"),
        (0.62, "62%"),
        (0.99, "99%"),
        (0.995, ">99%"),
        (0.999, ">99%"),
        (1.0, "100%"),
        (float("nan"), UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_score_and_confidence_edge_cases(value, text) -> None:
    assert format_score(value) == text
    assert format_confidence(value) == text
    assert format_percent(value) == text


def test_rounding_never_claims_certainty_or_zero() -> None:
    """Only exact 0 and 1 read as 0% / 100%: a tiny score is still a score."""
    assert format_score(0.004) != "0%"
    assert format_score(0.9951) != "100%"
    assert format_score(1 + 1e-9) == "100%"  # float rounding above 1 is clamped
    assert format_score(-1e-9) == "0%"


@pytest.mark.parametrize(("bad", "shown"), [(1.5, "100%"), (-0.2, "0%"), (math.inf, "100%")])
def test_out_of_range_is_clamped_and_logged_never_raised(bad, shown, caplog) -> None:
    assert format_score(bad) == shown
    assert "must lie in [0, 1]" in caplog.text


def test_similarity_allows_negatives() -> None:
    assert format_similarity(-0.3) == "-30%"
    assert format_similarity(0.873) == "87%"
    assert format_similarity(-0.001) == "<1%"
    assert format_similarity(-1.0) == "-100%"
    assert format_similarity(1.2) == "100%"


@pytest.mark.parametrize(
    ("score", "word"),
    [
        (0.0, "very likely wrong"),
        (1e-5, "very likely wrong"),
        (0.1, "likely wrong"),
        (0.49, "doubtful"),
        (0.5, "probably right"),
        (0.999, "looks right"),
        (1.0, "looks right"),
        (float("nan"), "not scored"),
    ],
)
def test_score_level_five_steps(score, word) -> None:
    assert score_level(score) == word


def test_display_is_dependency_free() -> None:
    """The CLI and notebooks import it; it must not pull in numpy or Qt."""
    import ast
    from pathlib import Path

    import labeldesk.core.display as display

    tree = ast.parse(Path(display.__file__).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "collections", "logging", "math", "typing"}


@pytest.mark.parametrize(
    ("p", "word"),
    [
        (0.95, "almost surely"),
        (0.9, "almost surely"),
        (0.62, "probably"),
        (0.4, "perhaps"),
        (0.28, "unsure, maybe"),
        (float("nan"), ""),
    ],
)
def test_confidence_words(p, word) -> None:
    assert confidence_word(p) == word


def test_model_opinion_names_one_class_and_says_what_it_means_for_the_label() -> None:
    assert model_opinion("shirt", 0.62, "coat", flagged=True) == (
        "Model: probably shirt (62%) — label coat looks wrong"
    )
    assert (
        model_opinion("coat", 0.999, "coat")
        == "Model: almost surely coat (>99%) — the label agrees"
    )
    assert (
        model_opinion("shirt", 0.45, "coat")
        == "Model: perhaps shirt (45%) — label coat is doubtful"
    )
    assert model_opinion("shirt", 0.45, "coat", verified=True).endswith("you verified coat")
    assert model_opinion("bag", 0.28) == "Model: unsure, maybe bag (28%)"
    assert model_opinion("bag", float("nan")) == "Model: bag"
    assert model_opinion(None, None, "coat").startswith("Model: no prediction yet")


def test_a_list_of_class_names_quotes_each_name():
    assert quoted_names(["t-shirt, top", "bag"]) == "'t-shirt, top', 'bag'"
    assert quoted_names(["men's", "a b"]) == "\"men's\", 'a b'"
    assert quoted_names([]) == ""
    assert quoted_names(["a", "b", "c"], 2) == "'a', 'b' … and 1 more"


@pytest.mark.parametrize(
    ("score", "flagged", "verified", "word"),
    [
        (0.01, True, False, "very likely wrong"),
        (0.1, True, False, "likely wrong"),
        (0.01, False, False, "doubtful"),  # listed, not flagged: never "likely wrong"
        (0.1, False, False, "doubtful"),
        (0.4, False, False, "doubtful"),
        (0.9, False, False, "looks right"),
        (0.01, False, True, "verified"),
        (None, False, False, "not scored"),
        (None, False, True, "not scored"),
    ],
)
def test_an_issues_row_is_worded_by_its_state(score, flagged, verified, word):
    assert issue_level(score, flagged=flagged, verified=verified) == word
