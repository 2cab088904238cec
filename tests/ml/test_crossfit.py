"""Cross-fitted features: every image's vector comes from a copy of the backbone that was
fine-tuned without it, exact copies share a part, and the fit is cached by content."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import write_image

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken
from labeldesk.core.scanner import scan
from labeldesk.ml import crossfit, crossfit_fit
from labeldesk.ml.crossfit import CrossFitParams, assign_folds, crossfit_predictions
from labeldesk.ml.embed import embed_project
from labeldesk.ml.store import embeddings_dir, project_vectors

from .crossfit_fixtures import embedded_colours

PARAMS = CrossFitParams(epochs=1, batch_size=4)


def test_folds_are_stratified_shuffled_and_keep_copies_together():
    labels = np.array([0] * 10 + [1] * 7 + [2] * 3 + [-1] * 5)
    trainable = labels >= 0
    hashes = [f"h{i}" for i in range(len(labels))]
    hashes[1] = hashes[12]  # an exact copy across classes (a mislabel's twin)
    hashes[20] = hashes[3]  # an unlabeled copy of a labeled image
    parts = assign_folds(hashes, labels, trainable, 2, seed=0)
    assert parts[1] == parts[12] and parts[20] == parts[3]
    for label in (0, 1, 2):
        counts = np.bincount(parts[(labels == label)], minlength=2)
        assert abs(counts[0] - counts[1]) <= 2, (label, counts)  # the copy may tip one
    assert set(parts[labels < 0]) == {0, 1}
    again = assign_folds(hashes, labels, trainable, 2, seed=0)
    other = assign_folds(hashes, labels, trainable, 2, seed=1)
    assert (again == parts).all() and (other != parts).any()


@pytest.fixture
def colours(tmp_path):
    project, root = embedded_colours(tmp_path)
    yield project, root
    project.close()


def test_no_image_is_embedded_by_a_model_that_trained_on_it(colours, monkeypatch):
    project, _ = colours
    trained: dict[int, set[int]] = {}
    real = crossfit_fit._train

    def spy(model, images, rows, labels, params, pre, device, fold, *rest):
        trained[fold] = set(rows.tolist())
        return real(model, images, rows, labels, params, pre, device, fold, *rest)

    monkeypatch.setattr(crossfit_fit, "_train", spy)
    reports = []
    odd = CrossFitParams(epochs=1, batch_size=2)  # parts to embed and to train differ in batches
    preds, fit = crossfit_predictions(project, odd, device="cpu", progress=reports.append)
    steps = [r for r in reports if r.message == crossfit.CROSS_FITTING]
    assert [r.done for r in steps] == list(range(1, len(steps) + 1))
    assert all(r.total == len(steps) for r in steps)  # the total known from the start
    assert {r.data["part"] for r in steps} == {"1/2", "2/2"}
    labeled = preds.labels >= 0
    assert set(trained) == {0, 1}
    for fold, rows in trained.items():
        assert rows == set(np.flatnonzero(labeled & (fit.folds != fold)).tolist())
        assert not rows & set(np.flatnonzero(fit.folds == fold).tolist())
    frozen = project_vectors(project).vectors
    assert fit.vectors.shape == frozen.shape
    assert np.allclose(np.linalg.norm(fit.vectors, axis=1), 1, atol=1e-4)
    assert not np.allclose(fit.vectors, frozen, atol=1e-3)  # fine-tuned, not the frozen net
    assert preds.probs.shape == (len(preds.paths), 3) and np.allclose(preds.probs.sum(1), 1)


def test_the_fit_is_reused_after_label_fixes_and_redone_for_new_images(colours):
    project, root = colours
    first, fit = crossfit_predictions(project, PARAMS, device="cpu")
    assert fit.fitted_now
    project.set_labels({"train/red/0.png": "blue"})  # labels change; the images do not
    after, again = crossfit_predictions(project, PARAMS, device="cpu")
    assert not again.fitted_now and np.array_equal(again.vectors, fit.vectors)
    row = after.paths.index("train/red/0.png")
    assert first.classes[first.labels[row]] == "red"
    assert after.classes[after.labels[row]] == "blue"  # scored with today's labels
    forced = crossfit_predictions(project, PARAMS, device="cpu", refit=True)[1]
    assert forced.fitted_now
    write_image(root / "train" / "red" / "new.png", size=(24, 24), fmt="PNG", seed=999)
    scan(project, workers=1)
    embed_project(project, device="cpu")
    grown = crossfit_predictions(project, PARAMS, device="cpu")[1]
    assert grown.fitted_now and len(grown.vectors) == len(fit.vectors) + 1
    assert len(list((embeddings_dir(project)).rglob("crossfit-*.npz"))) == 1


def test_cancelling_saves_nothing(colours):
    project, _ = colours
    token = CancelToken()

    def progress(p):
        if p.done >= 2:
            token.cancel()

    with pytest.raises(Cancelled):
        crossfit_predictions(project, PARAMS, device="cpu", progress=progress, cancel=token)
    assert not list(embeddings_dir(project).rglob("crossfit-*.npz"))


def test_a_cancel_before_or_during_the_backbone_load_stops_before_any_batch(colours, monkeypatch):
    """The app's window closing as a fit starts waits for it to stop: the fit looks at
    Cancel around the load too, not first at its first batch, after its images' reader
    started (on a busy CPU that was 18 to 28 s more)."""
    project, _ = colours
    real = crossfit.load_backbone
    loads: list[str] = []

    def load(spec, *args, **kwargs):
        loads.append(spec)
        found = real(spec, *args, **kwargs)
        token.cancel()  # the window closes while the backbone loads
        return found

    monkeypatch.setattr(crossfit, "load_backbone", load)

    def reader(*args, **kwargs):
        raise AssertionError("the images' reader started after Cancel")

    monkeypatch.setattr(crossfit, "TrainingImages", reader)
    token = CancelToken()
    with pytest.raises(Cancelled):
        crossfit.fit_project(project, device="cpu", cancel=token)
    assert len(loads) == 1
    with pytest.raises(Cancelled):  # cancelled before it began: no load either
        crossfit.fit_project(project, device="cpu", cancel=token)
    assert len(loads) == 1
    assert not list(embeddings_dir(project).rglob("crossfit-*.npz"))


def test_too_few_labels_for_every_part_is_a_clear_error(colours):
    project, _ = colours
    keep = {"train/red/0.png", "train/green/0.png"}
    project.set_labels({p: None for p in project.images().path if p not in keep})
    with pytest.raises(LabelDeskError, match="at least two classes in each of its 2 parts"):
        crossfit_predictions(project, PARAMS, device="cpu")


def test_issues_crossfit_on_the_command_line(colours, capsys):
    import json

    from labeldesk.cli import main

    project, _ = colours
    where = str(project.path)
    assert main(["issues", where, "--all", "--json", "--crossfit", "--device", "cpu"]) == 0
    fitted = json.loads(capsys.readouterr().out)
    assert main(["issues", where, "--all", "--json"]) == 0
    frozen = json.loads(capsys.readouterr().out)
    assert [sorted(r) for r in fitted] == [sorted(r) for r in frozen]  # the same contract
    assert sorted(r["path"] for r in fitted) == sorted(r["path"] for r in frozen)
    assert [r["score"] for r in fitted] != [r["score"] for r in frozen]
    assert main(["issues", where, "--crossfit", "--device", "cpu"]) == 0
    assert "cross-fitted features (from the cache, 21 images)" in capsys.readouterr().out
    assert main(["issues", where, "--refit"]) == 2  # only with --crossfit: a usage error
    assert "--refit and --device go with --crossfit" in capsys.readouterr().err


def test_the_terminal_says_what_the_fit_will_do_and_where_before_it_starts(colours, capsys):
    """Before, `issues --crossfit` on a machine without a GPU said only "loading
    backbone", then ran for minutes (about 15 on the 600-image sample here) before its
    bar gave a time; the app's dialog says so first, the terminal did not."""
    from labeldesk.cli import main

    project, _ = colours
    assert main(["issues", str(project.path), "--crossfit", "--device", "cpu"]) == 0
    err = capsys.readouterr().err.splitlines()
    [plan] = [line for line in err if line.startswith("cross-fitting on the CPU: ")]
    assert err.index(plan) < min(i for i, line in enumerate(err) if "%" in line)  # first
    assert "2 copies of the network, each fine-tuned for 3 epochs" in plan
    assert "(18 in all)" in plan and "(21 images in all)" in plan  # labeled; embedded
    assert "without a GPU this is slow" in plan
    assert main(["issues", str(project.path), "--crossfit"]) == 0  # from the cache: no plan
    assert "cross-fitting on" not in capsys.readouterr().err


