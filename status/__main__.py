"""``python -m status``: leaders, status rounds and the half-year report from the command line.

python -m status import-leaders FILE.csv          import leaders (navn; e-mail eller AAD-id; enhed)
python -m status new-round --name NAVN --deadline ÅÅÅÅ-MM-DD [--goals 1.1 2.3 | --priorities]
                           [--units ENHED ...]     open a round (the bot sends the cards)
python -m status rounds                           the rounds and how many have answered
python -m status report [--round NAVN] --format csv|html|md [-o FIL]   export the report

Commands that change data open the data file the bot uses; run them while the bot is
stopped. The bot sends the cards of a new round when it starts (and every minute).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import cast

from bot.cli import run_command
from bot.clock import SystemClock
from bot.conversations import ConversationDirectory
from bot.settings import Settings
from bot.storage import StoreBusyError, TinyDBStore
from content import Content, load_content
from dialogs.qa.text import fold, new_id
from dialogs.replies import Reply
from dialogs.status.service import StatusService
from scheduler.calendar import format_date
from scheduler.repository import ReminderRepository
from status.leaders_csv import parse_leaders_csv
from status.models import Round
from status.render import Format, render
from status.repository import StatusRepository

DB_FILE = "strategibot.json"


async def _no_send(recipient: str, reply: Reply, key: str) -> bool:
    return False  # the running bot sends; the command line only stores


def _service(store: TinyDBStore, settings: Settings, content: Content) -> StatusService:
    return StatusService(
        StatusRepository(store),
        ReminderRepository(store),
        SystemClock(settings.tz),
        content,
        settings.tz,
        _no_send,
        ConversationDirectory(store).reachable,  # as the bot sees it, from the stored chats
        keep_rounds=settings.status_keep_rounds,
    )


async def _find_round(service: StatusService, name: str | None) -> Round | None:
    rounds = await service.repository.rounds()
    if name is None:
        return rounds[-1] if rounds else None
    wanted = fold(name.lower())
    return next((r for r in rounds if fold(r.name.lower()) == wanted or r.id == name), None)


async def _import(service: StatusService, file: Path) -> int:
    try:
        data = file.read_bytes()
    except OSError as exc:
        print(f"Kunne ikke læse {file}: {exc.strerror}", file=sys.stderr)
        return 2
    leaders, errors = parse_leaders_csv(data)
    messages = service.content.status.import_errors
    for error in errors:
        message = messages.get(error.code, error.code).format(**error.params)
        print(f"Række {error.row}: {message}", file=sys.stderr)
    for leader in leaders:
        await service.repository.save_leader(leader)
    print(f"{len(leaders)} ledere importeret, {len(errors)} rækker sprunget over.")
    return 0 if leaders or not errors else 2


async def _new_round(service: StatusService, args: argparse.Namespace) -> int:
    content = service.content
    known = [m.id for m in content.strategy.maalsaetninger]
    goals: Sequence[str] = known
    if args.priorities:
        goals = await service.meetings.priorities()
    elif args.goals:
        goals = args.goals
    unknown = [g for g in goals if g not in known]
    if unknown or not goals:
        print(f"Ukendte eller ingen målsætninger: {', '.join(unknown)}", file=sys.stderr)
        return 2
    now = service.clock.now()
    if not now.date() < args.deadline:
        print("Fristen skal ligge efter i dag.", file=sys.stderr)
        return 2
    if await _find_round(service, args.name) is not None:
        print(f"Der findes allerede en runde, der hedder »{args.name}«.", file=sys.stderr)
        return 2
    units = tuple(args.units or ())
    leaders = [x for x in await service.repository.leaders() if not units or x.unit in units]
    if not leaders:
        print("Der er ingen ledere i de valgte enheder.", file=sys.stderr)
        return 2
    round_ = Round(
        id=new_id(args.name, "runde"),
        name=args.name,
        maalsaetninger=tuple(goals),
        recipients=tuple(x.key for x in leaders),
        units=units,
        deadline=args.deadline,
        opened_at=now,
        opened_by="cli",
    )
    await service.open_round(round_)
    print(
        f"Statusrunden »{round_.name}« er oprettet med {len(leaders)} ledere og "
        f"{len(goals)} målsætninger, frist {format_date(round_.deadline, True)}. "
        "Botten sender kortene, når den kører."
    )
    return 0


async def _rounds(service: StatusService) -> int:
    rounds = await service.repository.rounds()
    if not rounds:
        print("Der er ingen statusrunder endnu.")
    for round_ in rounds:
        answered = await service.answered(round_)
        print(
            f"{round_.name:20} frist {format_date(round_.deadline, True):18} "
            f"{len(answered)} af {len(round_.recipients)} har svaret"
        )
    return 0


async def _report(service: StatusService, args: argparse.Namespace) -> int:
    round_ = await _find_round(service, args.round)
    if round_ is None:
        print("Ukendt statusrunde (skriv »python -m status rounds«).", file=sys.stderr)
        return 2
    data = render(await service.report(round_), cast(Format, args.format), service.content)
    if args.output:
        args.output.write_bytes(data)
        print(f"Rapporten er gemt i {args.output}.")
    else:
        sys.stdout.buffer.write(data)
    return 0


async def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    store = TinyDBStore(settings.data_dir / DB_FILE)
    service = _service(store, settings, load_content())
    try:
        if args.command in ("import-leaders", "new-round") and not store.owner:
            raise StoreBusyError(store.path)
        if args.command == "import-leaders":
            return await _import(service, args.file)
        if args.command == "new-round":
            return await _new_round(service, args)
        if args.command == "rounds":
            return await _rounds(service)
        return await _report(service, args)
    finally:
        await store.close()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m status", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import-leaders", help="importér ledere fra en CSV-fil")
    imp.add_argument("file", type=Path)
    new = commands.add_parser("new-round", help="opret en statusrunde")
    new.add_argument("--name", required=True)
    new.add_argument("--deadline", required=True, type=date.fromisoformat)
    new.add_argument("--goals", nargs="+", help="målsætninger (standard: alle 14)")
    new.add_argument("--priorities", action="store_true", help="OMU's prioriterede")
    new.add_argument("--units", nargs="+", help="enheder (standard: alle)")
    commands.add_parser("rounds", help="statusrunderne")
    report = commands.add_parser("report", help="eksportér rapporten")
    report.add_argument("--round", help="rundens navn (standard: den nyeste)")
    report.add_argument("--format", required=True, choices=["csv", "html", "md"])
    report.add_argument("-o", "--output", type=Path)
    sys.exit(run_command(_run(parser.parse_args())))


if __name__ == "__main__":
    main()
