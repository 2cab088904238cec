from __future__ import annotations

import json
import re

import pytest

from labeldesk.cli import main
from labeldesk.core import review
from labeldesk.core.errors import NothingToUndoError
from labeldesk.ml.issues import label_issues
from labeldesk.ml.predictions import project_predictions


def test_planted_errors_come_first_with_the_right_suggestion(clustered):
    project, flipped = clustered
    issues = label_issues(project)
    assert {i.path for i in issues[:2]} == set(flipped)
    assert all(i.flagged and i.label == "ant" and i.suggested == "bee" for i in issues[:2])
    assert all(0.0 <= i.score <= 1.0 for i in issues)
    everything = label_issues(project, include_all=True)
    assert len(everything) == 105  # every labeled image: 90 train + 15 val
    assert [i.score for i in everything] == sorted(i.score for i in everything)


def test_predictions_cover_every_image_and_refresh_after_labeling(clustered):
    project, flipped = clustered
    preds = project_predictions(project)
    assert len(preds.paths) == 115
    assert preds.out_of_fold.sum() == 90  # labeled train rows only
    row = preds.paths.index("_unlabeled/u1.png")
    assert preds.classes[preds.predicted[row]] == "bee"
    project.set_label(flipped[0], "bee")
    fresh = project_predictions(project)
    assert fresh.labels[fresh.paths.index(flipped[0])] == 1  # not a stale cache


def test_review_actions_are_undoable_events(clustered):
    project, flipped = clustered
    a, b = flipped
    review.accept(project, a, "bee")
    assert project.history(a)[0].source == "suggestion"
    review.keep(project, b)
    assert b not in {i.path for i in label_issues(project)}  # verified: not flagged again
    assert b in {i.path for i in label_issues(project, include_all=True)}
    review.exclude(project, "train/cow/cow3.png")
    assert "train/cow/cow3.png" not in {i.path for i in label_issues(project, include_all=True)}
    project.undo()
    project.undo()
    project.undo()
    state = {s.image_id: s for s in project.image_states(project.ids_for([a, b]).values())}
    assert {(s.label, s.status) for s in state.values()} == {("ant", None)}
    with pytest.raises(NothingToUndoError):
        project.undo()


def test_a_label_change_clears_verified_so_it_can_be_flagged_again(clustered):
    project, flipped = clustered
    review.keep(project, flipped[0])
    project.set_label(flipped[0], "cow")
    state = project.image_states(project.ids_for(flipped[:1]).values())[0]
    assert (state.label, state.status) == ("cow", None)
    assert flipped[0] in {i.path for i in label_issues(project)}


def test_review_decisions_mark_the_new_label_verified(clustered):
    project, flipped = clustered
    review.relabel(project, flipped[0], "cow")  # a person chose it while reviewing
    review.accept(project, flipped[1], "bee")
    states = project.image_states(project.ids_for(flipped[:2]).values())
    assert {(s.label, s.status) for s in states} == {("cow", "verified"), ("bee", "verified")}
    assert not {i.path for i in label_issues(project)} & set(flipped[:2])


