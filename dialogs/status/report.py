"""The half-year report as data: a pure function from stored rounds, replies and notes.

:func:`build_report` reads no clock and does no I/O; the renderers in :mod:`dialogs.status.render`
and the Teams cards turn its :class:`Report` into text. Rules, in one place:

* Only replies to the report's round count; withdrawn replies are counted, never shown.
* Only approved leaders count: a leader waiting for an admin's approval is never a recipient,
  a name, a unit or a heatmap column here (:mod:`dialogs.status.approval`).
* The response rate is answered recipients / recipients. A recipient key ``email:<address>``
  counts as answered when the leader with that address has since replied with their id.
  Replies from leaders who were not recipients (they joined after the round opened) are
  shown in the distributions, comments and heatmap, but do not change the response rate.
* The mean of a målsætning is the mean :attr:`Status.score` (0–2; not relevant is left out).
  The trend compares it with the previous round: better or worse when it moved by at least
  ``same_within`` (default 0.1, the precision the report shows means in), else the same; no
  trend when either round has no scored answer. Means are exact fractions.
* LMU meetings are counted in the half-year of the round's deadline (by the meeting's local
  date), once per (committee, meeting).
* Heatmap: when a unit has several leaders, its cell shows the *worst* scored status among
  them (on track > partly > not started), so a problem is never averaged away; a unit whose
  answers are all "not relevant" shows not relevant; no answer leaves the cell empty.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from fractions import Fraction
from functools import cached_property
from operator import itemgetter
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from content.models import Status, Strategy
from dialogs.reminders.due import confirmation_counts
from dialogs.reminders.focus import half_year
from dialogs.status.approval import approved
from dialogs.status.models import Answer, Leader, MeetingNote, Round, StatusReply

Trend = Literal["better", "same", "worse"]
LOCAL = ZoneInfo("Europe/Copenhagen")
STATUSES: tuple[Status, ...] = tuple(Status)  # display order: on track → not relevant
SAME_WITHIN = Fraction(1, 10)  # a smaller change of a mean score is no trend

_DANISH = str.maketrans({"æ": "{", "ø": "|", "å": "}"})  # after z, in Danish order
_NUMBER = re.compile(r"\d+")


def danish_key(text: str) -> str:
    """A sort key with æ, ø and å after z, as Danish readers expect, and numbers in numeric
    order ("Leder 2" before "Leder 10")."""
    return _NUMBER.sub(lambda m: m.group().zfill(12), text.lower().translate(_DANISH))


def _empty_counts() -> dict[Status, int]:
    return dict.fromkeys(STATUSES, 0)


def mean_score(counts: Mapping[Status, int]) -> Fraction | None:
    """The exact mean score of some answers; None when none of them is scored."""
    total = scored = 0
    for status, count in counts.items():
        score = _SCORE[status]
        if score is not None:
            total += score * count
            scored += count
    return Fraction(total, scored) if scored else None


def trend(
    current: Fraction | None, previous: Fraction | None, same_within: Fraction = Fraction(0)
) -> Trend | None:
    """Better, same or worse than before: a change smaller than ``same_within`` is the same;
    None when either side has no scored answer."""
    if current is None or previous is None:
        return None
    change = current - previous
    if change == 0 or abs(change) < same_within:
        return "same"
    return "better" if change > 0 else "worse"


# A heatmap cell shows the lowest rank: scored statuses from the worst, not relevant last.
_RANK = {Status.NOT_STARTED: 0, Status.PARTLY: 1, Status.ON_TRACK: 2, Status.NOT_RELEVANT: 3}
_SCORE = {status: status.score for status in Status}


class Entry(NamedTuple):
    """One answer of one reply: a CSV row, and a comment when it has text (a named tuple:
    a report holds one per answer, and tuples are quick to make)."""

    pejlemaerke: int
    maalsaetning: str
    unit: str  # "" when unknown
    status: Status
    comment: str
    next_step: str
    late: bool

    @property
    def has_text(self) -> bool:
        """True when the answer has a comment or a next step."""
        return bool(self.comment or self.next_step)


@dataclass(frozen=True)
class Answers:
    """One målsætning's answers with each reply's unit and late mark, as parallel tuples.

    Building the report makes no object per answer (for 10 000 replies the garbage
    collector would cost more than the counting); :attr:`MaalsaetningReport.entries` does."""

    answers: tuple[Answer, ...] = ()
    units: tuple[str, ...] = ()
    late: tuple[bool, ...] = ()


@dataclass(frozen=True)
class MaalsaetningReport:
    """One målsætning of the round."""

    id: str
    text: str  # the official wording, from the strategy
    pejlemaerke: int
    counts: Mapping[Status, int]  # every status, also those with 0
    answered: int  # recipients who answered this målsætning
    recipients: int
    mean: Fraction | None
    previous_mean: Fraction | None
    trend: Trend | None
    meetings: int  # LMU meetings in the half-year that discussed it
    answers: Answers = field(repr=False)  # every answer, by unit: see entries

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        """Every answer, by unit (made when first asked for: the cards never need them all)."""
        a = self.answers
        return tuple(
            Entry(self.pejlemaerke, self.id, unit, x.status, x.comment, x.next_step, late)
            for x, unit, late in zip(a.answers, a.units, a.late, strict=True)
        )

    @property
    def total(self) -> int:
        """All answers, recipients or not, not relevant included."""
        return sum(self.counts.values())

    @property
    def response_rate(self) -> float:
        """Answered recipients / recipients (0 when there are no recipients)."""
        return self.answered / self.recipients if self.recipients else 0.0

    @cached_property
    def comments(self) -> tuple[Entry, ...]:
        """The answers with a comment or a next step, by unit."""
        a = self.answers
        return tuple(
            Entry(self.pejlemaerke, self.id, unit, x.status, x.comment, x.next_step, late)
            for x, unit, late in zip(a.answers, a.units, a.late, strict=True)
            if x.comment or x.next_step
        )


@dataclass(frozen=True)
class PejlemaerkeReport:
    """One pejlemærke: its målsætninger in the round and their summed distribution."""

    number: int
    name: str
    maalsaetninger: tuple[MaalsaetningReport, ...]
    counts: Mapping[Status, int]
    mean: Fraction | None
    previous_mean: Fraction | None
    trend: Trend | None


@dataclass(frozen=True)
class Recipient:
    """A recipient who has not answered; ``reachable`` is False when the bot cannot write."""

    key: str
    name: str
    email: str
    unit: str
    reachable: bool


@dataclass(frozen=True)
class Heatmap:
    """Status per målsætning (rows) and unit (columns); None where no one answered."""

    maalsaetninger: tuple[str, ...]
    units: tuple[str, ...]
    cells: tuple[tuple[Status | None, ...], ...]

    def cell(self, maalsaetning: str, unit: str) -> Status | None:
        """The status of one målsætning in one unit."""
        return self.cells[self.maalsaetninger.index(maalsaetning)][self.units.index(unit)]


@dataclass(frozen=True)
class Report:
    """Everything the report shows about one round."""

    round_id: str
    round_name: str
    deadline: date
    half_year: tuple[date, date]
    previous_round: str | None  # the name of the round compared with
    recipients: int
    answered: int  # recipients with a (not withdrawn) reply
    replies: int  # every counted reply, recipients or not
    late: int
    withdrawn: int
    pejlemaerker: tuple[PejlemaerkeReport, ...]
    missing: tuple[Recipient, ...]  # recipients without a reply, by unit and name
    heatmap: Heatmap

    @property
    def response_rate(self) -> float:
        """Answered recipients / recipients (0 when there are no recipients)."""
        return self.answered / self.recipients if self.recipients else 0.0

    @property
    def unreachable(self) -> tuple[Recipient, ...]:
        """The recipients without a reply whom the bot cannot reach."""
        return tuple(r for r in self.missing if not r.reachable)

    @property
    def maalsaetninger(self) -> tuple[MaalsaetningReport, ...]:
        """Every målsætning of the round, in the strategy's order."""
        return tuple(m for p in self.pejlemaerker for m in p.maalsaetninger)

    def entries(self) -> Iterable[Entry]:
        """Every answer, by målsætning and unit: the rows of the CSV export."""
        for m in self.maalsaetninger:
            yield from m.entries


