"""The reminder commands of ``python -m bot`` (preview, import-ics, priorities) on a data file."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.storage import TinyDBStore
from dialogs.reminders.models import Committee, Meeting, Person
from dialogs.reminders.repository import ReminderRepository
from tests.commands import bot_command as cli

TZ = ZoneInfo("Europe/Copenhagen")


def seed(data_dir: Path) -> datetime:
    async def go() -> datetime:
        store = TinyDBStore(data_dir / "strategibot.json")
        repo = ReminderRepository(store)
        await repo.save_committee(
            Committee(id="lmu", name="LMU Ørum", kind="LMU", chair=Person(user_id="a"))
        )
        day = datetime.now(TZ).date() + timedelta(days=20)
        start = datetime(day.year, day.month, day.day, 13, tzinfo=TZ)
        await repo.save_meeting(Meeting(id="m1", committee_id="lmu", start=start))
        await store.close()
        return start

    return asyncio.run(go())


def test_preview_lists_the_coming_reminder(tmp_path: Path) -> None:
    seed(tmp_path)
    result = cli(tmp_path, "preview", "--days", "60")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    assert "LMU Ørum" in line and "user:a" in line and "fokus 1.1" in line


def test_import_ics_adds_meetings(tmp_path: Path) -> None:
    start = seed(tmp_path) + timedelta(days=7)
    ics = tmp_path / "lmu.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//da\r\nBEGIN:VEVENT\r\nUID:1@test\r\n"
        f"DTSTART;TZID=Europe/Copenhagen:{start:%Y%m%dT%H%M%S}\r\nDURATION:PT2H\r\n"
        "RRULE:FREQ=WEEKLY;INTERVAL=4;COUNT=3\r\nSUMMARY:LMU\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    result = cli(tmp_path, "import-ics", str(ics), "--committee", "LMU Ørum")
    assert (result.returncode, result.stdout.strip()) == (0, "3 møder importeret til LMU Ørum.")
    bad = cli(tmp_path, "import-ics", str(tmp_path / "missing.ics"), "--committee", "LMU Ørum")
    assert bad.returncode == 2 and "Kunne ikke læse kalenderen" in bad.stderr


def test_priorities_are_validated_and_stored(tmp_path: Path) -> None:
    assert "Ukendte målsætninger: 9.9" in cli(tmp_path, "priorities", "9.9").stderr
    assert (
        cli(tmp_path, "priorities", "2.4").stdout.strip() == "OMU's prioriterede målsætninger: 2.4"
    )
    assert cli(tmp_path, "priorities").stdout.strip() == "OMU's prioriterede målsætninger: 2.4"
