"""The half-year report's "LMU-møder" count by the rule OMU's reminder counts by
(:func:`dialogs.reminders.due.confirmation_counts`): a meeting counts once it has been held,
and while its committee exists."""

from __future__ import annotations

from datetime import date, datetime

from bot.app import Services
from dialogs.reminders.models import Committee, Meeting, Person
from dialogs.status.models import Leader
from dialogs.status.service import RoundRequest
from scheduler.clock import ManualClock
from tests.conftest import TZ

LMU = Committee(id="lmu", name="LMU Ørum", kind="LMU", chair=Person(user_id="aad-chair"))


async def meetings_of(services: Services, goal: str) -> int:
    [round_] = await services.status.repository.rounds()
    report = await services.status.report(round_)
    return next(m.meetings for m in report.maalsaetninger if m.id == goal)


async def test_a_confirmation_counts_once_the_meeting_is_held_and_while_its_lmu_exists(
    services: Services, clock: ManualClock
) -> None:
    repo = services.reminders.repository
    await repo.save_committee(LMU)
    meeting = Meeting(id="m1", committee_id="lmu", start=datetime(2026, 12, 1, 13, tzinfo=TZ))
    await repo.save_meeting(meeting)
    await repo.acknowledge(LMU, meeting, ("1.1",), clock.now())  # 23 November, a week before
    await services.status.repository.save_leader(
        Leader(user_id="aad-leader", name="Leder 1", unit="Bostøtte")
    )
    request = RoundRequest(name="Efterår", deadline=date(2026, 12, 9), scope="chosen",
                           goals=("1.1",))  # fmt: skip
    await services.status.create_round(request, "aad-admin", clock.now())

    assert await meetings_of(services, "1.1") == 0  # on the agenda, not yet discussed
    clock.set(datetime(2026, 12, 1, 14, tzinfo=TZ))
    assert await meetings_of(services, "1.1") == 1
    await repo.delete_committee("lmu")
    assert await meetings_of(services, "1.1") == 0
