"""A name that begins with '-' (a file `-odd.png`, a class `-neg`) given where a command
takes a path or a class: argparse said only "unrecognized arguments: -odd.png" or "the
following arguments are required: path". The usage error (exit 2) now says that such a
name goes after --, with the command rewritten, and the rewritten command works."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from helpers import write_image

from labeldesk.cli import main

IMAGE = "train/cat/cat0.jpg"


@pytest.fixture
def proj(project, tmp_path):
    """The project, with an image whose file name begins with '-'."""
    write_image(project.root / "-odd.png", fmt="PNG", seed=77)
    project.scan()
    project.close()
    return str(project.path)


def _usage_error(capsys, *args: str) -> str:
    assert main(list(args)) == 2
    out = capsys.readouterr()
    assert out.out == "" and "Traceback" not in out.err
    return out.err


def _example(text: str) -> list[str]:
    """The command the hint gives, as words after `labeldesk`."""
    [example] = re.findall(r"e\.g\. `([^`]*)`", text)
    words = shlex.split(example)
    assert words[0] == "labeldesk"
    return words[1:]


def test_a_file_name_that_begins_with_a_dash_says_to_put_it_after_dashes(proj, capsys):
    err = _usage_error(capsys, "label", proj, "-odd.png", "cat")
    assert "unrecognized arguments: -odd.png cat" in err
    expected = shlex.join(["labeldesk", "label", proj, "--", "-odd.png", "cat"])
    assert f"a name that begins with '-' goes after --, e.g. `{expected}`" in err
    assert main(_example(err)) == 0  # as the hint says: it labels the image
    assert capsys.readouterr().out.startswith("1 label applied (undo with `labeldesk undo ")
    assert main(["history", proj, "--json", "--", "-odd.png"]) == 0
    [event] = json.loads(capsys.readouterr().out)
    assert (event["path"], event["new"]) == ("-odd.png", "cat")


def test_a_class_that_begins_with_a_dash_is_told_the_same(proj, capsys):
    err = _usage_error(capsys, "label", proj, IMAGE, "-neg")
    expected = shlex.join(["labeldesk", "label", proj, IMAGE, "--", "-neg"])
    assert f"goes after --, e.g. `{expected}`" in err
    # followed, the name itself is what is refused now, with its own reason
    assert main(_example(err)) == 1
    assert "invalid class name '-neg'" in capsys.readouterr().err


def test_with_json_the_error_document_says_so_and_options_come_first(proj, capsys):
    assert main(["label", proj, "-odd.png", "dog", "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "UsageError"
    expected = shlex.join(["labeldesk", "label", "--json", proj, "--", "-odd.png", "dog"])
    assert document["error"].endswith(f"goes after --, e.g. `{expected}`")
    assert main(_example(document["error"])) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == 1


@pytest.mark.parametrize(
    ("args", "after"),
    [
        (["similar", "{p}", "-k", "3", "-odd.png"], ["similar", "-k", "3", "{p}"]),
        (["history", "{p}", "-odd.png"], ["history", "{p}"]),
        (["review", "{p}", "relabel", "-odd.png", "dog"], ["review", "{p}", "relabel"]),
        (["version", "{p}", "create", "-v1"], ["version", "{p}", "create"]),
        (["import", "{p}", "-labels.csv"], ["import", "{p}"]),
        (["export", "{p}", "-out"], ["export", "{p}"]),
    ],
)
def test_every_command_that_takes_a_path_or_a_name_says_so(proj, capsys, args, after):
    args = [a.replace("{p}", proj) for a in args]
    err = _usage_error(capsys, *args)
    example = _example(err)
    dashed = next(a for a in args[1:] if a.startswith("-") and a not in ("-k",))
    assert example[: len(after)] == [a.replace("{p}", proj) for a in after]
    assert example[example.index("--") + 1] == dashed


def test_history_of_such_a_file_works_as_the_hint_says(proj, capsys):
    assert main(["label", proj, "--", "-odd.png", "cat"]) == 0
    capsys.readouterr()
    err = _usage_error(capsys, "history", proj, "-odd.png")
    command, *rest = _example(err)
    assert main([command, "--json", *rest]) == 0  # an option goes before the --
    assert [e["path"] for e in json.loads(capsys.readouterr().out)] == ["-odd.png"]


def test_an_option_value_that_begins_with_a_dash_is_joined_with_equals(
    proj, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-fixes.csv").write_text("path,label\n-odd.png,dog\n")
    err = _usage_error(capsys, "label", proj, "--csv", "-fixes.csv")
    assert "argument --csv: expected one argument" in err
    expected = shlex.join(["labeldesk", "label", proj, "--csv=-fixes.csv"])
    assert f"a value that begins with '-' is joined to its option by =, e.g. `{expected}`" in err
    assert main(_example(err)) == 0


def test_words_that_are_no_names_get_no_such_advice(proj, capsys):
    err = _usage_error(capsys, "stats", proj, "-neg")  # stats takes no name to put there
    assert "unrecognized arguments: -neg" in err and "goes after --" not in err
    err = _usage_error(capsys, "label", proj, "--jsno", IMAGE, "dog")  # a mistyped option
    assert "goes after --" not in err and "joined" not in err


def test_names_after_dashes_that_follow_an_option_are_read(proj, capsys):
    """Python 3.11 read no positional after an option (label P --json PATH LABEL was
    fixed before), nor after `--` there, nor history's PATH after -n."""
    assert main(["label", proj, "--json", "--", "-odd.png", "dog"]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == 1
    assert main(["history", proj, "-n", "1", "--json", IMAGE]) == 0
    assert [e["path"] for e in json.loads(capsys.readouterr().out)] == [IMAGE]


def test_an_option_after_dashes_is_told_to_go_before_them(proj, capsys):
    """`similar P -- -odd.png -k 3` said only "unrecognized arguments: -k 3": after `--`
    every word is a name. The error now says options go before --, rewritten."""
    err = _usage_error(capsys, "similar", proj, "--", "-odd.png", "-k", "3")
    assert "unrecognized arguments: -k 3" in err
    expected = shlex.join(["labeldesk", "similar", "-k", "3", proj, "--", "-odd.png"])
    assert f"options go before --, e.g. `{expected}`" in err
    assert main(_example(err)) == 1  # read now: refused only for want of embeddings
    assert "no embeddings yet" in capsys.readouterr().err
    assert main(["label", proj, "--", "-odd.png", "cat"]) == 0
    capsys.readouterr()
    err = _usage_error(capsys, "history", proj, "--", "-odd.png", "-n", "1")
    expected = shlex.join(["labeldesk", "history", "-n", "1", proj, "--", "-odd.png"])
    assert f"options go before --, e.g. `{expected}`" in err
    assert main(_example(err)) == 0
    assert "-odd.png" in capsys.readouterr().out


def test_a_name_after_dashes_that_looks_like_an_option_gets_no_such_advice(proj, capsys):
    """A file truly named like an option goes after --: no advice when names fit."""
    err = _usage_error(capsys, "stats", proj, "--", "-k")  # stats takes no name at all
    assert "options go before" not in err and "goes after" not in err
    # names after -- that do not fit: no rewritten command drops or moves any of them
    err = _usage_error(capsys, "label", proj, "-odd.png", "--", "cat", "dog")
    assert "options go before" not in err and "goes after" not in err
