"""``python -m bot``: run the bot; ``python -m bot questions``: list unanswered questions."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.app import create_app
from bot.clock import Clock, ManualClock, SystemClock
from bot.settings import Settings
from bot.storage import TinyDBStore, read_data
from content import ContentError
from dialogs.qa.feature import QUESTION_LOG
from dialogs.qa.unanswered import format_groups, group_questions

DB_FILE = "strategibot.json"


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        sys.exit(f"Invalid setting {where}: {first['msg']}")


def serve() -> None:
    """Run the web service until stopped."""
    settings = _settings()
    store = TinyDBStore(settings.data_dir / DB_FILE)
    clock: Clock = SystemClock(settings.tz)
    if settings.test_clock:
        clock = ManualClock(clock.now())
    try:
        app = create_app(settings, store, clock)
    except ContentError as exc:
        sys.exit(f"Content error: {exc}")
    print(
        f"Strategibot listening on http://{settings.host}:{settings.port}/api/messages", flush=True
    )
    web.run_app(app, host=settings.host, port=settings.port, print=None)


async def _questions() -> list[dict[str, str]]:
    settings = _settings()
    store = TinyDBStore(settings.data_dir / DB_FILE)
    try:
        rows = list((await store.all(QUESTION_LOG)).values())
    finally:
        await store.close()
    return rows


def questions() -> None:
    """Print the unanswered questions grouped by topic, most asked first: what to add first."""
    for line in format_groups(group_questions(asyncio.run(_questions()))):
        print(line)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, with a record's structured ``fields`` as keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _configure_logging() -> None:
    """Plain lines by default; JSON lines with ``LOG_FORMAT=json`` (for log collectors)."""
    handler = logging.StreamHandler()
    if os.environ.get("LOG_FORMAT", "").lower() == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def backup(destination: Path) -> None:
    """Write one consistent copy of all data (snapshot and journal) to ``destination``.

    Safe while the bot runs: nothing is changed; the copy is written to a temporary file and
    renamed, so it is whole or absent. Restore it by stopping the bot, putting the copy in
    place as ``strategibot.json``, deleting ``strategibot.json.journal``, and starting again.
    """
    settings = _settings()
    data = read_data(settings.data_dir / DB_FILE)
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, destination)
    documents = sum(len(docs) for docs in data.values())
    print(f"{documents} dokumenter i {len(data)} tabeller gemt i {destination}.")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Strategibot")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "questions", "backup"],
        help="serve (default): run the bot; questions: list unanswered questions; "
        "backup FILE: one consistent copy of all data",
    )
    parser.add_argument("file", nargs="?", type=Path, help="where backup writes the copy")
    args = parser.parse_args()
    _configure_logging()
    if args.command == "backup":
        if args.file is None:
            parser.error("backup needs a file name, e.g. python -m bot backup /backup/data.json")
        backup(args.file)
        return
    {"serve": serve, "questions": questions}[args.command]()


if __name__ == "__main__":
    main()
