from pathlib import Path

import pytest

from .standin import stand_in


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    return stand_in(tmp_path / "fakepy")
