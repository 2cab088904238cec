"""The training page's words for a run as it goes: its status line from each progress
report, and what Cancel keeps, said when it is pressed (text only: no widget here)."""

from __future__ import annotations

from labeldesk.core.display import capitalised, time_left_text
from labeldesk.core.progress import Progress
from labeldesk.gui.history_table import percent

UNFINISHED_FINISH = "Tools → Compute embeddings (Ctrl+E)"


def describe(report: Progress) -> str:
    """The status line for a progress report: "Training head: epoch 3/100, loss 0.512,
    val acc 91.3%" while training ("holdout acc": measured on part of train, the project
    having no val split), the report's message otherwise; and below, the time the
    whole run has left when it says (a fine-tune: "About 6m 10s left in all,
    re-embedding included (rough guess).")."""
    data = report.data or {}
    message = capitalised(report.message)
    if "epoch" not in data:
        return message or "Working…"
    parts = [f"epoch {data['epoch']}" + (f"/{data['epochs']}" if "epochs" in data else "")]
    if isinstance(data.get("loss"), int | float):
        parts.append(f"loss {data['loss']:.3f}")
    if isinstance(data.get("eval_accuracy"), int | float):
        where = data.get("evaluated_on") or "val"  # "holdout": part of train, no val split
        parts.append(f"{where} acc {percent(data['eval_accuracy'])}")
    left = time_left_text(data)
    return f"{message}: {', '.join(parts)}" + (f"\n{capitalised(left)}." if left else "")


# a fine-tune's phases up to its model being saved; any other report is of re-embedding
TUNING_PHASES = ("loading backbone", "fine-tuning", "keeping epoch", "saving the fine-tuned")


def re_embedding(report: Progress) -> bool:
    """Whether a fine-tune's ``report`` is of the re-embedding after its training."""
    return not report.message.startswith(TUNING_PHASES)


def counting_again(report: Progress | None) -> bool:
    """Whether a fine-tune's ``report`` is of the count of likely mislabels after it
    re-embedded: its model and embeddings are whole and in use by then."""
    from labeldesk.ml.flag_change import COUNTING

    return report is not None and report.message == COUNTING


def cancelling(mode: str, report: Progress | None, reembedding: bool = False) -> str:
    """What Cancel keeps, said when it is pressed: a head stops after the epoch it is in;
    a fine-tune stops at its next batch, keeping the last epoch it finished (saved after
    its validation), or, ``reembedding``, keeps the model and the embeddings the app had."""
    if mode != "finetune":
        return "Cancelling after this epoch…"
    if counting_again(report):
        return (
            "The fine-tune is done and the project uses its new embeddings; the likely "
            "mislabels are being counted again, which cannot stop part-way…"
        )
    if reembedding:
        return (
            "Cancelling: the fine-tuned model is kept; the app keeps the embeddings it "
            f"had until {UNFINISHED_FINISH} finishes them…"
        )
    data = (report.data if report is not None else None) or {}
    epoch = data.get("epoch")
    if not isinstance(epoch, int):
        return "Cancelling…"
    finished = epoch if "eval_accuracy" in data else epoch - 1
    if finished < 1:
        return "Cancelling at the next batch: no epoch has finished yet, so no model is kept…"
    of = f" of {data['epochs']}" if "epochs" in data else ""
    dropped = "" if finished == epoch else f", epoch {epoch} is dropped"
    return f"Cancelling at the next batch: epoch {finished}{of} is kept{dropped}…"


def blocks_hint(blocks: int) -> str:
    """Under the Train blocks box, what its value does (it was said only on hover)."""
    if blocks < 0:
        return "Every layer of the network learns: the slowest fine-tune."
    if blocks == 0:
        return "No block of the network learns, only the layers after them."
    last = "last block learns" if blocks == 1 else f"last {blocks} blocks learn"
    return f"The network's {last}; the rest stay frozen (more: slower)."


BLOCKS_HINTS = [blocks_hint(-1), blocks_hint(0), blocks_hint(100)]  # the room it keeps
