"""How scores and probabilities read to a person: one form everywhere (app and CLI text).

Raw floats read as "0.00", "0.000" or "4.7e-05" depending on where they are printed, and a
reader cannot tell whether 0.003 is bad. Here every value in [0, 1] is a whole percentage,
rounded so it never claims more certainty than it has: anything above 0 but below 1 % is
"<1%", anything below 100 % but above 99 % is ">99%"; only exact 0 and 1 read "0%" and
"100%". Unknown values (NaN, None) read as :data:`UNKNOWN`.

Qt-free and dependency-free (standard library only), so the GUI, the CLI's human-readable
output and notebooks can share it. JSON output keeps raw numbers; these are for people.

- :func:`format_score` — a label-quality score (low = likely wrong): how much the model,
  after removing the label noise it estimates, backs the given label against its
  strongest rival; below 50 % another class is likelier.
- :func:`format_confidence` — a model probability, e.g. of its predicted class.
- :func:`format_similarity` — a cosine similarity in [-1, 1].
- :func:`score_level` — a five-step word for a label-quality score.
- :func:`confidence_word` and :func:`model_opinion` — the one "what the model thinks"
  line (``Model: probably shirt (62%) — label coat looks wrong``) shown wherever an image's
  prediction appears, so a prediction and a suggestion never contradict each other.
- :func:`shown_path` and :func:`printable_text` — file names and text as a terminal
  shows them: a line break, a tab or a terminal escape in a file name never splits a
  listing's line or drives the terminal.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

log = logging.getLogger(__name__)

__all__ = [
    "ARROW",
    "SCORE_MEANING",
    "UNKNOWN",
    "confidence_word",
    "counted",
    "duration",
    "format_confidence",
    "format_percent",
    "format_score",
    "format_similarity",
    "issue_level",
    "model_opinion",
    "not_unicode",
    "printable_text",
    "quoted_names",
    "score_level",
    "shown_path",
    "time_left_text",
    "valid_text",
]

UNKNOWN = "—"
# What a label-quality score means, for a tooltip or a help line beside it.
SCORE_MEANING = (
    "Label fit: how much the model backs this label against its strongest rival class, "
    "after allowing for the label noise it estimates in the project; below 50% another "
    "class is likelier. The lowest are flagged as likely mislabeled."
)
# Floats a hair outside [0, 1] (float32 sums and dot products) are clamped, not refused.
_SLACK = 1e-3

# Upper bounds (exclusive) of the five steps of score_level, lowest first.
_LEVELS = (
    (0.05, "very likely wrong"),
    (0.25, "likely wrong"),
    (0.5, "doubtful"),
    (0.8, "probably right"),
)
_TOP_LEVEL = "looks right"
# Lower bounds (inclusive) of the words for how sure the model is, highest first.
_SURE = ((0.9, "almost surely"), (0.6, "probably"), (0.4, "perhaps"))
_UNSURE = "unsure, maybe"


def _checked(value: float | None, low: float, high: float, what: str) -> float | None:
    """``value`` as a float clamped into [low, high], None when unknown. A value clearly
    out of range is a caller's bug: it is logged and clamped, never raised, because these
    functions run while a view paints or a command prints its result."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if number < low - _SLACK or number > high + _SLACK:
        log.warning("%s must lie in [%g, %g], got %r; shown clamped", what, low, high, number)
    return min(max(number, low), high)


def _percent(fraction: float) -> str:
    """A fraction in [-1, 1] as a whole percentage with honest ends."""
    if fraction == 0:
        return "0%"
    sign = "-" if fraction < 0 else ""
    size = abs(fraction)
    if size == 1:
        return f"{sign}100%"
    if size < 0.01:
        return "<1%"  # either side of zero: "about none"
    if size > 0.99:
        return f"{sign}>99%"
    return f"{sign}{round(size * 100)}%"


def capitalised(text: str) -> str:
    """``text`` with its first letter upper-case, the rest as written (a message that
    starts a sentence; ``str.capitalize`` would lower-case a path or a class name)."""
    return text[:1].upper() + text[1:]


def sentence_start(text: str) -> str:
    """``text`` with a capital first letter when it starts with a plain lower-case word
    ("cannot add class 'Bag': …"); a message that starts with anything else, a path
    ("/home/ana/pets is a file", "_unlabeled/a.png changed …", "labels.csv: …"), a name
    followed by a colon or a quoted name, stays exactly as written."""
    first, space, _ = text.partition(" ")
    if space and first.isascii() and first.isalpha() and first.islower():
        return capitalised(text)
    return text


