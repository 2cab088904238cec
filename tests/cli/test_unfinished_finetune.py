"""A fine-tune stopped before its embeddings were whole (killed, Ctrl+C, a full disk):
`stats`, `models` and the commands that read the embeddings say that the project uses
the embeddings it had and which command finishes the tuned model's (they said nothing,
and `embed` reported every image embedded)."""

from __future__ import annotations

import json

from ml.fake_embeddings import make_clustered_project, record_awaited_finetune

from labeldesk.cli import main


def unfinished_project(tmp_path):
    """A clustered project (fake embeddings in use) with a fine-tune awaiting its own."""
    project, _ = make_clustered_project(tmp_path)
    version = record_awaited_finetune(project)
    images = project.stats()["images"]
    path = project.path
    project.close()
    return path, version.id, images


def test_stats_models_and_issues_say_the_fine_tunes_embeddings_are_unfinished(tmp_path, capsys):
    path, version, images = unfinished_project(tmp_path)
    said = (
        f"the embeddings of fine-tuned model #{version} are unfinished (0 of {images} images): "
        f"the project uses the embeddings it had until `labeldesk embed {path}` finishes them"
    )

    assert main(["stats", str(path)]) == 0
    assert f"note: {said}" in capsys.readouterr().out
    assert main(["stats", str(path), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["unfinished_embeddings"]
    assert found == {"version": version, "embedded": 0, "images": images}

    assert main(["models", str(path)]) == 0
    assert said in capsys.readouterr().out
    assert main(["models", str(path), "--json"]) == 0
    assert [v["embeddings_unfinished"] for v in json.loads(capsys.readouterr().out)] == [True]

    assert main(["issues", str(path)]) == 0
    assert f"note: {said}" in capsys.readouterr().err
