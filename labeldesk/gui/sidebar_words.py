"""The sidebar's words: its Images and Sort choices, their tips, and the review link."""

from __future__ import annotations

from labeldesk.core.vocab import EXCLUDED, VERIFIED
from labeldesk.gui.app_words import FLAGGED

SHOW_TEXT = {
    "all": "All images",
    "labeled": "Labeled",
    "unlabeled": "Unlabeled",
    "flagged": FLAGGED,
    VERIFIED: "Verified",
    EXCLUDED: "Excluded",
    "skipped": "Skipped (unreadable)",
}
# In place of the Images list's count of likely mislabels while the labels are scored
# again ("updating…" was cut to "(updatin" in the sidebar's width); the note below says
# why, and so does the choice's tooltip.
UPDATING = "…"
SORT_TEXT = {
    "path": "Path",
    "issue": "Likely mislabeled first",
    "confidence": "Least confident first",
    "outlier": "Most unusual first",
}
NEEDS_MODEL = ("flagged", "issue", "confidence", "outlier")  # choices that need embeddings
SORT_TIPS = {
    "path": "In folder order",
    "issue": "Lowest label fit first: the share of the model's belief that backs the label "
    "against its strongest rival (below 50% another class is likelier)",
    "confidence": "Lowest model confidence first (e.g. 28% before 90%): where a person "
    "helps the model most",
    "outlier": "Farthest from their nearest neighbours first: unusual or broken images",
}

SORT_OFF_TIP = "Most similar first: close the note above (✕) to sort the images another way"

REVIEW_LINK = "<a href='review'>Review likely mislabels</a>"  # + its key, under the note