def _counts_by_goal(
    replies: Iterable[StatusReply], round_id: str, ids: Collection[str]
) -> dict[str, dict[Status, int]]:
    """Status counts per målsætning over one round's counted replies."""
    counts = {i: _empty_counts() for i in ids}
    for reply in replies:
        if reply.round_id != round_id or reply.withdrawn:
            continue
        for answer in reply.answers:
            found = counts.get(answer.maalsaetning)
            if found is not None:
                found[answer.status] += 1
    return counts


def _summed(parts: Iterable[Mapping[Status, int]]) -> dict[Status, int]:
    summed = _empty_counts()
    for part in parts:
        for status, count in part.items():
            summed[status] += count
    return summed


def _meetings(
    meetings: Iterable[MeetingNote],
    period: tuple[date, date],
    tz: tzinfo,
    now: datetime | None = None,
    committees: Collection[str] | None = None,
) -> Counter[str]:
    seen: dict[str, set[tuple[str, str]]] = {}
    for note in meetings:
        held = confirmation_counts(
            note.committee_id, note.meeting_start, committees=committees, since=None, now=now
        )  # the rule OMU's reminder counts by: an existing committee, a meeting held
        if held and period[0] <= note.meeting_start.astimezone(tz).date() <= period[1]:
            for ident in note.maalsaetninger:
                seen.setdefault(ident, set()).add((note.committee_id, note.meeting_id))
    return Counter({ident: len(keys) for ident, keys in seen.items()})