def test_a_copied_project_keeps_its_fit(colours, tmp_path):
    """The cache is keyed by the model, the settings and the images' content: a project
    copied elsewhere (its vectors file a new file) reviews its last fit without refitting."""
    import shutil

    from labeldesk.core.project import open_project

    project, _ = colours
    fit = crossfit_predictions(project, PARAMS, device="cpu")[1]
    project.close()
    shutil.copytree(project.path, tmp_path / "copy")
    with open_project(tmp_path / "copy") as copy:
        again = crossfit_predictions(copy, PARAMS, device="cpu")[1]
    assert not again.fitted_now and np.array_equal(again.vectors, fit.vectors)


def test_an_unreadable_image_is_not_judged_and_stays_so_from_the_cache(colours):
    from labeldesk.ml.issues import label_issues

    project, root = colours
    broken = "train/green/2.png"
    (root / broken).write_bytes(b"not a png")  # after embedding: the fit cannot read it
    for refit in (True, False):
        preds, fit = crossfit_predictions(project, PARAMS, device="cpu", refit=refit)
        row = preds.paths.index(broken)
        assert fit.fitted_now is refit
        assert [f["path"] for f in fit.failed] == [broken]
        assert not fit.fitted[row] and fit.fitted.sum() == len(preds.paths) - 1
        listed = {i.path: i for i in label_issues(project, include_all=True, preds=preds)}
        assert listed[broken].suggested is None and np.isnan(listed[broken].score)
        assert not listed[broken].flagged  # a frozen vector among fitted ones says nothing
        judged = [i for i in listed.values() if not np.isnan(i.score)]
        assert len(judged) == 17  # every other labeled image


