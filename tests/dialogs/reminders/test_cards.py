"""The reminder cards as Teams shows them: a line break only where Teams keeps one.

Teams renders a TextBlock as Markdown, where a single new line joins the lines: the agenda
item once read "…Socialområdet – fast punkt Fokus på dette møde: …", not as the chair pastes
it into the agenda.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage import MemoryStore
from content import Content
from dialogs.reminders.cards import delete_card, reminder_reply, state_card
from dialogs.reminders.focus import rotation
from dialogs.reminders.models import Committee, Meeting, Person
from dialogs.reminders.repository import ReminderRepository
from dialogs.reminders.service import ReminderService
from scheduler.clock import ManualClock
from tests.cards.walk import text_blocks
from tests.conftest import TZ
from tests.dialogs.reminders.cardtext import single_breaks
from tests.dialogs.reminders.test_service import OMU, Outbox, seed

ITEM = "Fælles langsigtet strategi for Socialområdet – fast punkt"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


async def test_every_text_block_of_the_sent_reminders_breaks_lines_as_teams_shows_them(
    content: Content,
) -> None:
    store = MemoryStore()
    await seed(store)
    outbox = Outbox()
    clock = ManualClock(at("2027-01-19 09:00"))  # the LMU meeting today, OMU's in a week
    service = ReminderService(ReminderRepository(store), clock, content, TZ, outbox)
    await service.tick()
    assert {who for who, _, _ in outbox.sent} >= {"user:aad-chair", "user:aad-omu"}
    for _, reply, _ in outbox.sent:
        assert reply.card is not None
        assert single_breaks(reply.card) == []
        blocks = text_blocks(reply.card)
        first = next(i for i, t in enumerate(blocks) if t.startswith(ITEM))
        assert blocks[first] == ITEM  # the agenda item's first line, alone
        assert blocks[first + 1].startswith("Fokus på dette møde: pejlemærke ")


def test_every_reminder_card_breaks_lines_as_teams_shows_them(content: Content) -> None:
    lmu = Committee(id="lmu", name="LMU Ørum", kind="LMU", chair=Person(user_id="a"),
                    channel_id="19:c@thread.tacv2")  # fmt: skip
    meeting = Meeting(id="m1", committee_id="lmu", start=at("2027-01-19 13:00"))
    focus = rotation([meeting], content.strategy, content.reminders)["m1"]
    lines = (content.reminders.omu_summary.format(acked=1, total="2 LMU'er"),)
    cards = [
        reminder_reply(content, lmu, meeting, focus, "user:a"),
        reminder_reply(content, OMU, meeting, focus, "user:a", lines, snooze="hours"),
        reminder_reply(content, lmu, meeting, focus, "user:a", snooze=None,
                       now=at("2027-01-19 12:00"), tz=TZ),
        reminder_reply(content, lmu, meeting, focus, "user:a", snooze=None, ack=False,
                       done="✔ Sat på dagsordenen af Megan Bowen tirsdag 19. januar kl. 9.12."),
        delete_card(content.reminders, lmu, 1),
        state_card(content.reminders.delete_gone),
    ]  # fmt: skip
    for reply in cards:
        assert reply.card is not None
        assert single_breaks(reply.card) == [], reply.text
