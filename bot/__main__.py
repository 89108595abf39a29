"""``python -m bot``: run the bot, and every command-line tool (the features add theirs).

python -m bot [serve]           run the bot
python -m bot questions         the unanswered questions, grouped: what to add first
python -m bot backup FILE       one consistent copy of all data
python -m bot --help            the reminder and status commands (see dialogs/*/cli.py)
"""

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

from bot.app import build_features, create_app
from bot.conversations import ConversationDirectory
from bot.delivery import StoredOnlyDelivery
from bot.settings import OPEN_DOOR, Settings
from bot.storage import StoreBusyError, TinyDBStore, read_data
from content import Content, ContentError, load_content
from dialogs.qa.feature import QUESTION_LOG
from dialogs.qa.unanswered import format_groups, group_questions
from dialogs.reminders import cli as reminders_cli
from dialogs.status import cli as status_cli
from scheduler.clock import Clock, ManualClock, SystemClock


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == OPEN_DOOR:
            sys.exit(_open_door(str((first.get("ctx") or {}).get("host", "")), first["msg"]))
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        sys.exit(f"Invalid setting {where}: {first['msg']}")


def _open_door(host: str, english: str) -> str:
    """Why the bot will not start unauthenticated on ``host``: in Danish, then in English."""
    try:
        danish = load_content().messages.da.errors.open_door.format(host=host)
    except ContentError:
        return english
    return f"{danish} / {english}"


def serve(settings: Settings) -> None:
    """Run the web service until stopped."""
    store = TinyDBStore(settings.data_file)
    clock: Clock = SystemClock(settings.tz)
    if settings.test_clock:
        clock = ManualClock(clock.now())
    try:
        app = create_app(settings, store, clock)
    except ContentError as exc:
        sys.exit(f"Content error: {exc}")
    print(
        f"Strategibot listening on http://{settings.host}:{settings.port}/api/messages"
        f" (authentication: {settings.authentication})",
        flush=True,
    )
    web.run_app(app, host=settings.host, port=settings.port, print=None)


async def _questions(settings: Settings) -> list[dict[str, str]]:
    store = TinyDBStore(settings.data_file)
    try:
        rows = list((await store.all(QUESTION_LOG)).values())
    finally:
        await store.close()
    return rows


def questions(settings: Settings) -> None:
    """Print the unanswered questions grouped by topic, most asked first: what to add first."""
    texts = load_content().messages.da.unanswered_report
    for line in format_groups(group_questions(asyncio.run(_questions(settings))), texts):
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


def _configure_logging(settings: Settings) -> None:
    """Plain lines by default; JSON lines with ``LOG_FORMAT=json`` (for log collectors)."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def backup(settings: Settings, destination: Path) -> None:
    """Write one consistent copy of all data (snapshot and journal) to ``destination``.

    Safe while the bot runs: nothing is changed; the copy is written to a temporary file and
    renamed, so it is whole or absent. Restore it by stopping the bot, putting the copy in
    place as ``strategibot.json``, deleting ``strategibot.json.journal``, and starting again.
    """
    data = read_data(settings.data_file)
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, destination)
    documents = sum(len(docs) for docs in data.values())
    print(f"{documents} dokumenter i {len(data)} tabeller gemt i {destination}.")


BUSY = 3  # exit status when the running bot holds the data file


async def _feature_command(args: argparse.Namespace, settings: Settings, content: Content) -> int:
    """Run a feature's command over the same services the bot builds, on the bot's data."""
    store = TinyDBStore(settings.data_file)
    try:
        if args.command in reminders_cli.WRITES | status_cli.WRITES and not store.owner:
            raise StoreBusyError(store.path)
        delivery = StoredOnlyDelivery(ConversationDirectory(store), settings.admins)
        features = build_features(settings, store, SystemClock(settings.tz), content, delivery)
        if args.command in FEATURE_COMMANDS["reminders"]:
            return await reminders_cli.run(args, features.reminders, sys.stdout, sys.stderr)
        return await status_cli.run(args, features.status, sys.stdout, sys.stderr)
    finally:
        await store.close()


FEATURE_COMMANDS: dict[str, frozenset[str]] = {}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Strategibot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the bot (the default)")
    commands.add_parser("questions", help="the unanswered questions, grouped by topic")
    backup_command = commands.add_parser("backup", help="one consistent copy of all data")
    backup_command.add_argument("file", type=Path, help="where the copy is written")
    for feature, module in (("reminders", reminders_cli), ("status", status_cli)):
        before = set(commands.choices)
        module.add_commands(commands)
        FEATURE_COMMANDS[feature] = frozenset(set(commands.choices) - before)
    return parser


def main() -> None:
    """Command-line entry point."""
    args = _parser().parse_args()
    settings = _settings()
    _configure_logging(settings)
    if args.command == "backup":
        backup(settings, args.file)
    elif args.command == "questions":
        questions(settings)
    elif args.command in (None, "serve"):
        serve(settings)
    else:
        sys.exit(feature_command(args, settings))


def feature_command(args: argparse.Namespace, settings: Settings) -> int:
    """A feature's command; a data file held by the running bot is a clear refusal."""
    try:
        content = load_content()
    except ContentError as exc:
        sys.exit(f"Content error: {exc}")
    try:
        return asyncio.run(_feature_command(args, settings, content))
    except StoreBusyError:
        print(content.messages.da.errors.store_busy, file=sys.stderr)
        return BUSY


if __name__ == "__main__":
    main()
