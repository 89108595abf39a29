"""Run ``python -m bot <command>`` as an admin would, on a data directory of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bot_command(
    data_dir: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The finished process, with its Danish output in ``stdout``/``stderr``."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, "DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
