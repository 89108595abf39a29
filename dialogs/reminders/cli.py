"""The reminder commands of ``python -m bot``, over the same service as the chat.

python -m bot preview [--days 60]                       the reminders of the coming days
python -m bot import-ics FILE --committee NAME          add meetings from an .ics file
python -m bot priorities [2.4 3.1 ...]                  show or set OMU's prioritised målsætninger
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from dialogs.privacy import contains_cpr
from dialogs.reminders.service import MAX_MEETINGS_PER_YEAR, ReminderService
from dialogs.text import plural
from scheduler.calendar import ScheduleError, format_meeting, import_ics

WRITES = frozenset({"import-ics", "priorities"})  # need the data file to themselves
IMPORT_DAYS = 366  # how far ahead an .ics file's meetings are read


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this feature's commands to the command line."""
    preview = commands.add_parser("preview", help="kommende påmindelser")
    preview.add_argument("--days", type=int, default=60)
    ics = commands.add_parser("import-ics", help="importér møder fra en .ics-fil")
    ics.add_argument("file", type=Path)
    ics.add_argument("--committee", required=True, help="udvalgets navn")
    priorities = commands.add_parser("priorities", help="OMU's prioriterede målsætninger")
    priorities.add_argument("ids", nargs="*")


async def run(args: argparse.Namespace, service: ReminderService, out: TextIO, err: TextIO) -> int:
    """Run one of this feature's commands; the exit status."""
    texts = service.content.reminders.cli
    if args.command == "preview":
        coming = await service.preview(args.days)
        if not coming:
            print(service.content.reminders.preview_empty.format(days=args.days), file=out)
        for planned, focus in coming:
            send = format_meeting(planned.send_at, with_year=True, tz=service.tz)
            meeting = format_meeting(planned.meeting.start, tz=service.tz)
            line = texts.preview_line.format(
                send=send,
                committee=planned.committee.name,
                meeting=meeting,
                recipient=planned.recipient,
                ids=", ".join(focus.maalsaetninger),
            )
            print(line, file=out)
        return 0
    if args.command == "import-ics":
        if contains_cpr(args.committee):
            print(service.content.messages.da.cpr_option.format(option="--committee"), file=err)
            return 2
        committee = await service.find_committee(args.committee)
        if committee is None:
            print(texts.unknown_committee.format(name=args.committee), file=err)
            return 2
        now = service.clock.now()
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            print(texts.unreadable_calendar.format(reason=exc.strerror), file=err)
            return 2
        try:
            starts = import_ics(data, service.tz, now, now + timedelta(days=IMPORT_DAYS))
        except ScheduleError as exc:
            reason = service.content.reminders.schedule_error(exc.code, exc.params)
            print(texts.unreadable_calendar.format(reason=reason), file=err)
            return 2
        count = await service.meetings_in_a_year(committee, starts, now)
        if count > MAX_MEETINGS_PER_YEAR:
            limit = MAX_MEETINGS_PER_YEAR
            print(texts.too_many_meetings.format(count=count, limit=limit, name=committee.name),
                  file=err)  # fmt: skip
            return 2
        added = await service.add_meetings(committee, starts)
        words = service.content.reminders
        imported = plural(added, words.meeting_one, words.meeting_many)
        print(texts.meetings_imported.format(count=imported, name=committee.name), file=out)
        return 0
    if any(contains_cpr(ident) for ident in args.ids):
        print(service.content.messages.da.cpr_option.format(option="ids"), file=err)
        return 2
    if args.ids:
        unknown = await service.set_priorities(args.ids)
        if unknown:
            print(texts.unknown_goals.format(ids=", ".join(unknown)), file=err)
            return 2
    priorities = ", ".join(await service.repository.priorities())
    print(texts.priorities.format(ids=priorities or texts.no_priorities), file=out)
    return 0
