"""A Cancel while embedding loads its model stops the run before it prepares the model's
engine (an OpenVINO conversion or compile takes seconds more on a busy machine); the
run reports itself cancelled and a later one embeds everything."""

from __future__ import annotations

from labeldesk.core.progress import CancelToken
from labeldesk.ml import embed
from labeldesk.ml.embed import embed_project


def test_a_cancel_while_the_model_loads_prepares_no_engine(project, backbone, monkeypatch):
    token = CancelToken()

    def load(model: str):  # the app's Cancel comes while the model loads
        token.cancel()
        return backbone

    def prepare(*args, **kwargs):
        raise AssertionError("the model's engine was prepared after Cancel")

    monkeypatch.setattr(embed, "load_backbone", load)
    monkeypatch.setattr(embed, "load_runner", prepare)
    report = embed_project(project, cancel=token)
    assert report.cancelled and report.embedded == 0
    monkeypatch.undo()
    assert embed_project(project, backbone=backbone).embedded == 19
