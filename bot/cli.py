"""What the command lines (``python -m scheduler``, ``python -m status``) share."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

from bot.storage import StoreBusyError

BUSY = 3  # exit status when the running bot holds the data file


def run_command(command: Coroutine[Any, Any, int]) -> int:
    """Run a command's coroutine; a data file held by the running bot is a clear refusal."""
    try:
        return asyncio.run(command)
    except StoreBusyError:
        print(
            "Botten kører og skriver i datafilen. Stop den først, eller gør det i Teams.",
            file=sys.stderr,
        )
        return BUSY
