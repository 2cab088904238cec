"""What a notebook user met in a pass over the Python API: ``ld.stats`` answers as
``labeldesk stats --json``, errors advise the API's call (not the command line's),
wrong argument types are a BadArgument up front, ``ld.api`` is reachable, and the
cross-fit shows its progress."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import labeldesk as ld
from labeldesk.api_words import in_api_words
from labeldesk.cli import main
from labeldesk.core.errors import BadArgument
from labeldesk.core.progress import Progress
from labeldesk.ml.errors import NoEmbeddings


def test_stats_adds_unfinished_embeddings_as_the_command_line_does(tmp_path, capsys):
    """``p.stats()`` lacked ``unfinished_embeddings``, which ``stats --json`` adds."""
    from ml.fake_embeddings import make_clustered_project, record_awaited_finetune

    project, _ = make_clustered_project(tmp_path)
    version = record_awaited_finetune(project)
    found = ld.stats(project)
    assert main(["stats", str(project.path), "--json"]) == 0
    assert found == json.loads(capsys.readouterr().out)
    assert found["unfinished_embeddings"]["version"] == version.id
    project.close()


def test_errors_through_the_api_advise_the_api_call(project):
    """A notebook was told to "run `labeldesk embed /path` first"."""
    for call in (lambda: ld.issues(project), lambda: ld.similar(project, "train/cat/cat0.jpg")):
        with pytest.raises(NoEmbeddings) as err:
            call()
        assert "run `ld.embed(p)` first" in str(err.value)
        assert "labeldesk embed" not in str(err.value)


def test_the_api_words_for_command_line_advice():
    assert in_api_words("run `labeldesk embed '/a b/p'` to rebuild them") == (
        "run `ld.embed(p)` to rebuild them"
    )
    assert in_api_words("`labeldesk embed /p --model resnet18:160`") == (
        '`ld.embed(p, model="resnet18:160")`'
    )
    assert in_api_words("run `labeldesk embed --model NAME` again") == (
        'run `ld.embed(p, model="NAME")` again'
    )
    kept = "run `labeldesk embed /p --ray auto` on the cluster"  # no call says it
    assert in_api_words(kept) == kept


def test_wrong_argument_types_are_bad_arguments_with_nothing_done(project):
    before = project.images().label.copy()
    with pytest.raises(BadArgument, match="image path must be text"):
        project.set_label(5, "dog")  # an image id is not a path
    with pytest.raises(BadArgument):
        project.set_labels({5: "dog"})
    with pytest.raises(BadArgument, match="predictions must be None"):
        ld.issues(project, predictions="x")
    with pytest.raises(BadArgument, match="predictions must be None"):
        ld.expected_errors(project, predictions=ld.predictions)
    with pytest.raises(BadArgument, match="note must be text"):
        ld.create_version(project, "v", note=5)
    with pytest.raises(BadArgument, match="name must be text"):
        ld.create_version(project, 5)
    assert ld.create_version(project, "v", note=None)["note"] == ""  # None: no note

    changed = project.set_label("train/cat/cat0.jpg", "dog")
    for wrong in ("1", 1.0, True, str(changed.batch_id)):
        with pytest.raises(BadArgument, match="batch_id must be"):
            project.undo(wrong)  # "1" was undone as batch 1, silently
    with pytest.raises(BadArgument, match="author must be"):
        project.undo(author=1)
    assert project.images().set_index("path").label["train/cat/cat0.jpg"] == "dog"
    project.undo(np.int64(changed.batch_id))  # as a DataFrame's column holds it
    assert project.images().label.equals(before)


def test_ld_api_is_reachable_without_importing_it_and_import_stays_light():
    code = (
        "import sys, labeldesk as ld\n"
        "assert 'labeldesk.api' not in sys.modules and 'pandas' not in sys.modules\n"
        "assert callable(ld.api.records) and callable(ld.quality.find_label_issues)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_crossfit_predictions_reports_progress(clustered, monkeypatch):
    """A 496 s cross-fit in a notebook showed nothing until it ended."""
    import labeldesk.ml.crossfit as crossfit

    project, _ = clustered
    seen: list[Progress] = []

    def fake(project, *, device, refit, progress, cancel):
        progress(Progress(1, 2, "cross-fitting"))
        progress(Progress(2, 2, "cross-fitting"))
        from labeldesk.ml.predictions import project_predictions

        return project_predictions(project), SimpleNamespace(failed=[])

    monkeypatch.setattr(crossfit, "crossfit_predictions", fake)
    preds = ld.crossfit_predictions(project, progress=seen.append)
    assert [(p.done, p.total) for p in seen] == [(1, 2), (2, 2)]
    assert len(ld.issues(project, predictions=preds)) == len(ld.issues(project))
    ld.crossfit_predictions(project)  # its own bar when given no callback
