"""The README's Python examples run, as written, on a small project of the kind they
describe (classes cat, dog and a misspelt kat; a.jpg and b.jpg unlabeled; a new-batch
folder). Before, six of them failed for a user copying them: a class 'shirt' the project
has not, four uses of a version 'v1' that no line had made, and a rename onto an
existing class. The listings whose comments name their columns have those columns."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest
from helpers import write_image

import labeldesk as ld
from labeldesk.cli import main
from labeldesk.core.undo import Undone

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(section: str) -> list[str]:
    """The ```python blocks of the README's section whose heading is ``section``."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{section}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


def pets(root: Path) -> None:
    """pets/{train,test}/{cat,dog,kat}/NNN.jpg, with a.jpg and b.jpg unlabeled."""
    seed = 0
    for split, count in (("train", 4), ("test", 2)):
        for name in ("cat", "dog", "kat"):
            for i in range(1, count + 1):
                write_image(root / split / name / f"{i:03d}.jpg", size=(32, 32), seed=seed)
                seed += 1
    for name in ("a.jpg", "b.jpg"):
        write_image(root / name, size=(32, 32), seed=seed)
        seed += 1


def statements(block: str) -> list[tuple[str, ast.Module, str]]:
    """Each top-level statement of ``block``: its first line, code, and comment."""
    tree = ast.parse(block)
    lines = block.splitlines()
    found = []
    for node in tree.body:
        text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
        comment = text.partition("  # ")[2].splitlines()[0] if "  # " in text else ""
        found.append((lines[node.lineno - 1], ast.Module([node], []), comment))
    return found


def named_columns(comment: str) -> list[str]:
    """The columns a comment lists ("path, label, suggested, …: what …"), if it does."""
    names = comment.split(":")[0].replace("…", "").split(",")
    names = [n.strip() for n in names if n.strip()]
    if names[:1] != ["path"] or not all(n.isidentifier() for n in names):
        return []
    return names


@pytest.mark.slow
def test_the_python_api_examples_run_as_written(tmp_path, monkeypatch):
    from labeldesk.ml import crossfit
    from labeldesk.ml.crossfit import CrossFitParams

    monkeypatch.chdir(tmp_path)
    pets(tmp_path / "pets")
    for i in range(3):
        write_image(tmp_path / "new-batch" / f"n{i}.jpg", size=(32, 32), seed=100 + i)
    assert main(["new", "myproj", "--images", "pets"]) == 0  # as the README makes it
    monkeypatch.setenv("LABELDESK_USER", "alice")  # a batch of alice's for undo(author=)
    with ld.open_project("myproj") as p:
        p.set_label("train/dog/004.jpg", "cat")
    monkeypatch.delenv("LABELDESK_USER")
    real = crossfit.crossfit_predictions  # the real fit, with settings that take seconds
    quick = CrossFitParams(epochs=1, batch_size=32)  # one step a part: few images
    monkeypatch.setattr(
        crossfit, "crossfit_predictions", lambda project, **options: real(project, quick, **options)
    )

    [block] = python_blocks("## Python API")
    space: dict = {}
    failed, listings = [], 0
    for first_line, code, comment in statements(block):
        try:
            if isinstance(code.body[0], ast.Expr):
                value = eval(compile(ast.Expression(code.body[0].value), "README", "eval"), space)
            else:
                exec(compile(code, "README", "exec"), space)
                continue
        except Exception as exc:  # every failing example, not only the first
            failed.append(f"{first_line}\n    {type(exc).__name__}: {exc}")
            continue
        if named_columns(comment):
            assert isinstance(value, pd.DataFrame), first_line
            assert list(value.columns[: len(named_columns(comment))]) == named_columns(comment)
            listings += 1
    assert failed == []
    assert listings >= 2  # ld.issues(p).head(10), ld.queue(p, n=50)
    assert isinstance(space["undone"], Undone) and space["undone"].summary()


def test_the_notebook_scoring_example_runs():
    import numpy as np

    [block] = [b for b in python_blocks("### Likely mislabels") if "find_label_issues" in b]
    labels = np.array([0, 0, 1, 1, 2, 2])
    pred_probs = np.full((6, 3), 0.05)
    pred_probs[np.arange(6), [0, 0, 1, 2, 2, 2]] = 0.9  # image 3, labeled 1, looks like a 2
    space = {"labels": labels, "pred_probs": pred_probs}
    exec(compile(block, "README", "exec"), space)
    assert space["issues"].tolist() == [False, False, False, True, False, False]
    assert space["scores"].argmin() == 3


def test_the_stats_comment_names_what_p_stats_leaves_out(tmp_path):
    """The README's ``p.stats()  # the same without …`` names every key of ``ld.stats(p)``
    that ``p.stats()`` has not. Before, it named unfinished_embeddings only; ``embeddings``
    (the vectors in use and how many images have them) is missing from ``p.stats()`` too."""
    [block] = python_blocks("## Python API")
    [line] = [line for line in block.splitlines() if line.startswith("p.stats()")]
    said = line.partition(" without ")[2].partition(" (")[0]
    named = {name.strip(" `") for name in re.split(r",| and ", said) if name.strip(" `")}
    write_image(tmp_path / "images" / "cat" / "1.jpg", size=(16, 16), seed=1)
    with ld.new_project(tmp_path / "proj", tmp_path / "images", progress=False) as p:
        assert named == set(ld.stats(p)) - set(p.stats())
