"""The bot's log level (``LOG_LEVEL``): ``make run`` keeps the console to problems only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.live_bot import LiveBot


@pytest.mark.parametrize(("level", "logs_requests"), [("WARNING", False), ("INFO", True)])
async def test_the_bot_logs_requests_only_when_asked(
    tmp_path: Path, level: str, logs_requests: bool
) -> None:
    bot = LiveBot(tmp_path / "data", tmp_path / "bot.log", env={"LOG_LEVEL": level})
    await bot.start()
    try:
        for _ in range(3):
            await bot.healthz()
    finally:
        await bot.terminate()
    log = bot.log_path.read_text(encoding="utf-8")
    assert ("GET /healthz" in log) is logs_requests, log
    assert " INFO " in log if logs_requests else " INFO " not in log, log
