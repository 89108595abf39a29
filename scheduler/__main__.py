"""``python -m scheduler``: see and feed the reminder schedule from the command line.

python -m scheduler preview [--days 60]          the reminders of the coming days
python -m scheduler import-ics FILE --committee NAME   add meetings from an .ics file
python -m scheduler priorities [2.4 3.1 ...]     show or set OMU's prioritised målsætninger
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

from bot.cli import run_command
from bot.clock import SystemClock
from bot.settings import Settings
from bot.storage import TinyDBStore
from content import load_content
from dialogs.reminders.service import ReminderService
from dialogs.replies import Reply
from scheduler.calendar import ScheduleError, format_meeting, import_ics
from scheduler.models import Meeting
from scheduler.repository import ReminderRepository

DB_FILE = "strategibot.json"


async def _not_sending(recipient: str, reply: Reply, key: str) -> bool:
    return False


async def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    store = TinyDBStore(settings.data_dir / DB_FILE)
    repo = ReminderRepository(store)
    content = load_content()
    clock = SystemClock(settings.tz)
    try:
        if args.command == "preview":
            service = ReminderService(repo, clock, content, settings.tz, _not_sending)
            coming = await service.preview(args.days)
            if not coming:
                print(content.reminders.preview_empty.format(days=args.days))
            for planned, focus in coming:
                send = format_meeting(planned.send_at, with_year=True, tz=settings.tz)
                meeting = format_meeting(planned.meeting.start, tz=settings.tz)
                print(
                    f"{send:34} {planned.committee.name:28} møde {meeting:30} "
                    f"{planned.recipient:40} fokus {', '.join(focus.maalsaetninger)}"
                )
            return 0
        if args.command == "import-ics":
            committees = [c for c in await repo.committees() if c.name == args.committee]
            if not committees:
                print(f"Ukendt udvalg: {args.committee}", file=sys.stderr)
                return 2
            now = clock.now()
            try:
                starts = import_ics(
                    args.file.read_bytes(), settings.tz, now, now + timedelta(days=366)
                )
            except (OSError, ScheduleError) as exc:
                print(f"Kunne ikke læse kalenderen: {exc}", file=sys.stderr)
                return 2
            for start in starts:
                ident = start.astimezone(settings.tz).strftime("%Y%m%dT%H%M")
                await repo.save_meeting(
                    Meeting(id=ident, committee_id=committees[0].id, start=start)
                )
            print(f"{len(starts)} møder importeret til {args.committee}.")
            return 0
        known = {m.id for m in content.strategy.maalsaetninger}
        if args.ids:
            unknown = [i for i in args.ids if i not in known]
            if unknown:
                print(f"Ukendte målsætninger: {', '.join(unknown)}", file=sys.stderr)
                return 2
            await repo.set_priorities(tuple(args.ids))
        print("OMU's prioriterede målsætninger:", ", ".join(await repo.priorities()) or "ingen")
        return 0
    finally:
        await store.close()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="kommende påmindelser")
    preview.add_argument("--days", type=int, default=60)
    ics = commands.add_parser("import-ics", help="importér møder fra en .ics-fil")
    ics.add_argument("file", type=Path)
    ics.add_argument("--committee", required=True, help="udvalgets navn")
    priorities = commands.add_parser("priorities", help="OMU's prioriterede målsætninger")
    priorities.add_argument("ids", nargs="*")
    sys.exit(run_command(_run(parser.parse_args())))


if __name__ == "__main__":
    main()
