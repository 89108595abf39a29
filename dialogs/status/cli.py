"""The status commands of ``python -m bot``, over the same service as the chat.

python -m bot import-leaders FILE.csv         import leaders (navn; e-mail eller AAD-id; enhed)
python -m bot new-round --name NAVN --deadline ÅÅÅÅ-MM-DD [--goals 1.1 2.3 | --priorities]
                        [--units ENHED ...]   open a round (the bot sends the cards)
python -m bot rounds                          the rounds and how many have answered
python -m bot report [--round NAVN] --format csv|html|md [-o FIL]   export the report

Commands that change data need the data file to themselves: run them while the bot is
stopped. The bot sends the cards of a new round when it starts (and every minute).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TextIO, cast

from dialogs.privacy import contains_cpr
from dialogs.status.leaders_csv import parse_leaders_csv
from dialogs.status.render import Format, render
from dialogs.status.service import RoundRefused, RoundRequest, StatusService
from dialogs.text import plural
from scheduler.calendar import format_date

WRITES = frozenset({"import-leaders", "new-round"})  # need the data file to themselves


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this feature's commands to the command line."""
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


async def run(args: argparse.Namespace, service: StatusService, out: TextIO, err: TextIO) -> int:
    """Run one of this feature's commands; the exit status."""
    if args.command == "import-leaders":
        return await _import(service, args.file, out, err)
    if args.command == "new-round":
        return await _new_round(service, args, out, err)
    if args.command == "rounds":
        return await _rounds(service, out)
    return await _report(service, args, out, err)


async def _import(service: StatusService, file: Path, out: TextIO, err: TextIO) -> int:
    texts = service.content.status
    try:
        data = file.read_bytes()
    except OSError as exc:
        print(texts.cli.unreadable_file.format(file=file, reason=exc.strerror), file=err)
        return 2
    leaders, errors = parse_leaders_csv(data)
    for error in errors:
        message = texts.import_errors.get(error.code, error.code).format(**error.params)
        print(texts.cli.row_error.format(row=error.row, message=message), file=err)
    for leader in leaders:
        await service.repository.save_leader(leader)
    imported = plural(len(leaders), texts.leader_one, texts.leader_many)
    skipped = plural(len(errors), texts.cli.row_one, texts.cli.row_many)
    print(texts.cli.imported.format(leaders=imported, skipped=skipped), file=out)
    return 0 if leaders or not errors else 2


async def _new_round(
    service: StatusService, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    texts = service.content.status
    request = RoundRequest(
        name=args.name,
        deadline=args.deadline,
        scope="priorities" if args.priorities else "chosen" if args.goals else "all",
        goals=tuple(args.goals or ()),
        units=tuple(args.units or ()),
    )
    try:
        round_, _ = await service.create_round(request, "cli", service.clock.now())
    except RoundRefused as refused:
        print(getattr(texts, refused.text).format(**refused.params), file=err)
        return 2
    print(
        texts.cli.round_opened.format(
            name=round_.name,
            leaders=plural(len(round_.recipients), texts.leader_one, texts.leader_many),
            goals=plural(len(round_.maalsaetninger), texts.goal_one, texts.goal_many),
            deadline=format_date(round_.deadline, True),
        ),
        file=out,
    )
    return 0


async def _rounds(service: StatusService, out: TextIO) -> int:
    texts = service.content.status
    rounds = await service.repository.rounds()
    if not rounds:
        print(texts.cli.no_rounds, file=out)
    for round_ in rounds:
        answered = await service.answered(round_)
        deadline = format_date(round_.deadline, True)
        line = texts.cli.round_line.format(
            name=round_.name,
            deadline=deadline,
            answered=len(answered),
            total=len(round_.recipients),
        )
        print(line, file=out)
    return 0


async def _report(
    service: StatusService, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    texts = service.content.status
    if args.round and contains_cpr(args.round):
        print(service.content.messages.da.cpr_option.format(option="--round"), file=err)
        return 2
    round_ = await service.find_round(args.round)
    if round_ is None:
        print(texts.cli.unknown_round.format(name=args.round or ""), file=err)
        return 2
    data = render(await service.report(round_), cast(Format, args.format), service.content)
    if args.output:
        args.output.write_bytes(data)
        print(texts.cli.report_saved.format(file=args.output), file=out)
    else:
        out.flush()
        out.buffer.write(data)
    return 0