def _by_unit(
    answers: list[Answer],
    units: list[str],
    late: list[bool],
    key: Callable[[str], tuple[bool, str]],
) -> Answers:
    """The answers in the order of their units (stable within a unit)."""
    groups: dict[str, list[int]] = {}
    for i, unit in enumerate(units):
        groups.setdefault(unit, []).append(i)
    order = [i for unit in sorted(groups, key=key) for i in groups[unit]]
    if len(order) < 2:  # itemgetter of one index returns the item, not a tuple
        return Answers(tuple(answers), tuple(units), tuple(late))
    pick = itemgetter(*order)
    return Answers(pick(answers), pick(units), pick(late))


@dataclass(frozen=True)
class _Recipients:
    """The round's recipients by key: their leader (if known) and the user id they reply as.

    Keys are de-duplicated by leader: ``email:<address>`` and the id the leader has since
    registered with are one recipient."""

    leader: dict[str, Leader | None]
    user_id: dict[str, str]


def _resolve(keys: Iterable[str], leaders: Sequence[Leader]) -> _Recipients:
    by_key = {leader.key: leader for leader in leaders}
    by_email = {leader.email.lower(): leader for leader in leaders if leader.email}
    found: dict[str, Leader | None] = {}
    user_id: dict[str, str] = {}
    for key in keys:
        leader = by_key.get(key)
        if leader is None and key.startswith("email:"):
            leader = by_email.get(key.removeprefix("email:").lower())
        if leader is not None:
            found[leader.key] = leader
            user_id[leader.key] = leader.user_id
        else:
            found[key] = None
            user_id[key] = "" if key.startswith("email:") else key
    return _Recipients(found, user_id)


