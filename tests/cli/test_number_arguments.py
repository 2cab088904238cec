"""A count or seed argparse would take as any int is checked where it is read: a negative
seed, batch size or count is a usage error (exit 2) naming the argument, not a traceback, an
empty result with exit 0, or "everything"."""

from __future__ import annotations

import argparse
import json

import pytest

from labeldesk.cli import build_parser, main
from labeldesk.cli._base import non_negative_int, positive_int

BAD = [
    (["queue", "P", "--seed", "-1"], "--seed"),
    (["drift", "P", "--images", "I", "--seed", "-1"], "--seed"),
    (["export", "P", "OUT", "--make-splits", "80/10/10", "--seed", "-1"], "--seed"),
    (["export", "P", "OUT", "--format", "webdataset", "--shard-size", "0"], "--shard-size"),
    (["embed", "P", "--batch-size", "-4"], "--batch-size"),
    (["embed", "P", "--batch-size", "0"], "--batch-size"),
    (["similar", "P", "a.png", "-k", "-3"], "-k"),
    (["queue", "P", "-n", "-1"], "-n"),
    (["queue", "P", "-n", "0"], "-n"),
    (["outliers", "P", "-n", "-2"], "-n"),
    (["train", "P", "--epochs", "-1"], "--epochs"),
    # was every layer (as -1), a fine-tune far longer than the one asked for
    (["train", "P", "--mode", "finetune", "--train-blocks", "-5"], "--train-blocks"),
    (["undo", "P", "--batch", "999999999999999999999"], "--batch"),  # past SQLite's integers
    (["undo", "P", "--batch", "-1"], "--batch"),
    (["models", "P", "--pin", "99999999999999999999"], "--pin"),
    (["models", "P", "--compare", "1", "-2"], "--compare"),
    (["models", "P", "--pin", "1", "--unpin"], "--unpin"),  # was: unpinned, --pin dropped
    (["duplicates", "P", "--threshold", "nan"], "--threshold"),  # was invalid JSON, exit 0
    (["duplicates", "P", "--threshold", "5"], "--threshold"),
    (["duplicates", "P", "--hash-distance", "65"], "--hash-distance"),
    (["embed", "P", "--ray", "auto", "--gpus-per-worker", "nan"], "--gpus-per-worker"),
    # an empty path (an unset shell variable) was read as the current folder
    (["drift", "P", "--images", ""], "--images"),
    (["export", "P", "", "--format", "csv"], "out"),
    (["stats", ""], "project"),
]


@pytest.mark.parametrize(("argv", "option"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_negative_number_is_a_usage_error(argv, option, capsys, tmp_path):
    argv = [str(tmp_path / "p") if a == "P" else a for a in argv]
    assert main([*argv, "--json"]) == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    document = json.loads(out.out)
    assert document["kind"] == "UsageError"
    assert f"argument {option}" in document["error"]


def test_zero_stays_allowed_where_it_means_something():
    parser = build_parser()
    assert parser.parse_args(["queue", "p", "--seed", "0"]).seed == 0
    assert parser.parse_args(["outliers", "p", "-n", "0"]).n == 0  # 0: all of them
    assert parser.parse_args(["embed", "p", "--batch-size", "16"]).batch_size == 16
    assert parser.parse_args(["duplicates", "p", "--hash-distance", "-1"]).hash_distance == -1
    assert parser.parse_args(["duplicates", "p", "--threshold", "1"]).threshold == 1.0
    assert parser.parse_args(["embed", "p", "--gpus-per-worker", "0"]).gpus_per_worker == 0


@pytest.mark.parametrize("text", ["-1", "1.5", "x", "", "²", "1e3"])
def test_the_types_take_only_plain_whole_numbers(text):
    with pytest.raises(argparse.ArgumentTypeError):
        non_negative_int(text)
    with pytest.raises(argparse.ArgumentTypeError):
        positive_int("0")
    assert non_negative_int("0") == 0 and positive_int("7") == 7


def test_finetune_options_with_a_head_are_refused(project, capsys):
    """`train --train-blocks 4` trained a head and dropped the option silently."""
    for extra in (["--train-blocks", "4"], ["--no-reembed"]):
        assert main(["train", str(project.path), *extra, "--json"]) == 2  # a usage error
        assert "go with --mode finetune" in json.loads(capsys.readouterr().out)["error"]
    args = build_parser().parse_args(["train", "P", "--mode", "finetune", "--train-blocks", "-1"])
    assert args.train_blocks == -1


def test_export_options_that_would_do_nothing_are_refused(project, tmp_path, capsys):
    """`export --seed 3` without --make-splits, and --shard-size for a format without
    shards, exported as if they were not given."""
    for extra in (["--seed", "3"], ["--format", "csv", "--shard-size", "5"]):
        out = tmp_path / f"out{len(extra)}"
        assert main(["export", str(project.path), str(out), *extra, "--json"]) == 2
        assert "goes with" in json.loads(capsys.readouterr().out)["error"]
        assert not out.exists()
