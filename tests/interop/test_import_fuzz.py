"""Fuzzing ``labeldesk import`` (see :mod:`interop.import_fuzz`): for each format it
reads, a valid export of a small project imports as it should, and fixed-seed random
mutations of it either import or fail with LabelDesk's own clear error, the project
database unchanged on failure and nothing written outside the project.

LABELDESK_FUZZ_CASES (default 20) sets the cases per format and LABELDESK_FUZZ_FIRST
(default 0) the first seed: a longer run looks further with the same checks. The
faults these found are fixed, each with its own regression test elsewhere.
"""

from __future__ import annotations

import os
import shutil

import pytest

from interop.import_fuzz import CASES, check_import, make_exports, tree

CASES_PER_FORMAT = int(os.environ.get("LABELDESK_FUZZ_CASES", "20"))
FIRST_SEED = int(os.environ.get("LABELDESK_FUZZ_FIRST", "0"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    """(project, exports) shared by this module's tests (each case works on copies),
    and the image folder's files, which no import may change."""
    root = tmp_path_factory.mktemp("fuzz")
    project, images, exports = make_exports(root)
    files = tree(images)
    yield project, exports
    assert tree(images) == files


@pytest.mark.parametrize("fmt", list(CASES))
def test_a_valid_export_imports_and_restores_the_labels(tmp_path, exported, fmt):
    """The harness's base case: unmutated, each source imports and applies the labels
    the project lost after the export (so a mutation's failure is the mutation's)."""
    fault, doc = check_import(tmp_path / "case", exported, fmt, None)
    assert fault is None, str(fault)
    assert doc["applied"] >= 1, doc


@pytest.mark.parametrize("fmt", list(CASES))
def test_mutated_label_sources_import_or_fail_clearly(tmp_path, exported, fmt):
    faults = []
    for seed in range(FIRST_SEED, FIRST_SEED + CASES_PER_FORMAT):
        case = tmp_path / str(seed)
        fault, _ = check_import(case, exported, fmt, seed)
        if fault is not None:
            faults.append(f"{fault}\n    labeldesk {' '.join(fault.args)}")
        else:
            shutil.rmtree(case)
    assert not faults, "\n".join(faults)


LABEL_CSV = ["csv", "tsv", "json", "jsonl"]  # what `label --csv` reads


@pytest.mark.parametrize("fmt", LABEL_CSV)
def test_mutated_label_files_of_label_csv_apply_or_fail_clearly(tmp_path, exported, fmt):
    """``labeldesk label --csv`` reads the same files through its own command."""
    base = check_import(tmp_path / "base", exported, fmt, None, command="label")
    assert base[0] is None and base[1]["applied"] >= 1, base
    faults = []
    for seed in range(FIRST_SEED, FIRST_SEED + CASES_PER_FORMAT // 2):
        case = tmp_path / str(seed)
        fault, _ = check_import(case, exported, fmt, seed, command="label")
        if fault is not None:
            faults.append(f"{fault}\n    labeldesk {' '.join(fault.args)}")
        else:
            shutil.rmtree(case)
    assert not faults, "\n".join(faults)