def test_a_cancel_after_the_last_batch_saves_nothing(colours):
    project, _ = colours
    token = CancelToken()

    def progress(p):
        if p.message == crossfit.CROSS_FITTING and p.done == p.total:
            token.cancel()

    with pytest.raises(Cancelled):
        crossfit_predictions(project, PARAMS, device="cpu", progress=progress, cancel=token)
    assert not list(embeddings_dir(project).rglob("crossfit-*.npz"))


def test_a_file_overwritten_since_the_scan_is_skipped_as_embedding_skips_it(colours, capsys):
    """Its label was given to the picture the scan saw: fitted on the new one, a part's
    model learns that label for a picture no one labeled, and the image is judged on a
    picture no one looked at. A file whose change time alone moved (new permissions),
    its bytes the scan's, is fitted as before."""
    import json
    import os

    from labeldesk.cli import main
    from labeldesk.ml.embed_decode import CHANGED

    project, root = colours
    changed, kept = "train/green/2.png", "train/red/3.png"
    write_image(root / changed, size=(24, 24), fmt="PNG", seed=4242)  # no rescan
    os.chmod(root / kept, 0o600)  # only its change time moves
    for refit in (True, False):  # fitted now, then read back from the cache
        preds, fit = crossfit_predictions(project, PARAMS, device="cpu", refit=refit)
        assert fit.fitted_now is refit
        assert fit.failed == [{"path": changed, "reason": CHANGED}]  # a scan takes it in
        assert not fit.fitted[preds.paths.index(changed)] and fit.fitted[preds.paths.index(kept)]
    where = str(project.path)
    for how in ("fitted now", "from the cache"):
        assert main(["issues", where, "--crossfit", "--device", "cpu"]) == 0
        out = capsys.readouterr().out
        assert f"cross-fitted features ({how}, 21 images); 1 image changed since the last " in out
        assert f"not judged, first {changed} (run `labeldesk scan {where}`)" in out
    assert main(["issues", where, "--all", "--json", "--crossfit", "--device", "cpu"]) == 0
    out, err = capsys.readouterr()
    rows = {r["path"]: r for r in json.loads(out)}
    assert (
        f"note: 1 image changed since the last scan, not judged, first {changed} "
        f"(run `labeldesk scan {where}`)\n"
    ) in err
    assert not rows[changed]["judged"] and rows[changed]["suggested"] is None
    assert rows[kept]["judged"]


def test_the_api_says_which_images_the_fit_left_out(colours, monkeypatch):
    """``ld.crossfit_predictions`` returned only the predictions: a notebook was never
    told which images the fit could not read (the command line names them)."""
    import labeldesk as ld
    from labeldesk.api_words import in_api_words
    from labeldesk.ml.embed_decode import CHANGED

    real = crossfit.crossfit_predictions

    def quick(project, **options):  # the API's call, with settings that fit in seconds
        return real(project, PARAMS, **options)

    monkeypatch.setattr(crossfit, "crossfit_predictions", quick)
    project, root = colours
    broken = "train/green/2.png"
    (root / broken).write_bytes(b"not a png")  # after the scan and the embedding
    preds = ld.crossfit_predictions(project, device="cpu", progress=lambda _: None)
    assert [f["path"] for f in preds.failed] == [broken]
    assert preds.failed[0]["reason"] != CHANGED
    write_image(root / broken, size=(24, 24), fmt="PNG", seed=999)  # readable, but new
    again = ld.crossfit_predictions(project, device="cpu", progress=lambda _: None)
    assert again.failed == [{"path": broken, "reason": in_api_words(CHANGED)}]
    assert "p.scan()" in again.failed[0]["reason"]
    # ld.issues on them says so too: the image was silently not in the table
    for include_all in (False, True):
        table = ld.issues(project, predictions=again, include_all=include_all)
        assert table.attrs["failed"] == again.failed
        listed = table.set_index("path")
        if include_all:  # listed, unjudged
            assert listed.loc[broken, "suggested"] is None
        else:
            assert broken not in listed.index
    assert ld.issues(project).attrs["failed"] == []  # the embedded images, each judged