def test_issues_and_review_commands(clustered, capsys):
    project, flipped = clustered
    assert main(["issues", str(project.path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) >= {"path", "label", "suggested", "score", "flagged"}
    assert {r["path"] for r in rows[:2]} == set(flipped)
    assert main(["review", str(project.path), "accept", flipped[0], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["label"] == "bee"
    assert main(["predict", str(project.path), "--json"]) == 0
    preds = json.loads(capsys.readouterr().out)
    assert len(preds) == 115 and set(preds[0]) >= {"path", "predicted", "confidence"}


def test_one_confusion_cell_from_the_command(clustered, capsys):
    project, flipped = clustered
    preds = project_predictions(project)
    ant, bee = preds.classes.index("ant"), preds.classes.index("bee")
    rows = zip(preds.paths, preds.labels, preds.predicted, strict=True)
    cell = [path for path, given, guess in rows if given == ant and guess == bee]
    assert set(flipped) <= set(cell)  # labeled ant, bee-like vectors
    assert (
        main(["predict", str(project.path), "--label", "ant", "--predicted", "bee", "--json"]) == 0
    )
    assert [r["path"] for r in json.loads(capsys.readouterr().out)] == cell
    assert main(["predict", str(project.path), "--label", "ant", "--json"]) == 0
    assert {r["label"] for r in json.loads(capsys.readouterr().out)} == {"ant"}
    assert main(["predict", str(project.path), "--predicted", "horse"]) != 0
    assert "no class 'horse'" in capsys.readouterr().err


def test_predict_text_names_its_columns_and_each_given_label(clustered, capsys):
    """The text had no header and left out the given label, so a row read "87%  bee
    train/ant/x.png" without saying which label the image has."""
    project, flipped = clustered
    assert main(["predict", str(project.path), "--label", "ant", "--predicted", "bee"]) == 0
    head, *lines = capsys.readouterr().out.splitlines()
    assert head.startswith(f"{len(lines)} images: the model's confidence, its prediction")
    assert "[the given label]" in head
    assert all(" bee " in line and line.endswith("  [ant]") for line in lines)
    assert any(path in line for line in lines for path in flipped)
    preds = project_predictions(project)
    taken = {(int(g), int(p)) for g, p in zip(preds.labels, preds.predicted, strict=True)}
    k = len(preds.classes)
    given, guess = next((g, p) for g in range(k) for p in range(k) if (g, p) not in taken)
    names = ["--label", preds.classes[given], "--predicted", preds.classes[guess]]
    assert main(["predict", str(project.path), *names]) == 0
    assert capsys.readouterr().out.strip() == "no image in that cell"  # (was a blank output)


def test_a_fresh_head_predicts_what_the_probe_never_trained_on(clustered):
    from labeldesk.ml.train import HeadParams, train_head

    project, _ = clustered
    before = project_predictions(project)
    train_head(project, HeadParams(epochs=20))
    after = project_predictions(project)
    unseen = ~after.out_of_fold
    assert not (after.probs[unseen] == before.probs[unseen]).all()  # from the head now
    assert (after.probs[~unseen] == before.probs[~unseen]).all()  # train rows stay out-of-fold
    project.set_label("_unlabeled/u0.png", "ant")  # labels moved on: the head is stale
    stale = project_predictions(project)
    assert (stale.probs[unseen] != after.probs[unseen]).any()


def test_issues_all_words_each_row_by_its_state(clustered, capsys):
    """`issues --all` called unflagged rows "very likely wrong" like flagged ones."""
    project, flipped = clustered
    review.keep(project, flipped[1])  # a person kept the label: listed, never flagged
    assert main(["issues", str(project.path), "--all"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert main(["issues", str(project.path), "--all", "--json"]) == 0
    flags = {r["path"]: r["flagged"] for r in json.loads(capsys.readouterr().out)}
    by_path = {next(p for p in flags if f"  {p}  " in row): row for row in rows}
    assert "likely wrong" in by_path[flipped[0]] and by_path[flipped[0]].endswith("(flagged)")
    assert " verified " in by_path[flipped[1]] and "wrong" not in by_path[flipped[1]]
    assert all("likely wrong" not in row for path, row in by_path.items() if not flags[path])


def test_the_count_line_says_which_likely_errors_a_person_kept(clustered, capsys):
    """After `review keep` on a flagged label the first line read "about 2 labels likely
    wrong; 1 flagged for review": the estimate still counts the kept label, the flags
    leave it out, and nothing said why the two differ."""
    project, flipped = clustered
    assert main(["issues", str(project.path)]) == 0
    before = capsys.readouterr().out.splitlines()[0]
    assert before == "about 2 labels likely wrong; 2 flagged for review" + COLUMNS
    review.keep(project, flipped[1])
    assert main(["issues", str(project.path)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "about 2 labels likely wrong; 1 flagged for review (1 more verified by a person)" + COLUMNS
    )


COLUMNS = ": label fit (low: likely wrong), verdict, path, label → suggestion"


def test_the_count_line_names_the_columns_of_the_rows(clustered, capsys):
    """The rows began with a bare percentage ("  0%  very likely wrong  a.png  ant -> bee")
    and nothing said it was the label fit, where `queue` and `predict` name their columns."""
    project, _ = clustered
    assert main(["issues", str(project.path)]) == 0
    head, first = capsys.readouterr().out.splitlines()[:2]
    assert head.endswith(COLUMNS)
    assert re.fullmatch(r" *<?\d+%  [a-z ]*wrong +\S+\.png  '\S+' → '\S+'  \(flagged\)", first)


def test_issues_all_shows_no_arrow_where_the_suggestion_is_the_label(clustered, capsys):
    """`issues --all` read `ant -> ant` for a label the model agrees with (a verified one
    too): the arrow now appears only where the suggestion differs from the label."""
    project, flipped = clustered
    rows = json.loads(_out(capsys, project, "--json"))
    agreed = next(r for r in rows if r["suggested"] == r["label"] and not r["flagged"])
    review.keep(project, agreed["path"])  # verified by a person, the suggestion the same
    lines = _out(capsys, project).splitlines()[1:]
    by_path = {r["path"]: r for r in json.loads(_out(capsys, project, "--json"))}
    for line in lines:
        path = next(p for p in by_path if f"  {p}  " in line)
        row = by_path[path]
        if row["suggested"] == row["label"]:
            assert " → " not in line and f"  {path}  '{row['label']}'" in line, line
        elif row["suggested"]:
            assert f"  {path}  '{row['label']}' → '{row['suggested']}'" in line, line
    agreed_line = next(line for line in lines if f"  {agreed['path']}  " in line)
    assert " verified " in agreed_line and agreed_line.endswith(f"  '{agreed['label']}'")
    assert any("'ant' → 'bee'" in line for line in lines if flipped[0] in line)


def _out(capsys, project, *more: str) -> str:
    assert main(["issues", str(project.path), "--all", *more]) == 0
    return capsys.readouterr().out
