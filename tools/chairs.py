"""The data of a reminder fan-out: committees whose chairs the bot can reach.

:func:`seed_chairs` gives chair ``n`` (user ``n`` of :mod:`tools.fake_connector`) a committee
``lmu-<n>`` with one meeting and a known personal chat whose ``serviceUrl`` is a fake
connector, so every chair's reminder falls due at the same time. ``bench/load.py`` writes it
into a data file for a bot process; ``tests/bot/test_load.py`` into the app's own store.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversations import ConversationDirectory
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person
from dialogs.reminders.repository import ReminderRepository
from tools.fake_connector import first_message, user_account


async def seed_chairs(
    conversations: ConversationDirectory,
    reminders: ReminderRepository,
    service_url: str,
    chairs: int,
    meeting: datetime,
    now: datetime,
) -> None:
    """``chairs`` LMUs, each with one meeting at ``meeting`` and its chair's personal chat."""
    for n in range(chairs):
        await conversations.remember(first_message(n, service_url), now)
        chair = Person(user_id=user_account(n)["aadObjectId"])
        committee = Committee(
            id=f"lmu-{n:04d}", name=f"LMU {n:04d}", kind=CommitteeKind.LMU, chair=chair
        )
        await reminders.save_committee(committee)
        await reminders.save_meeting(Meeting(id="m1", committee_id=committee.id, start=meeting))
