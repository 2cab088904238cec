"""The words of the model's estimate of wrong labels, as the sidebar's note, Statistics'
"Likely wrong labels" and their tooltips say it: "about N wrong labels; M are flagged",
the same while the labels are scored again and before the first scores, and which part
of the project (a split, or the whole) the numbers are of. Plain functions and text (no
widgets), so both places say the same and each sentence is tested on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labeldesk.browse.image_records import ImageFilter
from labeldesk.core.display import capitalised, duration
from labeldesk.core.vocab import VERIFIED
from labeldesk.ml.probe import N_FOLDS

if TYPE_CHECKING:
    from labeldesk.browse.catalog import ImageCatalog

# The note while a project's first scores are computed (``first``): it takes the room the
# estimate will, so the class list does not shrink under the pointer when they come
# The note while a project's first scores are computed, above the line of how far they
# are (first_scoring_text); what comes then, in its tooltip. Two lines at the sidebar's
# width, the step line two more: the room the note keeps grew by no line for them.
FIRST_SCORING = "Scoring the labels for a first estimate of wrong labels…"
FIRST_SCORING_TIP = (
    "The model's estimate of wrong labels, and how many it flags, shows here once the "
    "labels are scored, in the background."
)

# Why fewer are flagged than expected: verified labels never are (ml/issues.py); a label
# changed since the scores were computed is not until they are computed again (catalog).
# Said so where the catalog cannot tell which (:func:`unflagged_in`: None).
NOT_FLAGGED = "not labels you verified, nor those changed since it last scored them"


def unflagged_words(verified: int, changed: int) -> str:
    """Why the expected labels not flagged are not, with their counts, as ``labeldesk
    issues`` says "(4 more verified by a person)": only the reasons that apply."""
    said = [f"{verified:,} more you verified"] if verified else []
    if changed:
        them = "it" if changed == 1 else "them"
        more = "" if said else " more"
        said.append(f"{changed:,}{more} changed since it last scored {them}")
    return ", ".join(said)


def expected_errors_text(
    expected: int,
    flagged: int,
    pixel_share: float = 0.0,
    *,
    where: str = "",
    unflagged: tuple[int, int] | None = None,
) -> str:
    """The model's estimate of wrong labels beside how many it flags, in words, of the
    part ``where`` names (" in test"); with a ``pixel_share``, how the predictions were
    made, on a line of its own. ``unflagged``: (verified, changed since scored) of the
    labels expected wrong and not flagged (:func:`unflagged_in`); None: not known, both
    reasons are named without counts."""
    from labeldesk.ml.pixel_view import share_note  # the app starts without the ml modules

    note = f"\n{share_note(pixel_share)}" if pixel_share > 0 else ""
    if expected == 0:
        return f"The model expects no wrong labels{where}." + note
    labels = f"wrong label{'s' if expected != 1 else ''}"
    about = f"The model expects about {expected:,} {labels}{where}"
    if flagged == expected:
        return f"{about}; the {flagged:,} most suspicious are flagged." + note
    why = unflagged_words(*unflagged) if unflagged is not None else NOT_FLAGGED
    are = "is" if flagged == 1 else "are"
    return f"{about}; {flagged:,} {are} flagged ({why or NOT_FLAGGED})." + note


RESCORING_TIP = (
    "Labels changed since the model last scored them: the numbers follow once the "
    "scores are computed again, in the background."
)


def rescoring_text(expected: int, where: str = "", step: str = "") -> str:
    """The note while the scores are computed again: the last estimate, said to be the
    last, and no count of flagged labels (changed labels are no longer flagged until
    then, so "about 162 wrong; 0 are flagged" contradicted itself); then, on a line of
    its own, how far the scoring is (``step``: :func:`scoring_step_text`)."""
    last = "no wrong labels" if expected == 0 else f"about {expected:,} wrong labels"
    if expected == 1:
        last = "about 1 wrong label"
    text = f"Scoring the labels again… (the model last expected {last}{where})"
    return f"{text}\n{step}" if step else text


# The steps the scores are computed in (labeldesk.ml.insights.image_insights' reports)
SCORING_STEPS = {
    "neighbours": "finding each image's neighbours",
    "predictions": "predicting classes",
    "label quality": "scoring each label",
    "done": "taking the new scores",
}


# The parts of the predictions' step (labeldesk.ml.out_of_sample's probes, each fitted
# fold by fold: its reports' messages), as the step's line names them before the fold:
# the probe on the embeddings, the one on the pixels, each again in the cleaning refit
SCORING_PARTS = {
    "probe": "",
    "pixel probe": "pixels, ",
    "probe, pass 2": "pass 2, ",
    "pixel probe, pass 2": "pass 2, pixels, ",
}


def scoring_step_text(
    step: tuple[int, int, str] | None,
    elapsed_s: float | None,
    part: tuple[int, int, str] | None = None,
) -> str:
    """How far the scores' computation is, in words that show it is alive: its step
    (``step``: the last report, done, total and its name; None: none yet), where it is
    within that step (``part``: the step's own last report, a probe's folds fitted, of
    how many, and which probe: :data:`SCORING_PARTS`; None: none) and how long it has run
    (``elapsed_s``; None: it has not started, the pause after changes).

    >>> scoring_step_text((1, 3, "predictions"), 75, (2, 5, "probe"))
    'Step 2 of 3, predicting classes (fold 3 of 5): 1m 15s so far.'
    """
    if elapsed_s is None:
        return ""
    so_far = f"{duration(elapsed_s)} so far."
    if step is None:  # (a child process starting)
        return f"Starting: {so_far}"
    done, total, name = step
    what = SCORING_STEPS.get(name, name)
    if part is not None and part[2] in SCORING_PARTS and part[1] > 0:
        folds = part[1]
        what += f" ({SCORING_PARTS[part[2]]}fold {min(part[0] + 1, folds)} of {folds})"
    if 0 <= done < total:
        return f"Step {done + 1} of {total}, {what}: {so_far}"
    return f"{capitalised(what)}: {so_far}"


def first_scoring_text(step: str = "") -> str:
    """The note while the labels are scored for the first time (no estimate yet), with,
    on a line of its own, how far the scoring is (``step``: :func:`scoring_step_text`),
    as :func:`rescoring_text` says it."""
    return f"{FIRST_SCORING}\n{step}" if step else FIRST_SCORING


# every step's longest wording (an hour less a second, the predictions' last fold of
# each probe), whose room the note keeps, so that the class list below does not jump a
# line as the steps go by: which of them wraps to the most lines depends on the width
STEP_WORDINGS = tuple(
    scoring_step_text((done, len(SCORING_STEPS) - 1, name), 59 * 60 + 59, part)
    for done, name in enumerate(SCORING_STEPS)
    for part in (
        None,
        *((N_FOLDS - 1, N_FOLDS, probe) for probe in SCORING_PARTS if name == "predictions"),
    )
)


def expected_errors_in(
    catalog: ImageCatalog, split: str | None, flagged_in_split: int | None = None
) -> tuple[int | None, int, str]:
    """(wrong labels the model expects, labels flagged, the words naming where) within
    ``split``, as the Images list above the note counts; the whole project's, said so,
    where the estimate is not known per image. ``flagged_in_split``: the Images list's
    "flagged" count of ``split`` where the caller has it (counting it again over a
    million images costs a few ms a key press)."""
    expected = catalog.expected_errors_in(split)
    if split is None:
        return expected, int(catalog.flagged.sum()), ""
    if expected is None and catalog.expected_errors is not None:
        return catalog.expected_errors, int(catalog.flagged.sum()), " in the whole project"
    if flagged_in_split is None:
        flagged_in_split = catalog.show_counts(split)["flagged"]
    return expected, flagged_in_split, f" in {split}"


def unflagged_in(
    catalog: ImageCatalog, split: str | None, expected: int | None, flagged: int
) -> tuple[int, int] | None:
    """(verified, changed since scored) of the ``expected - flagged`` labels the model
    counts as wrong within ``split`` that are not flagged, from the catalog's arrays (no
    read of the project): a label verified now was never flagged or lost its flag when
    verified; the rest lost theirs to a change since the scores (relabeled, excluded, a
    merge). None when there is no such gap, or the estimate is not known per image."""
    counted = catalog.expected_wrong
    if expected is None or expected <= flagged or counted is None:
        return None
    verified_now = catalog.matches(ImageFilter(split=split, show=VERIFIED))
    verified = min(int((verified_now & counted).sum()), expected - flagged)
    return verified, expected - flagged - verified
