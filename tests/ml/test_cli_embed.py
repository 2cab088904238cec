"""The embedding commands through the CLI, checking the JSON contract."""

from __future__ import annotations

import itertools
import json
import shutil

from labeldesk.cli import main


def run_json(capsys, *args):
    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_embed_similar_duplicates_outliers(tmp_path, photo_root, capsys):
    (photo_root / "test/astronaut").mkdir(parents=True)
    shutil.copy(photo_root / "train/astronaut/astronaut.jpg", photo_root / "test/astronaut/a.jpg")
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(photo_root))

    assert main(["embed", proj, "--device", "tpu"]) == 2  # argparse rejects unknown devices
    capsys.readouterr()
    assert main(["similar", proj, "train/horse/horse.jpg"]) == 1
    assert "labeldesk embed" in capsys.readouterr().err

    embed = run_json(capsys, "embed", proj, "--batch-size", "8")
    assert embed["model"] == "efficientnet_lite0" and embed["embedded"] == 14
    assert embed["images_per_s"] > 0 and embed["seconds"] > 0
    assert embed["engine"] == "local" and embed["runtime"] in ("openvino", "onnx", "torch")
    assert run_json(capsys, "embed", proj)["embedded"] == 0

    similar = run_json(capsys, "similar", proj, "train/astronaut/astronaut.jpg", "-k", "3")
    assert next(r["path"] for r in similar) == "test/astronaut/a.jpg"
    assert set(similar[0]) >= {"path", "label", "score"} and len(similar) == 3
    assert all(a["score"] >= b["score"] for a, b in itertools.pairwise(similar))
    assert "train/astronaut/astronaut.jpg" not in [r["path"] for r in similar]
    assert main(["similar", proj, "train/astronaut/astronaut.jpg", "-k", "2"]) == 0
    head, first, *rest = capsys.readouterr().out.splitlines()  # a line saying what the columns are
    assert (
        head.startswith("2 images most like train/astronaut/astronaut.jpg") and "similarity" in head
    )
    assert first.endswith("test/astronaut/a.jpg  [astronaut]") and len(rest) == 1

    dups = run_json(capsys, "duplicates", proj)
    assert dups["exact_groups"] == 1 and len(dups["leakage"]) == 1
    assert dups["leakage"][0]["splits"] == ["test", "train"]

    odd = run_json(capsys, "outliers", proj, "-n", "3")
    assert len(odd) == 3 and odd[0]["score"] >= odd[1]["score"]


def test_unavailable_model_is_a_clear_error(tmp_path, photo_root, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(photo_root))
    assert main(["embed", proj, "--model", "convnext_tiny"]) == 1
    err = capsys.readouterr().err
    assert "not in the local cache" in err and "timm.create_model" in err


def test_a_run_limited_by_decoding_says_so(tmp_path, photo_root, capsys, monkeypatch):
    from labeldesk.ml import embed as embed_module
    from labeldesk.ml.embed import EmbedReport

    def report(waiting: float) -> EmbedReport:
        done = EmbedReport("m", "k", "cuda", embedded=40_000, total=40_000, seconds=20.0)
        done.waiting_s, done.model_s = waiting, 20.0 - waiting
        return done

    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(photo_root))
    for waiting, said in ((14.0, True), (6.0, False)):
        monkeypatch.setattr(embed_module, "embed_project", lambda *a, w=waiting, **k: report(w))
        assert main(["embed", proj]) == 0
        out = capsys.readouterr().out
        assert ("the model waited for them 70% of it" in out) is said
        assert "40,000 images embedded" in out
    assert run_json(capsys, "embed", proj)["waiting_for_images_s"] == 6.0
