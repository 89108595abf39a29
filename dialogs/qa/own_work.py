"""Questions about the asker's own work with the strategy, answered from their own data.

"hvad skal vi drøfte på næste LMU-møde?" and "hvornår er fristen for status?" are answered by
the reminder and status features. The Q&A feature only knows these two small interfaces; the
composition root passes in the services that implement them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class NextMeeting(Protocol):
    """The next meeting of a committee the asker chairs or is in the TRIO of."""

    @property
    def committee(self) -> str: ...
    @property
    def when(self) -> str: ...  # Danish, e.g. "tirsdag 14. januar kl. 13.00"
    @property
    def pejlemaerke(self) -> int: ...
    @property
    def maalsaetninger(self) -> tuple[str, ...]: ...


class OpenRound(Protocol):
    """The status round the asker is asked to answer now."""

    @property
    def name(self) -> str: ...
    @property
    def deadline(self) -> str: ...  # Danish, e.g. "9. juni 2027"
    @property
    def answered(self) -> bool: ...


class MeetingLookup(Protocol):
    """Finds the asker's next meeting with its focus."""

    async def next_meeting_of(self, user_id: str, now: datetime) -> NextMeeting | None: ...


class RoundLookup(Protocol):
    """Finds the asker's open status round."""

    async def open_round_of(self, user_id: str, now: datetime) -> OpenRound | None: ...
