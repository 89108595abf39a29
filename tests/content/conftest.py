from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.loader import DATA_DIR


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the shipped content files, to break one of them."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target
