"""The reminder service over a real store: sending, exactly once, restarts, OMU summary."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.storage import MemoryStore, TinyDBStore
from content import Content
from dialogs.reminders.models import Committee, Meeting, Person
from dialogs.reminders.repository import ReminderRepository
from dialogs.reminders.service import ReminderService
from dialogs.replies import Reply
from dialogs.store import Store
from dialogs.text import plural
from scheduler.clock import ManualClock
from tests.cards.walk import actions as all_actions
from tests.cards.walk import text_blocks

TZ = ZoneInfo("Europe/Copenhagen")
LMU = Committee(
    id="lmu", name="LMU Område Ørum", kind="LMU", chair=Person(user_id="aad-chair"),
    channel_id="19:lmu@thread.tacv2",
)  # fmt: skip
OMU = Committee(id="omu", name="OMU Socialområdet", kind="OMU", chair=Person(user_id="aad-omu"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class Outbox:
    """A :class:`~dialogs.delivery.Delivery` that records what it is given."""

    def __init__(self, reachable: bool = True) -> None:
        self.sent: list[tuple[str, Reply, str]] = []
        self.everyone_reachable = reachable

    async def send(self, recipient: str, reply: Reply, key: str) -> bool:
        if self.everyone_reachable:
            self.sent.append((recipient, reply, key))
        return self.everyone_reachable

    async def reachable(self, user_id: str) -> bool:
        return self.everyone_reachable

    async def refused(self, recipient: str) -> int | None:
        return None

    async def send_to_admins(self, reply: Reply, key: str) -> int:
        return 0


async def service(
    store: Store, clock: ManualClock, content: Content, outbox: Outbox
) -> ReminderService:
    return ReminderService(ReminderRepository(store), clock, content, TZ, outbox)


async def seed(store: Store) -> None:
    repo = ReminderRepository(store)
    for committee in (LMU, OMU):
        await repo.save_committee(committee)
    await repo.save_meeting(Meeting(id="m1", committee_id="lmu", start=at("2027-01-19 13:00")))
    await repo.save_meeting(Meeting(id="o1", committee_id="omu", start=at("2027-01-26 10:00")))


@pytest.fixture
async def data_file(tmp_path: Path) -> TinyDBStore:
    """A data file with LMU (meeting 19 January 2027) and OMU (26 January) in it."""
    store = TinyDBStore(tmp_path / "db.json")
    await seed(store)
    return store


async def test_due_reminders_are_sent_once_across_restarts(
    tmp_path: Path, content: Content, data_file: TinyDBStore
) -> None:
    clock, store = ManualClock(at("2027-01-11 08:00")), data_file
    outbox = Outbox()
    first = await service(store, clock, content, outbox)
    assert await first.tick() == {}
    clock.set(at("2027-01-12 09:00"))
    assert (await first.tick())["sent"] == 2
    assert {r for r, _, _ in outbox.sent} == {"user:aad-chair", "channel:19:lmu@thread.tacv2"}
    await store.close()

    reopened = TinyDBStore(tmp_path / "db.json")
    again = await service(reopened, clock, content, outbox)
    clock.set(at("2027-01-12 09:05"))
    assert await again.tick() == {}
    assert len(outbox.sent) == 2


async def test_the_reminder_card(content: Content, data_file: TinyDBStore) -> None:
    """The first screen: committee, meeting and the agenda item, line by line; the focus and
    questions unfold under a toggle; at most six buttons."""
    clock, store = ManualClock(at("2027-01-12 09:00")), data_file
    outbox = Outbox()
    await (await service(store, clock, content, outbox)).tick()
    reply = next(r for who, r, _ in outbox.sent if who == "user:aad-chair")
    assert reply.text == "Påmindelse: LMU Område Ørum\n\nMøde tirsdag 19. januar kl. 13.00"
    assert reply.card is not None
    shown = [e for e in reply.card["body"] if e.get("isVisible", True)]
    assert text_blocks(shown)[:5] == [
        "Påmindelse: LMU Område Ørum",
        "Møde tirsdag 19. januar kl. 13.00",
        "Punkt til dagsordenen (kopiér):",
        "Fælles langsigtet strategi for Socialområdet – fast punkt",
        "Fokus på dette møde: pejlemærke 1 »Borgeren først« – målsætning 1.1, 1.2.",
    ]
    assert not any("1.1 Vi taler med og ikke om borgeren" in t for t in text_blocks(shown))
    [details] = [e for e in reply.card["body"] if e.get("id") == "details"]
    assert details["isVisible"] is False
    assert any("1.1 Vi taler med og ikke om borgeren" in t for t in text_blocks(details))
    [buttons] = [e["actions"] for e in reply.card["body"] if e["type"] == "ActionSet"]
    assert [(a["type"], a["title"]) for a in buttons] == [
        ("Action.Execute", "Sat på dagsordenen"),
        ("Action.Execute", "Påmind mig igen i morgen"),
        ("Action.Submit", "Mødet er flyttet/aflyst"),
        ("Action.ToggleVisibility", "Fokus og spørgsmål"),
    ]
    assert "Vis målsætning 1.1" in [a.get("title") for a in all_actions(details)]


async def test_unreachable_recipients_stay_pending_then_are_missed(
    content: Content, data_file: TinyDBStore
) -> None:
    clock, store = ManualClock(at("2027-01-12 09:00")), data_file
    outbox = Outbox(reachable=False)
    svc = await service(store, clock, content, outbox)
    assert (await svc.tick())["unreachable"] == 2
    clock.set(at("2027-01-19 14:00"))
    # The LMU meeting has passed: its two reminders are missed; OMU's is due but unreachable.
    assert await svc.tick() == {"missed": 2, "unreachable": 1}


async def omu_reminder_texts(store: MemoryStore, content: Content, now: datetime) -> list[str]:
    """The text blocks of the OMU chair's reminder the job sends at ``now``."""
    outbox = Outbox()
    await (await service(store, ManualClock(now), content, outbox)).tick()
    omu = next(r for who, r, _ in outbox.sent if who == "user:aad-omu")
    assert omu.card is not None
    return text_blocks(omu.card)