def build_report(
    strategy: Strategy,
    round: Round,
    replies: Sequence[StatusReply],
    leaders: Sequence[Leader],
    meetings: Sequence[MeetingNote],
    previous: tuple[Round, Sequence[StatusReply]] | None,
    reachable: Collection[str] = (),
    tz: tzinfo = LOCAL,
    same_within: Fraction = SAME_WITHIN,
    now: datetime | None = None,
    committees: Collection[str] | None = None,
) -> Report:
    """The report of ``round`` from its replies, the leaders, the LMU meeting notes and the
    previous round with its replies (for trends). ``reachable`` holds the leader keys the bot
    can write to; ``tz`` is the local time zone that decides a meeting's date; a mean that
    moved less than ``same_within`` has the trend "same". A meeting counts only once held
    (start ≤ ``now``) and while its committee is among ``committees`` (None: no such limit;
    :func:`~dialogs.reminders.due.confirmation_counts`)."""
    wanted = set(round.maalsaetninger)
    index = {m.id: m for m in strategy.maalsaetninger if m.id in wanted}  # strategy order

    leaders = approved(list(leaders))
    recipients = _resolve(round.recipients, leaders)
    can_reach = frozenset(reachable)
    recipient_users = {uid for uid in recipients.user_id.values() if uid}
    by_user = {leader.user_id: leader for leader in leaders if leader.user_id}

    own = [r for r in replies if r.round_id == round.id]
    counted = [r for r in own if not r.withdrawn]
    replied = {r.user_id for r in counted}

    counts: dict[str, dict[Status, int]] = {i: _empty_counts() for i in index}
    answered: dict[str, int] = dict.fromkeys(index, 0)
    found: dict[str, list[Answer]] = {i: [] for i in index}
    found_units: dict[str, list[str]] = {i: [] for i in index}
    found_late: dict[str, list[bool]] = {i: [] for i in index}
    cells: dict[tuple[str, str], Status] = {}
    units_seen: set[str] = set()
    for reply in counted:
        unit = reply.unit
        if not unit and (leader := by_user.get(reply.user_id)) is not None:
            unit = leader.unit
        units_seen.add(unit)
        is_recipient = reply.user_id in recipient_users
        for answer in reply.answers:
            ident = answer.maalsaetning
            goal = index.get(ident)
            if goal is None:
                continue
            status = answer.status
            counts[ident][status] += 1
            if is_recipient:
                answered[ident] += 1
            found[ident].append(answer)
            found_units[ident].append(unit)
            found_late[ident].append(reply.late)
            shown = cells.get((ident, unit))
            if shown is None or _RANK[status] < _RANK[shown]:
                cells[ident, unit] = status

    period = half_year(round.deadline)
    discussed = _meetings(meetings, period, tz, now, committees)
    before = _counts_by_goal(previous[1], previous[0].id, index) if previous else None

    sort_keys: dict[str, tuple[bool, str]] = {}

    def unit_key(unit: str) -> tuple[bool, str]:
        """Danish order, the unknown unit ("") last; cached, as it sorts every answer."""
        key = sort_keys.get(unit)
        if key is None:
            key = sort_keys[unit] = (unit == "", danish_key(unit))
        return key

    goal_reports: dict[str, MaalsaetningReport] = {}
    for ident, goal in index.items():
        mean = mean_score(counts[ident])
        previous_mean = mean_score(before[ident]) if before else None
        goal_reports[ident] = MaalsaetningReport(
            id=ident,
            text=goal.text,
            pejlemaerke=goal.pejlemaerke,
            counts=counts[ident],
            answered=answered[ident],
            recipients=len(recipients.user_id),
            mean=mean,
            previous_mean=previous_mean,
            trend=trend(mean, previous_mean, same_within),
            meetings=discussed[ident],
            answers=_by_unit(found[ident], found_units[ident], found_late[ident], unit_key),
        )

    pejlemaerker: list[PejlemaerkeReport] = []
    for p in strategy.pejlemaerker:
        parts = tuple(
            goal_reports[m.id] for m in strategy.maalsaetninger_under(p.number) if m.id in index
        )
        if not parts:
            continue
        mean = mean_score(_summed(m.counts for m in parts))
        previous_mean = mean_score(_summed(before[m.id] for m in parts)) if before else None
        pejlemaerker.append(
            PejlemaerkeReport(
                number=p.number,
                name=p.name,
                maalsaetninger=parts,
                counts=_summed(m.counts for m in parts),
                mean=mean,
                previous_mean=previous_mean,
                trend=trend(mean, previous_mean, same_within),
            )
        )

    missing: list[Recipient] = []
    for key, leader in recipients.leader.items():
        uid = recipients.user_id[key]
        if uid and uid in replied:
            continue
        missing.append(
            Recipient(
                key=key,
                name=leader.name if leader else "",
                email=leader.email if leader else key.removeprefix("email:"),
                unit=leader.unit if leader else "",
                reachable=bool(uid) and key in can_reach,
            )
        )
    missing.sort(key=lambda r: (unit_key(r.unit), danish_key(r.name), r.key))

    asked = list(dict.fromkeys(round.units))
    known = {leader.unit for leader in recipients.leader.values() if leader} | units_seen
    units = tuple(asked + sorted(known - set(asked), key=unit_key))
    heatmap = Heatmap(
        maalsaetninger=tuple(index),
        units=units,
        cells=tuple(tuple(cells.get((ident, unit)) for unit in units) for ident in index),
    )

    return Report(
        round_id=round.id,
        round_name=round.name,
        deadline=round.deadline,
        half_year=period,
        previous_round=previous[0].name if previous else None,
        recipients=len(recipients.user_id),
        answered=len(recipient_users & replied),
        replies=len(counted),
        late=sum(1 for r in counted if r.late),
        withdrawn=sum(1 for r in own if r.withdrawn),
        pejlemaerker=tuple(pejlemaerker),
        missing=tuple(missing),
        heatmap=heatmap,
    )
