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
from bot.backends import StoreUnavailable, dump, open_store
from bot.conversations import ConversationDirectory
from bot.delivery import StoredOnlyDelivery
from bot.http_limits import limit_log_floods, server_options
from bot.settings import OPEN_DOOR, Settings
from bot.storage import StoreBusyError, TinyDBStore
from content import Content, ContentError, load_content
from dialogs.qa.feature import QUESTION_LOG
from dialogs.qa.unanswered import format_groups, group_questions
from dialogs.reminders import cli as reminders_cli
from dialogs.status import cli as status_cli
from dialogs.text import clean_input
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
    """Run the web service until stopped (the store is opened in the server's event loop:
    PostgreSQL's connection pool belongs to it)."""
    clock: Clock = SystemClock(settings.tz)
    if settings.test_clock:
        clock = ManualClock(clock.now())
    try:
        content = load_content()
    except ContentError as exc:
        sys.exit(f"Content error: {exc}")

    async def app() -> web.Application:
        try:
            store = await open_store(settings)
        except StoreUnavailable as exc:
            sys.exit(str(exc))
        return create_app(settings, store, clock, content)

    print(
        f"Strategibot listening on http://{settings.host}:{settings.port}/api/messages"
        f" (authentication: {settings.authentication})",
        flush=True,
    )
    web.run_app(
        app(), host=settings.host, port=settings.port, print=None, **server_options(settings)
    )


async def _questions(settings: Settings) -> list[dict[str, str]]:
    store = await open_store(settings, max_connections=1)
    try:
        rows = list((await store.all(QUESTION_LOG)).values())
    finally:
        await store.close()
    return rows


def questions(settings: Settings) -> None:
    """Print the unanswered questions grouped by topic, most asked first: what to add first."""
    texts = load_content().messages.da.unanswered_report
    rows = [  # questions stored before the input gate may hold a lone surrogate: printable
        {k: clean_input(v) if isinstance(v, str) else v for k, v in row.items()}
        for row in asyncio.run(_questions(settings))
    ]
    for line in format_groups(group_questions(rows), texts):
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
    """Plain lines by default; JSON lines with ``LOG_FORMAT=json`` (for log collectors), at
    ``LOG_LEVEL``."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    limit_log_floods()  # asyncio and aiohttp log per connection: a storm must not fill the disk


def backup(settings: Settings, destination: Path) -> None:
    """Write one consistent copy of all data (every TinyDB file in ``DATA_DIR``, read again if
    the bot wrote meanwhile, or every document of ``DATABASE_URL`` read in one snapshot) to
    ``destination``.

    Safe while the bot runs: nothing is changed; the copy is written to a temporary file and
    renamed, so it is whole or absent. Restore it (TinyDB) by stopping the bot, moving
    ``strategibot/`` away, putting the copy in place as ``strategibot.json`` and starting
    again: the bot reads it in as it migrates an earlier version's file.
    """
    try:
        data = asyncio.run(dump(settings))
    except StoreUnavailable as exc:
        sys.exit(str(exc))
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".tmp")
    try:
        tmp.write_bytes(_json_bytes(data))
        os.replace(tmp, destination)
    except BaseException:
        tmp.unlink(missing_ok=True)  # whole or absent: never a half or empty copy left
        raise
    documents = sum(len(docs) for docs in data.values())
    print(f"{documents} dokumenter i {len(data)} tabeller gemt i {destination}.")


def _json_bytes(data: object) -> bytes:
    """``data`` as UTF-8 JSON; text that is not valid Unicode (a lone surrogate stored before
    the input gate) is kept as its ``\\u`` escape, which JSON allows and reads back as it was."""
    try:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data).encode("ascii")


BUSY = 3  # exit status when the running bot holds the data file


async def _feature_command(args: argparse.Namespace, settings: Settings, content: Content) -> int:
    """Run a feature's command over the same services the bot builds, on the bot's data."""
    store = await open_store(settings, max_connections=2)
    try:
        writes = args.command in reminders_cli.WRITES | status_cli.WRITES
        if writes and isinstance(store, TinyDBStore) and not store.owner:
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
    except StoreUnavailable as exc:
        sys.exit(str(exc))


if __name__ == "__main__":
    main()
