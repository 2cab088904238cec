"""Embedding with OpenVINO writes nothing of OpenVINO's into the user's home.

Importing ``openvino`` starts its usage telemetry, which creates ``~/intel`` (a client id,
usage counts) and tries to send events: an offline tool must do neither. Each check runs
in a fresh interpreter, since a process that imported OpenVINO before LabelDesk's
runtime module is past helping. (Without the guard in :mod:`labeldesk.ml.runtime`, this
test fails: ``intel/openvino_ga_cid`` and ``intel/stats`` appear under HOME.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

EMBED_WITH_OPENVINO = """
import json, sys
from labeldesk.ml import runtime
from tests.ml.tiny_backbone import tiny_backbone

runner = runtime.load_runner(tiny_backbone(), "cpu", "openvino")
pixels = runtime.check_pixels(tiny_backbone().identity.preprocess, 4)
vectors = runner.features(pixels)
print(json.dumps({"runner": runner.name, "shape": list(vectors.shape),
                  "telemetry_loaded": "openvino_telemetry" in sys.modules
                  and sys.modules["openvino_telemetry"] is not None}))
"""


def _run(code: str, home: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "LABELDESK_")) and key not in ("CI", "TF_BUILD")
    }
    env.update(
        HOME=str(home),
        PYTHONPATH=str(REPO),
        LABELDESK_RUNTIME_CACHE=str(tmp_path / "runtime-cache"),
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_embedding_with_openvino_leaves_no_telemetry_state_in_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _run(EMBED_WITH_OPENVINO, home, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["runner"] == "openvino", done.stderr[-2000:]  # OpenVINO really embedded
    assert report["shape"] == [4, 48]
    assert report["telemetry_loaded"] is False
    assert not (home / "intel").exists(), sorted(str(p) for p in home.rglob("*"))
