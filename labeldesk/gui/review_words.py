"""The words of the review page: what was decided on an image, what the neighbours say,
what to do at the end of a pass, and the page's notices. Plain functions (no widgets),
so the view stays a thin shell and each sentence is tested on its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from labeldesk.core.display import format_score, is_unsure, model_opinion, sentence_start
from labeldesk.core.read_only_db import DamagedReason, NotCheckedReason, read_only_advice
from labeldesk.gui import shortcuts
from labeldesk.gui.app_words import NO_LABEL

# What a decision did to the image, as the person reads it coming back to it.
DECISION_WORDS = {
    "accept": "accepted the suggestion, now {label}",
    "relabel": "relabeled, now {label}",
    "keep": "kept {label} (verified)",
    "exclude": "excluded",
    "skip": "skipped for this session",
}
# The queue's images had no label: a class key labeled one, it relabeled nothing
QUEUE_DECISION_WORDS = {
    **DECISION_WORDS,
    "accept": "labeled {label}, the model's guess",
    "relabel": "labeled {label}",
}
# The end of a pass of likely mislabels: how many of each, in this order.
TALLY_WORDS = [("accept", "accepted"), ("relabel", "relabeled"), ("keep", "kept")]
TALLY_WORDS.append(("exclude", "excluded"))
CORRECTIONS = ("accept", "relabel", "exclude")  # decisions the scores came before
RESCORE_BUTTON = "&Find likely mislabels again"  # Alt+F presses it


UNSURE_ENTER = " (the model is unsure: check it)"
# no-break space and hyphen; a word joiner after a slash, which allows a break after it
# ("←/" and "→ move" on two lines)
NO_BREAK = str.maketrans({" ": "\u00a0", "-": "\u2011", "/": "/\u2060"})


def unbroken(text: str) -> str:
    """``text`` kept on one line where the key hint wraps ("9 t-" / "shirt_top")."""
    return text.translate(NO_BREAK)


def enter_hint(
    source: str, suggested: str | None, confidence: float | None, label: str | None = None
) -> str:
    """What Enter does to the image on screen, labeled ``label`` now, for the keys line:
    it names the class it gives ("Enter label bag"; in the queue over an image labeled
    since, "Enter relabel bag"), and beside an unsure suggestion ("unsure, maybe bag
    (25%)") says that Enter gives it all the same, so the person looks first. Enter stays
    one press: asking twice would slow every sure image for the few unsure ones, and Z
    undoes. "" when there is no suggestion (Enter then labels nothing) or the image has
    the suggested label already (coming back to it: "Enter label coat" over a coat read
    as if it had none). The key and its class stay on one line (no-break spaces); the
    note may wrap.

    >>> enter_hint("queue", "bag", 0.25).replace("\u00a0", " ")
    'Enter label bag (the model is unsure: check it)'
    >>> enter_hint("queue", "bag", 0.9, label="coat").replace("\u00a0", " ")
    'Enter relabel bag'
    >>> enter_hint("queue", "bag", 0.9, label="bag")
    ''
    """
    if suggested is None or label == suggested:
        return ""
    verb = "accept" if source != "queue" else "label" if label is None else "relabel"
    return unbroken(f"Enter {verb} {suggested}") + (UNSURE_ENTER if is_unsure(confidence) else "")


def enter_room(source: str, classes: Sequence[str]) -> list[str]:
    """Every wording :func:`enter_hint` may take in a pass over ``classes`` (each class,
    sure or not, over an unlabeled image and over one labeled another class): the keys
    line keeps room for the longest, so it keeps its lines from image to image."""
    texts = []
    for name in classes:
        other = next((c for c in classes if c != name), None)
        for label in {None, other}:
            texts += [enter_hint(source, name, sure, label) for sure in (1.0, 0.0)]
    return texts


def decision_text(action: str | None, label: str | None, source: str = "issues") -> str:
    """The line over a decided image: "Decided: relabeled, now coat"; "" undecided. In
    the queue (``source``), where the images had no label, "Decided: labeled coat".

    >>> decision_text("relabel", "coat", "queue")
    '✓ Decided: labeled coat'
    """
    if action is None:
        return ""
    words = (QUEUE_DECISION_WORDS if source == "queue" else DECISION_WORDS).get(action, action)
    return "✓ Decided: " + words.format(label=label or NO_LABEL)


def decision_room(classes: Sequence[str], source: str = "issues") -> list[str]:
    """The longest wordings the decided badge may take in a pass (each decision with the
    three longest class names): the panel keeps room for them.

    >>> decision_room(["cat", "dog"])[0]
    '✓ Decided: accepted the suggestion, now cat'
    """
    longest = sorted(classes, key=len, reverse=True)[:3] or [NO_LABEL]
    return [decision_text(action, name, source) for name in longest for action in DECISION_WORDS]


def decided_opinion(suggested: str | None, confidence: float | None, label: str | None) -> str:
    """The model line over an image a person decided in this pass: what the model
    suggested when it scored the image (before the decision), not a verdict on the label
    the person chose ("label pullover looks wrong" contradicted them with stale scores,
    and "the label agrees" over an image relabeled to the suggestion was the same stale
    verdict, put kindly).

    >>> decided_opinion("coat", 0.62, "pullover")
    'probably coat (62%) — scored before your decision'
    >>> decided_opinion("coat", 0.62, "coat")
    'probably coat (62%) — scored before your decision'
    """
    if suggested is None or label is None:  # no verdict to take back (skipped: no label)
        return model_opinion(suggested, confidence, label).removeprefix("Model: ")
    guess = model_opinion(suggested, confidence).removeprefix("Model: ")
    return f"{guess} — scored before your decision"


# A figure of each confidence word ("almost surely", "probably", "perhaps", "unsure,
# maybe") with its widest percentage: the model line's room is kept for the widest
ROOM_CONFIDENCES = (0.995, 1.0, 0.89, 0.59, 0.39)


def opinion_room(classes: Sequence[str], queue: bool) -> list[str]:
    """The longest wordings the model line beside the image may take in a pass (each
    confidence word with the three longest class names, as the suggestion and, in a pass
    of likely mislabels, as the label, undecided and decided; the queue's line is the
    guess alone, decided or not): the panel keeps room for them, so the Last line and
    the key hint under it stay where they are.

    >>> opinion_room(["cat", "dog"], queue=True)[1]
    'almost surely cat (>99%)'
    """
    longest = sorted(classes, key=len, reverse=True)[:3]
    labels: list[str | None] = [None] if queue else list(longest)
    texts = [model_opinion(None, None).removeprefix("Model: ")]
    for guess in longest:
        for confidence in ROOM_CONFIDENCES:
            for label in labels:
                undecided = model_opinion(guess, confidence, label, flagged=True)
                texts.append(undecided.removeprefix("Model: "))
                if not queue:
                    texts.append(decided_opinion(guess, confidence, label))
    return texts


def fit_text(score: float, scored_label: str | None, label: str | None, decided: bool) -> str:
    """The label fit beside the image: the figure as scored, and, once the image was
    decided in this pass or its label changed since, that it predates that and which
    label it is the fit of (beside a new label "12%" read as the new label's fit; the
    browser shows "–" for a changed label until the model has scored it again).

    >>> fit_text(0.12, "shirt", "shirt", decided=False)
    '12%'
    >>> fit_text(0.12, "shirt", "coat", decided=True)
    '12% for shirt — scored before your decision'
    >>> fit_text(0.12, "shirt", "shirt", decided=True)
    '12% — scored before your decision'
    >>> fit_text(0.12, "shirt", "coat", decided=False)
    '12% for shirt — scored before the label changed'
    """
    fit = format_score(score)
    changed = scored_label is not None and scored_label != label
    if not decided and not changed:
        return fit
    when = "your decision" if decided else "the label changed"
    of = f" for {scored_label}" if changed else ""
    return f"{fit}{of} — scored before {when}"


def fit_room(classes: Sequence[str]) -> list[str]:
    """The longest wordings the label fit may take in a pass of likely mislabels (the
    figure named for each of the three longest class names, before a decision or a
    change): the panel keeps room for them, so the model line and the key hint under it
    stay where they are coming back to a decided image.

    >>> fit_room(["cat"])[0]
    '>99% for cat — scored before your decision'
    """
    longest = sorted(classes, key=len, reverse=True)[:3]
    return [
        fit_text(0.995, name, None, decided=decided)
        for name in longest
        for decided in (True, False)
    ]


REDID = "Redid: "  # how the pass's redo says what it made again (the status bar's line)


def last_decision_text(message: str, can_undo: bool = True) -> str:
    """Under the next image, the decision the key just made (it moved on at once): the
    status bar's line, with the way back (not on a read-only project, where Z is off).
    After a redo, "Redone: …" ("Last: Redid: …" read as two headings); "(Z undoes it)"
    stays on one line (it wrapped, leaving "it)" alone).

    >>> last_decision_text("Redid: a.png → cat").replace("\u00a0", " ")
    'Redone: a.png → cat (Z undoes it)'
    """
    if not message:
        return ""
    head = "Redone: " if message.startswith(REDID) else "Last: "
    text = head + message.removeprefix(REDID)
    undo = shortcuts.key_words("Z")
    return f"{text} {unbroken(f'({undo} undoes it)')}" if can_undo else text


def last_decision_room(
    paths: Sequence[str], classes: Sequence[str], can_undo: bool = True
) -> list[str]:
    """The longest wordings the "Last: …" line may take in a pass over ``paths`` (the
    longest path with the longest class names): the panel keeps room for them, so the
    key hint under it stays where it is when the line comes and goes with a key.

    >>> last_decision_room(["a.png", "b/c.png"], ["cat", "dog"])[0].replace("\u00a0", " ")
    'Redone: kept cat for b/c.png (Z undoes it)'
    """
    if not paths:
        return []
    path = max(paths, key=len)
    longest = sorted(classes, key=len, reverse=True)[:3] or [NO_LABEL]
    return [
        last_decision_text(text, can_undo)
        for name in longest
        for text in (f"{REDID}kept {name} for {path}", f"{REDID}{path} → {name}")
    ]


MAX_TIED_NAMED = 3  # labels a tie over the neighbour strip names


def neighbour_summary(
    labels: Sequence[str | None], given: str | None, suggested: str | None
) -> str:
    """Over the strip: what most of the similar images are labeled, and whether that is
    the given label or the suggestion ("6 of 8 labeled coat, the suggestion")."""
    if not labels:
        return "Most similar images:"
    named = Counter(label for label in labels if label is not None)
    if not named:
        return f"Most similar images: none of {len(labels)} labeled"
    count = max(named.values())
    # nearest first among equals, the suggestion and the given label before the others
    tied = sorted(
        (label for label, n in named.items() if n == count),
        key=lambda label: (label != suggested or label == given, label != given),
    )
    if len(tied) > MAX_TIED_NAMED:  # a list of every label there would not help
        return (
            f"Most similar images: no label leads ({len(tied)} labels, {count} of "
            f"{len(labels)} each)"
        )
    if len(tied) > 1:  # "2 of 8 labeled coat" beside 2 pullover and 2 sandal misled
        first, *others = (
            f"{label}{role_words(label, given, suggested, ' ({})')}" for label in tied
        )
        rest = others[0] if len(others) == 1 else f"{', '.join(others[:-1])} and {others[-1]}"
        return (
            f"Most similar images: as many labeled {first} as {rest}, {count} of {len(labels)} each"
        )
    top = tied[0]
    role = role_words(top, given, suggested, ", {}")
    return f"Most similar images: {count} of {len(labels)} labeled {top}{role}"


def role_words(label: str, given: str | None, suggested: str | None, form: str) -> str:
    """What ``label`` is to the image under review, in ``form`` ("the suggestion", "the
    given label"), or "" when it is neither."""
    if label == suggested and label != given:
        return form.format("the suggestion")
    if label == given:
        return form.format("the given label")
    return ""


def end_of_issues_notice(decisions: Mapping[str, str]) -> str:
    """At the end of a pass of likely mislabels: what was done, and what next (its
    scores predate the corrections: score again, or go back)."""
    actions = list(decisions.values())
    done = [f"{actions.count(a)} {word}" for a, word in TALLY_WORDS if actions.count(a)]
    head = f"All reviewed: {', '.join(done)}." if done else "All reviewed."
    again = shortcuts.key_words(shortcuts._text(shortcuts.REVIEW_ISSUES_KEYS))
    button = f"{RESCORE_BUTTON.replace('&', '')} (below, or {again})"
    if not any(a in CORRECTIONS for a in actions):  # every label kept: none to score with
        kept = ", without the labels you kept" if "keep" in actions else ""
        return (
            f"{head} No label was changed, so the scores still hold: {button} lists the "
            f"likely mislabels again{kept}. Esc goes back to the browser."
        )
    return (
        f"{head} The scores were computed before your corrections: {button} scores the "
        "labels again with them, and labels you kept are not flagged again. Esc goes back "
        "to the browser."
    )


READ_ONLY_KEY_NOTE = (
    "Read-only: nothing was saved (the note above the image says why, and what to do)"
)


def read_only_banner_text(reason: str) -> str:
    """Above the image on a read-only project: why its keys do not label, and what to do
    in the words of the notice shown on opening (:func:`read_only_advice`)."""
    advice = read_only_advice(reason)
    repair = isinstance(reason, DamagedReason) and not isinstance(reason, NotCheckedReason)
    what_to_do = f"To repair it, {advice}." if repair else sentence_start(advice) + "."
    return (
        f"Read-only: {reason}. You can look through the images and move with ←/→, but "
        "accepting, labeling, keeping, excluding and undo are off, and nothing is saved. "
        + what_to_do
    )


def held_out_notice(held_out: dict[str, int]) -> str:
    """A queue that ran out of images whose label trains the model, while val or test
    images still have none: why they were not offered."""
    from labeldesk.ml.queue import held_out_text

    verb = "has" if sum(held_out.values()) == 1 else "have"
    return (
        "Nothing more to label in the train split, where labels train the model. "
        f"{held_out_text(held_out)} {verb} no label yet; labels there measure the model, "
        "they do not train it."
    )


def expected_wrong_text(expected: int) -> str:
    """The review header's estimate: "about 12 likely wrong" (of all the labels)."""
    return "none likely wrong" if expected == 0 else f"about {expected:,} likely wrong"