async def test_omu_reminder_counts_lmu_meetings_held_since_omus_last_meeting(
    content: Content,
) -> None:
    """OMU meets 5 January and 26 January; its reminder goes out 19 January at 9.00. LMU
    Ørum's meeting of 12 January counts; its meeting of 19 January at 13.00, confirmed that
    morning, has not been held yet; a deleted LMU's confirmation counts for nothing."""
    store = MemoryStore()
    await seed(store)
    repo = ReminderRepository(store)
    gone = LMU.model_copy(update={"id": "gone", "name": "LMU Nedlagt"})
    other = LMU.model_copy(update={"id": "lmu-2", "name": "LMU Grenaa", "channel_id": None})
    for committee in (gone, other):
        await repo.save_committee(committee)
    await repo.save_meeting(Meeting(id="o0", committee_id="omu", start=at("2027-01-05 10:00")))
    held = Meeting(id="m0", committee_id="lmu", start=at("2027-01-12 13:00"))
    later = Meeting(id="m1", committee_id="lmu", start=at("2027-01-19 13:00"))
    deleted = Meeting(id="g1", committee_id="gone", start=at("2027-01-12 13:00"))
    before = Meeting(id="m2", committee_id="lmu-2", start=at("2027-01-04 13:00"))
    for meeting in (held, later, deleted, before):
        await repo.save_meeting(meeting)
    await repo.acknowledge(LMU, held, ("1.1", "1.2"), at("2027-01-11 09:00"))
    await repo.acknowledge(LMU, later, ("2.1",), at("2027-01-19 08:30"))
    await repo.acknowledge(gone, deleted, ("3.1",), at("2027-01-11 09:00"))
    await repo.acknowledge(other, before, ("4.1",), at("2027-01-03 09:00"))  # before OMU's last
    await repo.delete_committee("gone")
    texts = await omu_reminder_texts(store, content, at("2027-01-19 09:00"))
    assert "Siden OMU's sidste møde har 1 af 2 LMU'er sat strategien på dagsordenen." in texts
    assert "LMU'ernes fokus: 1.1, 1.2." in texts


async def test_omu_reminder_with_no_lmu_meeting_held_yet(content: Content) -> None:
    """The reported case: none of the LMUs that exist has confirmed a meeting held; the one
    confirmation there is came from a deleted LMU, for a meeting after OMU's meeting."""
    store = MemoryStore()
    await seed(store)
    repo = ReminderRepository(store)
    gone = LMU.model_copy(update={"id": "gone", "name": "LMU Nedlagt"})
    await repo.save_committee(gone)
    after_omu = Meeting(id="g1", committee_id="gone", start=at("2027-02-02 13:00"))
    await repo.save_meeting(after_omu)
    await repo.acknowledge(gone, after_omu, ("3.1",), at("2027-01-18 09:00"))
    await repo.delete_committee("gone")
    texts = await omu_reminder_texts(store, content, at("2027-01-19 09:00"))
    assert "Siden OMU's sidste møde har ingen LMU'er bekræftet strategipunktet endnu." in texts
    assert not any("1 af" in t for t in texts)


def test_one_lmu_is_singular(content: Content) -> None:
    words = content.reminders
    total = plural(1, words.lmu_one, words.lmu_many)
    line = words.omu_summary.format(acked=1, total=total)
    assert line == "Siden OMU's sidste møde har 1 af 1 LMU sat strategien på dagsordenen."


async def test_next_meeting_of_a_chair_or_trio_member_with_its_focus(content: Content) -> None:
    """ "hvad skal vi drøfte på næste møde?" is answered from here."""
    store = MemoryStore()
    await seed(store)
    repo = ReminderRepository(store)
    trio = LMU.model_copy(update={"trio": (Person(user_id="aad-trio"),)})
    await repo.save_committee(trio)
    await repo.save_meeting(
        Meeting(id="m0", committee_id="lmu", start=at("2027-01-05 13:00"), cancelled=True)
    )
    reminders = await service(store, ManualClock(at("2027-01-04 08:00")), content, Outbox())
    now = at("2027-01-04 08:00")
    found = await reminders.next_meeting_of("aad-trio", now)
    assert found is not None
    assert (found.committee, found.when) == ("LMU Område Ørum", "tirsdag 19. januar kl. 13.00")
    focus = await reminders.focus(
        Meeting(id="m1", committee_id="lmu", start=at("2027-01-19 13:00"))
    )
    assert (found.pejlemaerke, found.maalsaetninger) == (focus.pejlemaerke, focus.maalsaetninger)
    assert (await reminders.next_meeting_of("aad-chair", now)) == found
    assert await reminders.next_meeting_of("aad-someone", now) is None
    assert await reminders.next_meeting_of("aad-chair", at("2027-02-01 08:00")) is None  # past