def counted(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, plural unless n is 1: "1 image", "2,000 images", "3 classes",
    ``many`` where the plural is not ``word`` + s (+ es after an s)."""
    if n == 1:
        return f"1 {word}"
    return f"{n:,} {many or (word + 'es' if word.endswith('s') else word + 's')}"


def duration(seconds: float) -> str:
    """A time left as the job bar says it: "45s", "6m 10s", "1h 02m"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def time_left_text(data: Mapping[str, Any] | None, *, short: bool = False) -> str | None:
    """A job's own estimate of all it has left, from its progress report's data:
    ``left_s`` (seconds), ``left_rough`` (a guess: a phase's speed not measured yet) and
    ``left_with`` (what it covers beyond the bar shown: "re-embedding"). "about 6m 10s
    left in all, re-embedding included (rough guess)"; ``short``: "about 6m 10s left in
    all (rough)". None when the data has no estimate."""
    data = data or {}
    seconds = data.get("left_s")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return None
    text = f"about {duration(seconds)} left in all"
    if data.get("left_with") and not short:
        text += f", {data['left_with']} included"
    if data.get("left_rough"):
        text += " (rough)" if short else " (rough guess)"
    return text


KNOWN_CLASSES_SHOWN = 20  # an "unknown class" error names this many of the project's classes


def named_classes(names: Sequence[str]) -> str:
    """ "class 'bag'" or "classes 'bag', 'coat'": the word in the number the list has
    (messages said "class(es) 'bag'" for one class)."""
    return ("class " if len(names) == 1 else "classes ") + quoted_names(names)


def quoted_names(names: Iterable[str], limit: int | None = None) -> str:
    """Names (of classes) as a list a person can read back: each one quoted, ``'bag',
    't-shirt, top'``, so a comma, a space or a quote inside a name never reads as two
    names or as the list's own punctuation; "" for none. ``limit``: show that many, then
    "… and N more". (Python's quoting: the quote a name holds picks the other one.)"""
    items = [str(name) for name in names]
    shown = items if limit is None else items[:limit]
    text = ", ".join(repr(name) for name in shown)
    if len(items) > len(shown):
        text += f" … and {len(items) - len(shown):,} more"
    return text


ARROW = "→"  # from the old to the new: `history`, `version diff` and the app write it


def label_change(old: str | None, new: str | None, arrow: str = ARROW) -> str:
    """A label changed from ``old`` to ``new`` as a line of history (and of a version
    diff) shows it: each class quoted as :func:`quoted_names` quotes it (``'cat' →
    't-shirt, top'``), no label as ∅."""
    return f" {arrow} ".join("∅" if not label else quoted_names([label]) for label in (old, new))


def shown_path(path: str) -> str:
    """A file name as text output shows it: as it is, unless it holds a character that is
    not printable (a line break, a tab, a carriage return, a terminal escape, an invisible
    direction mark); then quoted, with those written as escapes, as Python writes a string
    (``'cat/two\\nlines.png'``), so a listing keeps one line per image and a name cannot
    move the cursor or recolour the terminal. JSON gives the name as it is."""
    return path if path.isprintable() else repr(path)


def printable_text(text: str) -> str:
    """``text`` with every character that is not printable, except line breaks and tabs
    (the text's own layout), written as its escape (``\\r``, ``\\x1b``, ``\\u202e``): the
    last guard for whatever a command prints to a terminal (a file name inside a message)."""
    odd = {c for c in set(text) if not c.isprintable() and c not in "\n\t"}
    if not odd:
        return text
    return text.translate({ord(c): repr(c)[1:-1] for c in odd})


NOT_UNICODE = "which is not valid text (half of a UTF-16 pair, or a byte that is not UTF-8)"


def not_unicode(text: str) -> str | None:
    """The first character of ``text`` that no UTF-8 file or database can hold, or None:
    a lone surrogate, which a JSON escape (``\\ud800``) makes, and so does Python for a
    byte that is not UTF-8 in a file name or a command's argument (``\\udcff``)."""
    if text.isascii():  # nearly every text: one C scan
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return text[exc.start]
    return None


def valid_text(text: str) -> str:
    """``text`` with each character :func:`not_unicode` finds replaced by U+FFFD, as a
    file manager shows a name that is not UTF-8: for text that is only shown (a batch's
    description that names a file)."""
    if not_unicode(text) is None:
        return text
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def format_percent(value: float | None) -> str:
    """A value in [0, 1] as a percentage: 0 → "0%", 1e-5 → "<1%", 0.5 → "50%",
    0.999 → ">99%", 1 → "100%", NaN/None → "—". Values outside [0, 1] are clamped."""
    number = _checked(value, 0.0, 1.0, "a percentage")
    return UNKNOWN if number is None else _percent(number)


def format_score(score: float | None) -> str:
    """A label-quality score (low = the given label is likely wrong) as a percentage."""
    number = _checked(score, 0.0, 1.0, "a label-quality score")
    return UNKNOWN if number is None else _percent(number)


def format_confidence(probability: float | None) -> str:
    """A model probability (e.g. of its predicted class) as a percentage."""
    number = _checked(probability, 0.0, 1.0, "a probability")
    return UNKNOWN if number is None else _percent(number)


def format_similarity(similarity: float | None) -> str:
    """A cosine similarity in [-1, 1] as a percentage (100% = the same direction)."""
    number = _checked(similarity, -1.0, 1.0, "a cosine similarity")
    return UNKNOWN if number is None else _percent(number)


def score_level(score: float | None) -> str:
    """A five-step word for a label-quality score: "very likely wrong" (< 5 %),
    "likely wrong" (< 25 %), "doubtful" (< 50 %), "probably right" (< 80 %),
    "looks right"; "not scored" when unknown.

    The word describes the score alone; whether an image is *flagged* also depends on how
    many errors the project is estimated to hold, so show the flag where it matters.
    """
    number = _checked(score, 0.0, 1.0, "a label-quality score")
    if number is None:
        return "not scored"
    for bound, word in _LEVELS:
        if number < bound:
            return word
    return _TOP_LEVEL


# The words of score_level that call a label wrong: an issues row that is not flagged
# never reads one of them (see issue_level).
_WRONG = frozenset(word for _, word in _LEVELS[:2])
_NOT_FLAGGED_LOW = _LEVELS[2][1]  # "doubtful"
VERIFIED_WORD = "verified"


def issue_level(score: float | None, *, flagged: bool, verified: bool = False) -> str:
    """The word for one row of the issues list (``issues --all``), true to its state.

    A flagged label reads :func:`score_level`. A label merely listed is not one of the
    likely errors the project counts (the flags are that many of the lowest scores), so
    calling it "likely wrong" beside a missing flag says two things at once: a low score
    reads "doubtful" at most (the word the app's model line uses for an unflagged
    disagreement), a higher one "probably right" or "looks right"; a label a person kept
    (verified, never flagged again until it changes) reads "verified"; an unscored one
    "not scored"."""
    word = score_level(score)
    if flagged or word == score_level(None):
        return word
    if verified:
        return VERIFIED_WORD
    return _NOT_FLAGGED_LOW if word in _WRONG else word


def confidence_word(probability: float | None) -> str:
    """How sure a probability is, in words: "almost surely" (>= 90 %), "probably"
    (>= 60 %), "perhaps" (>= 40 %), else "unsure, maybe"; "" when unknown."""
    number = _checked(probability, 0.0, 1.0, "a probability")
    if number is None:
        return ""
    return next((word for bound, word in _SURE if number >= bound), _UNSURE)


def is_unsure(probability: float | None) -> bool:
    """Whether ``confidence_word`` says "unsure, maybe" for ``probability``."""
    return confidence_word(probability) == _UNSURE


def model_opinion(
    guess: str | None,
    confidence: float | None,
    label: str | None = None,
    *,
    flagged: bool = False,
    verified: bool = False,
) -> str:
    """One line of what the model thinks an image shows, and what that says of its label.

    ``guess`` is the class the model thinks the image is and ``confidence`` its
    probability; for a labeled image pass the de-noised suggestion (the class confident
    learning suggests), so the line and the suggested label are the same class.
    ``flagged``: the label is one of the likely errors; ``verified``: a person kept it.

    >>> model_opinion("shirt", 0.62, "coat", flagged=True)
    'Model: probably shirt (62%) — label coat looks wrong'
    >>> model_opinion("coat", 0.93, "coat")
    'Model: almost surely coat (93%) — the label agrees'
    """
    if guess is None:
        return "Model: no prediction yet (label a few images of each class)"
    word = confidence_word(confidence)
    sure = f"{word} {guess}" if word else guess
    text = f"Model: {sure}" + (f" ({format_confidence(confidence)})" if word else "")
    if label is None:
        return text
    if guess == label:
        return f"{text} — the label agrees"
    if flagged:
        return f"{text} — label {label} looks wrong"
    if verified:
        return f"{text} — you verified {label}"
    return f"{text} — label {label} is doubtful"


def case_twin_note(pairs: Iterable[tuple[str, str]]) -> str:
    """An undo's or redo's note on the classes it did not make, each beside the class
    that differs from it only in case ("" when none)."""
    return "".join(
        f"; {quoted_names([name])} not made: the class {quoted_names([twin])} differs "
        "from it only in case"
        for name, twin in pairs
    )
