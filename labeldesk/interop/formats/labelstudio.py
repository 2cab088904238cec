"""Label Studio JSON, image classification (a ``<Choices>`` on an ``<Image>``).

Export: ``OUT/tasks.json`` and ``OUT/labeling_config.xml``, with the images copied under
``OUT/images/`` (their project paths kept, so every image keeps a unique name). A task's
``data.image`` is a local-files URL, ``/data/local-files/?d=images/<path>``: Label Studio
serves it when local-file serving is on with ``OUT`` as the document root
(``LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true``,
``LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=OUT``). The current label is an annotation; the
model's view of the image (:func:`labeldesk.ml.image_values.model_values`' ``guess``, the
suggestion for a scored label, else the prediction) is a prediction with its
``model_version`` and ``score``. ``data.split`` carries the split; an image without
one is written as the ``train`` it counts in, with ``data.no_split`` true, so Label
Studio's own export of the tasks (which keeps ``data``) reads back without a split,
as the manifest's ``no_split`` does for the file beside it. Names are Label
Studio's template defaults: ``image`` and ``choice``.

Import (:mod:`.labelstudio_read`): a Label Studio JSON export, annotations or (on
request) predictions, matched to the project's images by path suffix; or its JSON-MIN
export (:mod:`.labelstudio_min`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from ..writing import (
    ExportRun,
    copy_images,
    export_classes,
    image_folder,
    register_exporter,
    verified_label,
)
from .base import Importer, register_importer
from .labelstudio_min import read_export
from .labelstudio_read import sniff_tasks

if TYPE_CHECKING:
    from labeldesk.core.project import Project

TASKS = "tasks.json"
CONFIG = "labeling_config.xml"
IMAGE_NAME, CHOICE_NAME = "image", "choice"  # Label Studio's template defaults
LOCAL_FILES = "/data/local-files/?d="


@register_exporter("labelstudio")
def _labelstudio(run: ExportRun) -> None:
    """OUT/tasks.json, OUT/labeling_config.xml and the images under OUT/images/."""
    classes = export_classes(run.project, run.options)
    guesses, version = model_guesses(run.project, dict(run.options.class_map), set(classes))
    tasks: list[dict[str, Any]] = []
    ordered = sorted(run.items, key=lambda i: i.path)
    for item, rel in copy_images(replace(run, items=ordered), image_folder):
        data: dict[str, Any] = {"image": LOCAL_FILES + quote(rel, safe="/"), "path": item.path}
        if item.split != "unassigned":
            data["split"] = item.split
        if item.split_implied:  # no split of its own: written as the train it counts in.
            # Label Studio keeps data as it is, so its export read back gives no split
            data["no_split"] = True
        if item.status is not None:  # read back by LabelDesk (Label Studio keeps data)
            data["status"] = item.status
        if verified_label(item) is not None:  # the label its "verified" holds for: one
            data["verified_label"] = verified_label(item)  # an annotator changes is not
        task: dict[str, Any] = {"data": data}
        if item.label is not None:
            task["annotations"] = [{"result": [_choice(item.label)], "was_cancelled": False}]
        guess = guesses.get(item.image_id)
        if guess is not None:
            label, score = guess
            task["predictions"] = [
                {"model_version": version, "score": score, "result": [_choice(label, score)]}
            ]
        tasks.append(task)
    run.report.carries_status = True  # data.status
    text = json.dumps(tasks, ensure_ascii=False, indent=1)
    (run.out / TASKS).write_text(text + "\n", encoding="utf-8")
    (run.out / CONFIG).write_text(labeling_config(classes), encoding="utf-8")


def _choice(label: str, score: float | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "from_name": CHOICE_NAME,
        "to_name": IMAGE_NAME,
        "type": "choices",
        "value": {"choices": [label]},
    }
    if score is not None:
        result["score"] = score
    return result


def labeling_config(classes: list[str]) -> str:
    """The labeling config the tasks fit: an Image and one Choice per class."""
    choices = "".join(f"    <Choice value={quoteattr(name)}/>\n" for name in classes)
    return (
        "<View>\n"
        f'  <Image name="{IMAGE_NAME}" value="${IMAGE_NAME}"/>\n'
        f'  <Choices name="{CHOICE_NAME}" toName="{IMAGE_NAME}" choice="single">\n'
        f"{choices}"
        "  </Choices>\n"
        "</View>\n"
    )


def model_guesses(
    project: Project, class_map: dict[str, str | None], classes: set[str]
) -> tuple[dict[int, tuple[str, float]], str]:
    """The model's class (through the export's class map; none for a dropped class or
    one the export does not list) and probability for each image id it has a view of,
    and a name for the model: the embedding version, and the classifier head's id when
    one is trained. Nothing before the images are embedded."""
    import numpy as np

    from labeldesk.ml.image_values import model_values
    from labeldesk.ml.insights import insights_if_embedded
    from labeldesk.ml.models import latest

    insights = insights_if_embedded(project)
    if insights is None:
        return {}, ""
    values = model_values(project, insights=insights)
    known = values.guess.notna().to_numpy() & np.isfinite(values.guess_confidence.to_numpy())
    chosen = values[known]
    guesses: dict[int, tuple[str, float]] = {}
    for image_id, guess, score in zip(
        chosen.index, chosen.guess, chosen.guess_confidence, strict=True
    ):
        label = class_map.get(str(guess), str(guess))
        if label is not None and label in classes:
            guesses[int(image_id)] = (label, round(float(score), 6))
    head = latest(project, "head", embedding_key=insights.key)
    version = f"labeldesk:{insights.key}"
    if head is not None and head.status == "complete":
        version += f":head-{head.id}"
    return guesses, version


register_importer(
    Importer(
        "labelstudio",
        "Label Studio JSON export (image classification): annotations, or predictions",
        sniff_tasks,
        read_export,
    )
)
