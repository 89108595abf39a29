"""Every CPR shape through every input path: nothing of it is stored, nothing logged (#12).

:data:`SHAPES` are the ways a CPR number gets written or pasted: every separator, runs of
them, dotted dates, other Unicode digits (full-width, Arabic-Indic, mathematical …),
invisible characters (zero-width, word joiner, soft hyphen, direction marks), combining
marks, a ``+`` prefix, lists, and text glued around it. Each shape carries its own number.

:data:`PATHS` are every place where text from a person reaches the bot: the questions and
the commands with an argument in chat, every free-text field of every card (and the ids in
the data of the other cards, forged), the Teams display name, the command line and the CSV
import of leaders, and the error path of a turn that fails with the input in its exception.
:func:`test_every_input_path_is_covered` keeps the list whole: a new command with an argument
or a new card action fails it until it is listed here.

Each path is one test over the full product of shapes: one app (``create_app`` over a TinyDB
file in ``tmp_path``), every shape sent through the real Teams handler (botbuilder's
``TestAdapter``) or the real command-line function in-process, then every near miss. Then
every write to the store (one overwritten later counts), its files after it is closed, and
the log captured at DEBUG are searched for the ten digits of every CPR number of every
shape, after ``\\u``/``\\x`` escapes are decoded, every Unicode digit is mapped to ASCII and
separators and invisible characters are dropped. There must be no hit. Each CPR input
must get a refusal that names the field (a display name is stored redacted instead), and
each near miss must be stored or acted on normally.

Speed: the handlers run in-process, so the whole product (see the counts in
:func:`test_the_corpus_is_large_and_its_numbers_are_real`) takes a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from pydantic import BaseModel

from bot.app import SERVICES, Services, create_app
from bot.settings import Settings
from bot.storage import TinyDBStore
from content import Content
from dialogs.experts.cards import ANSWER as EXPERT_ANSWER
from dialogs.experts.cards import ASK as EXPERT_ASK
from dialogs.experts.cards import CLOSE as EXPERT_CLOSE
from dialogs.experts.cards import PUBLISH as EXPERT_PUBLISH
from dialogs.experts.cards import WITHDRAW as EXPERT_WITHDRAW
from dialogs.experts.repository import QUESTIONS as EXPERT_QUESTIONS
from dialogs.mydata.cards import DELETE_DATA
from dialogs.privacy import (
    REDACTED,
    SEPARATORS,
    birth_year,
    contains_cpr,
    normalise,
    redact_cpr,
)
from dialogs.qa.feature import FEEDBACK_TABLE, QUESTION_LOG, QAFeature
from dialogs.reminders import cli as reminders_cli
from dialogs.reminders.cards import (
    ACK,
    CANCEL,
    DELETE,
    KEEP,
    MOVE,
    MOVED,
    SAVE,
    SNOOZE,
    TRIO_APPROVE,
    TRIO_REJECT,
)
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person
from dialogs.reminders.repository import COMMITTEES
from dialogs.router import Turn
from dialogs.status import cli as status_cli
from dialogs.status.cards import (
    CREATE_ROUND,
    LEADER_APPROVE,
    LEADER_REJECT,
    NEW_UNIT,
    NOTE,
    OPEN,
    REGISTER,
    SUBMIT,
)
from dialogs.status.models import Leader
from dialogs.status.service import RoundRequest
from dialogs.store import Change
from dialogs.text import clean_input
from scheduler.clock import ManualClock
from tests.bot import teams

TZ = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday
ADMIN = teams.user(9, "Admin Andersen")
CHAIR = teams.user(1, "Mette Leder")  # chairs the committee, leads Bostøtte
COMMITTEE = Committee(
    id="lmu-test", name="LMU Test", kind=CommitteeKind.LMU, chair=Person(user_id="aad-user-1")
)
MEETING = Meeting(
    id="20261124T1300", committee_id="lmu-test", start=datetime(2026, 11, 24, 13, 0, tzinfo=TZ)
)
REFUSED = "CPR-nummer"  # every refusal says why

# -- the shapes ----------------------------------------------------------------------------


def _numbers(count: int) -> list[str]:
    """Distinct valid CPR numbers (ten ASCII digits), every century digit in use."""
    found: list[str] = []
    for n in range(count):
        day, month, yy = 1 + (n * 7) % 28, 1 + (n * 5) % 12, (n * 13 + 7) % 100
        seventh = n % 10
        year = birth_year(yy, seventh)
        date(year, month, day)  # valid by construction: day ≤ 28
        found.append(f"{day:02d}{month:02d}{yy:02d}{seventh}{(n * 37 + 101) % 1000:03d}")
    assert len(set(found)) == count
    return found


def _dash(d: str, sep: str = "-") -> str:
    return f"{d[:6]}{sep}{d[6:]}"


def _groups(d: str, sep: str, last: str | None = None) -> str:
    return sep.join([d[:2], d[2:4], d[4:6]]) + (sep if last is None else last) + d[6:]


def _digits(d: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) for c in d)


def _each(d: str, mark: str) -> str:
    return "".join(c + mark for c in d)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_CIRCLED = str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")

Shape = Callable[[str, str], str]  # (number, a second number) → the text

SHAPES: dict[str, Shape] = {
    "plain": lambda d, e: _dash(d),
    "bare": lambda d, e: d,
    "space": lambda d, e: _dash(d, " "),
    "no-break space": lambda d, e: _dash(d, "\u00a0"),
    "narrow no-break space": lambda d, e: _dash(d, "\u202f"),
    "thin space": lambda d, e: _dash(d, "\u2009"),
    "ideographic space": lambda d, e: _dash(d, "\u3000"),
    "tab": lambda d, e: _dash(d, "\t"),
    "newline": lambda d, e: _dash(d, "\n"),
    "hyphen": lambda d, e: _dash(d, "\u2010"),
    "non-breaking hyphen": lambda d, e: _dash(d, "\u2011"),
    "figure dash": lambda d, e: _dash(d, "\u2012"),
    "en dash": lambda d, e: _dash(d, "\u2013"),
    "em dash": lambda d, e: _dash(d, "\u2014"),
    "horizontal bar": lambda d, e: _dash(d, "\u2015"),
    "minus sign": lambda d, e: _dash(d, "\u2212"),
    "small hyphen-minus": lambda d, e: _dash(d, "\ufe63"),
    "full-width hyphen": lambda d, e: _dash(d, "\uff0d"),
    "dot": lambda d, e: _dash(d, "."),
    "slash": lambda d, e: _dash(d, "/"),
    "underscore": lambda d, e: _dash(d, "_"),
    "spaced dash": lambda d, e: _dash(d, " - "),
    "double dash": lambda d, e: _dash(d, "--"),
    "dot and space": lambda d, e: _dash(d, ". "),
    "dotted date": lambda d, e: _groups(d, ".", "-"),
    "dotted date, space": lambda d, e: _groups(d, ".", " "),
    "dots throughout": lambda d, e: _groups(d, "."),
    "dashes throughout": lambda d, e: _groups(d, "-"),
    "spaces throughout": lambda d, e: _groups(d, " "),
    "slashed date": lambda d, e: _groups(d, "/", " "),
    "underscores throughout": lambda d, e: _groups(d, "_"),
    "full-width dots": lambda d, e: _groups(d, "\uff0e", "\uff0d"),
    "full-width digits": lambda d, e: _digits(d, 0xFF10),
    "full-width digits and hyphen": lambda d, e: _dash(_digits(d, 0xFF10), "\uff0d"),
    "full-width digits, ASCII dash": lambda d, e: _dash(_digits(d, 0xFF10)),
    "full-width date, ASCII tail": lambda d, e: _digits(d[:6], 0xFF10) + "-" + d[6:],
    "Arabic-Indic digits": lambda d, e: _digits(d, 0x0660),
    "Arabic-Indic, en dash": lambda d, e: _dash(_digits(d, 0x0660), "\u2013"),
    "Persian digits": lambda d, e: _digits(d, 0x06F0),
    "Devanagari digits": lambda d, e: _digits(d, 0x0966),
    "Bengali digits": lambda d, e: _dash(_digits(d, 0x09E6)),
    "Thai digits": lambda d, e: _digits(d, 0x0E50),
    "mathematical bold": lambda d, e: _digits(d, 0x1D7CE),
    "mathematical double-struck": lambda d, e: _dash(_digits(d, 0x1D7D8)),
    "mathematical monospace": lambda d, e: _digits(d, 0x1D7F6),
    "superscript digits": lambda d, e: d.translate(_SUPERSCRIPT),
    "circled digits": lambda d, e: d.translate(_CIRCLED),
    "keycaps": lambda d, e: _each(d, "\ufe0f\u20e3"),
    "combining accents": lambda d, e: _each(d, "\u0301"),
    "zero-width space inside": lambda d, e: f"{d[:4]}\u200b{d[4:]}",
    "zero-width space everywhere": lambda d, e: _each(d, "\u200b"),
    "zero-width non-joiner": lambda d, e: f"{d[:6]}\u200c{d[6:]}",
    "zero-width joiner": lambda d, e: f"{d[:3]}\u200d{d[3:]}",
    "word joiner": lambda d, e: f"{d[:5]}\u2060{d[5:]}",
    "invisible separator": lambda d, e: f"{d[:2]}\u2063{d[2:]}",
    "soft hyphen as separator": lambda d, e: _dash(d, "\u00ad"),
    "soft hyphen inside": lambda d, e: f"{d[:8]}\u00ad{d[8:]}",
    "byte order mark": lambda d, e: f"{d[:7]}\ufeff{d[7:]}",
    "direction marks": lambda d, e: f"\u200f{_dash(d)}\u200e",
    "right-to-left override": lambda d, e: f"\u202e{_dash(d)}\u202c",
    "Arabic letter mark": lambda d, e: f"{d[:6]}\u061c-{d[6:]}",
    "plus prefix": lambda d, e: f"+{d}",
    "plus prefix, dash": lambda d, e: f"+{_dash(d)}",
    "comma list": lambda d, e: f"{_dash(d)},{_dash(e)}",
    "semicolon list": lambda d, e: f"{d};{e}",
    "comma list, spaced": lambda d, e: f"{_dash(d)}, {_dash(e)}",
    "slash list": lambda d, e: f"{_dash(d)}/{_dash(e)}",
    "list with og": lambda d, e: f"{_dash(d)} og {e}",
    "CPR: prefix": lambda d, e: f"CPR:{d}",
    "cpr.nr. prefix": lambda d, e: f"cpr.nr. {_dash(d)}",
    "parentheses": lambda d, e: f"({_dash(d)})",
    "guillemets": lambda d, e: f"»{_dash(d)}«",
    "letters before": lambda d, e: f"borger{d}",
    "letters after": lambda d, e: f"{d}abc",
    "after a reg. no.": lambda d, e: f"reg. 1234-{d}",
    "full stop after": lambda d, e: f"{_dash(d)}.",
}
_NUMBERS = _numbers(2 * len(SHAPES))
CASES: list[tuple[str, str, tuple[str, ...]]] = []  # (shape, text, the numbers in it)
for _n, (_name, _shape) in enumerate(SHAPES.items()):
    _d, _e = _NUMBERS[2 * _n], _NUMBERS[2 * _n + 1]
    CASES.append((_name, _shape(_d, _e), (_d, _e)))
NUMBERS = tuple(_NUMBERS)

# Near misses: stored or acted on as typed. No commas: the round form splits units on them.
NEAR_MISSES = (
    "320190-1234",  # no 32nd of January
    "290290-1234",  # no 29 February 1990
    "+45 12 34 56 78",  # phone numbers
    "12345678",
    "tlf. 86 12 34 56",
    "12.345.678 kr.",  # an 8-digit amount
    "01.01.1990",  # dates alone
    "2027-01-05",
    "12340101901234",  # an account number glued to its reg. no.
    "kl. 13.30-14.30",  # times
)

# -- the app and what it keeps -----------------------------------------------------------


class RecordingStore(TinyDBStore):
    """The TinyDB store, remembering every write: a value written and then overwritten (a
    reply edited, a note replaced) was stored all the same."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.written: list[str] = []

    def _record(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        self.written.append(json.dumps([table, items], ensure_ascii=False, default=str))

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        self._record(table, {key: doc})
        await super().put(table, key, doc)

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        self._record(table, items)
        await super().put_many(table, items)

    async def add(self, table: str, key: str, doc: Mapping[str, Any]) -> bool:
        self._record(table, {key: doc})
        return await super().add(table, key, doc)

    async def apply(self, changes: Sequence[Change]) -> None:
        for table, key, doc in changes:
            if doc is not None:
                self._record(table, {key: doc})
        await super().apply(changes)


@dataclass
class Harness:
    """One app over a TinyDB file, the captured log, and a counter for fresh users."""

    services: Services
    store: RecordingStore
    data_dir: Path
    inputs: Path
    content: Content
    round_id: str = ""
    users: int = 100
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)

    def fresh_user(self, name: str = "") -> ChannelAccount:
        self.users += 1
        return teams.user(self.users, name)

    async def turn(
        self,
        activity: Activity,
        on_error: Callable[[Any, Exception], Awaitable[None]] | None = None,
    ) -> str:
        """One turn through the app's Teams handler; what the bot wrote, as one text."""
        adapter = TestAdapter(template_or_conversation=Activity().deserialize(activity.serialize()))
        if on_error is not None:
            adapter.on_turn_error = on_error
        await adapter.process_activity(activity, self.services.bot.on_turn)
        parts = []
        for sent in adapter.activity_buffer:
            parts.append(sent.text or sent.summary or "")  # a card saying its text: the summary
            for attachment in sent.attachments or []:
                parts.append(str((attachment.content or {}).get("fallbackText", "")))
        return "\n".join(parts)

    async def say(
        self,
        text: str,
        who: ChannelAccount = CHAIR,
        conversation: ConversationAccount | None = None,
        mention: bool = False,
    ) -> str:
        chat = conversation or teams.personal(int(who.id.rsplit("-", 1)[1]))
        return await self.turn(teams.message(text, chat, mention=mention, sender=who))

    async def click(self, value: dict[str, Any], who: ChannelAccount = CHAIR) -> str:
        chat = teams.personal(int(who.id.rsplit("-", 1)[1]))
        return await self.turn(teams.submit(value, chat, sender=who))

    async def cli(self, module: Any, service: Any, **args: Any) -> str:
        """A command of ``python -m bot`` in-process; what it printed."""
        self.out, self.err = io.StringIO(), io.StringIO()
        await module.run(argparse.Namespace(**args), service, self.out, self.err)
        return self.out.getvalue() + self.err.getvalue()

    async def table(self, name: str) -> dict[str, dict[str, Any]]:
        return await self.store.all(name)


async def _harness(tmp_path: Path, content: Content) -> Harness:
    data_dir, inputs = tmp_path / "data", tmp_path / "in"
    data_dir.mkdir()
    inputs.mkdir()
    store = RecordingStore(data_dir / "strategibot.json")
    settings = Settings(_env_file=None, admins="aad-user-9")
    app = create_app(settings, store, ManualClock(NOW), content)
    services = app[SERVICES]
    h = Harness(services, store, data_dir, inputs, content)
    status = services.status.repository
    for n, unit in ((1, "Bostøtte"), (2, "Botilbud")):
        await status.save_leader(Leader(user_id=f"aad-user-{n}", name=f"Leder {n}", unit=unit))
    await services.reminders.repository.save_committee(COMMITTEE)
    await services.reminders.repository.save_meeting(MEETING)
    request = RoundRequest(
        name="Efterår 2026", deadline=date(2026, 12, 9), scope="chosen", goals=("2.3", "1.1")
    )
    round_, _ = await services.status.create_round(request, "aad-user-9", NOW)
    h.round_id = round_.id
    return h


# -- the paths -----------------------------------------------------------------------------

Send = Callable[[Harness, str, int], Awaitable[str]]  # (harness, input, case number) → reply
Kept = Callable[[Harness, str, int], Awaitable[bool]]  # a near miss was stored as typed


@dataclass(frozen=True)
class InputPath:
    """Where typed text enters: how to send it, and how a near miss shows it was kept."""

    send: Send
    kept: Kept | None = None  # None: nothing is stored from this input (a lookup, say)
    refusal: str | None = REFUSED  # what a refusal says; None: not refused (see the path)
    redacted: bool = False  # a display name: stored with the CPR number replaced


async def _committee_names(h: Harness) -> list[str]:
    return [str(c["name"]) for c in (await h.table(COMMITTEES)).values()]


async def _leader(h: Harness, n: int) -> Leader | None:
    return await h.services.status.repository.leader(f"aad-user-{n}")


async def _reply_answer(h: Harness, user: str = "aad-user-1") -> dict[str, str]:
    reply = await h.services.status.repository.reply(h.round_id, user)
    found = reply.answer("2.3") if reply else None
    return {"comment": found.comment, "next": found.next_step} if found else {}


async def _rounds(h: Harness) -> list[Any]:
    return await h.services.status.repository.rounds()


def _committee_form(**changes: str) -> dict[str, Any]:
    return {
        "action": SAVE, "committee": "", "name": "LMU Nyt", "kind": "LMU",
        "schedule": "hver 2. uge tirsdag kl. 13", "lead_days": "7", "remind_chair": "true",
        **changes,
    }  # fmt: skip


def _round_form(**changes: str) -> dict[str, Any]:
    return {
        "action": CREATE_ROUND, "name": "Runde", "scope": "chosen", "goals": "2.3",
        "units": "", "deadline": "2026-12-09", **changes,
    }  # fmt: skip


def _csv(h: Harness, n: int, name: str, email: str, unit: str) -> Path:
    path = h.inputs / f"leaders-{n}.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(["Navn", "E-mail", "Enhed"])
        writer.writerow([name, email, unit])
    return path


async def _import_leaders(h: Harness, n: int, name: str, email: str, unit: str) -> str:
    path = _csv(h, n, name, email, unit)
    return await h.cli(status_cli, h.services.status, command="import-leaders", file=path)


async def _imported(h: Harness, n: int) -> Leader | None:
    return await h.services.status.repository.leader(f"email:leder{n}@norddjurs.dk")


async def _new_round(h: Harness, name: str, units: list[str] | None) -> str:
    return await h.cli(
        status_cli, h.services.status, command="new-round", name=name,
        deadline=date(2026, 12, 9), goals=None, priorities=False, units=units,
    )  # fmt: skip


class _Strict(BaseModel):
    number: int


async def _crash(self: QAFeature, turn: Turn, intent: Any) -> list[Any]:
    """A handler that fails with the input in its exception, as pydantic's errors quote it."""
    if len(intent.text) % 2:
        _Strict.model_validate({"number": intent.text})
    raise ValueError(f"could not read {intent.text!r}")


async def _failing_turn(h: Harness, text: str, n: int) -> str:
    return await h.turn(
        teams.message(f"Hvad med {text}?", teams.personal(1), sender=CHAIR),
        on_error=h.services.adapter.on_turn_error,
    )


async def _every_other_action(h: Harness, text: str, n: int) -> str:
    """The card actions whose data holds only ids (forged here): looked up, never kept."""
    replies = []
    for action in (ACK, SNOOZE, MOVED, MOVE, CANCEL, OPEN, TRIO_APPROVE, TRIO_REJECT, DELETE, KEEP):
        value = {
            "action": action, "committee": text, "meeting": text, "recipient": text,
            "date": text, "time": text, "round": text, "user": text,
        }  # fmt: skip
        replies.append(await h.click(value, CHAIR))
    for action in (LEADER_APPROVE, LEADER_REJECT):
        replies.append(await h.click({"action": action, "user": text, "unit": text}, ADMIN))
    for action in (EXPERT_CLOSE, EXPERT_PUBLISH):
        value = {"action": action, "question": text}
        replies.append(await h.turn(teams.submit(value, teams.CHANNEL, sender=CHAIR)))
    replies.append(await h.click({"action": EXPERT_WITHDRAW, "supplement": text}, ADMIN))
    return "\n".join(replies)


async def _experts_channel(h: Harness) -> None:
    """The experts' channel, connected by the admin (once per harness)."""
    if not await h.services.qa.experts.service.connected():  # type: ignore[union-attr]
        await h.say("tilknyt fagpersoner", ADMIN, teams.CHANNEL, mention=True)


async def _ask_experts(h: Harness, question: str, note: str = "") -> str:
    await _experts_channel(h)
    value = {"action": EXPERT_ASK, "question": question, "note": note, "attempted": "fallback"}
    return await h.click(value)


async def _expert_answer(h: Harness, text: str, n: int) -> str:
    """A question forwarded, then answered in the experts' channel with ``text``."""
    await _ask_experts(h, f"Hvem bestemmer over budget nummer {n}?")
    [found] = [
        doc["id"]
        for doc in (await h.table(EXPERT_QUESTIONS)).values()
        if doc["text"] == f"Hvem bestemmer over budget nummer {n}?"
    ]
    value = {"action": EXPERT_ANSWER, "question": found, "answer": f"Spørg {text}"}
    return await h.turn(teams.submit(value, teams.CHANNEL, sender=ADMIN))


def _display_name(text: str) -> str:
    return " ".join(f"Mette {text}".split())


def _stored_name(text: str) -> str:
    """What is kept of the display name ``Mette <text>``: cleaned at the edge (no control or
    bidi-override characters), then any CPR number in it replaced."""
    return redact_cpr(clean_input(_display_name(text), lines=False))


PATHS: dict[str, InputPath] = {
    # -- chat: questions and commands with an argument
    "question": InputPath(
        lambda h, t, n: h.say(f"Hvad siger strategien om borger {t}?"),
    ),
    "question from an ask button": InputPath(
        lambda h, t, n: h.click({"action": "ask", "text": f"Hvem hjælper {t}?"}),
    ),
    "slet mine data, with more": InputPath(
        lambda h, t, n: h.say(f"slet mine data {t}"),
        # A question, refused; but digits the command words do not read (Arabic-Indic, …)
        # leave the bare command "slet mine data", which keeps nothing typed.
        refusal=None,
    ),
    "status in chat: comment": InputPath(
        lambda h, t, n: h.say(f"status 2.3 gul: borger {t} har fået et tilbud"),
        lambda h, t, n: _answer_has(h, "comment", t),
    ),
    "status in chat: next step": InputPath(
        lambda h, t, n: h.say(f"status 2.3 gul: godt i gang næste skridt: ring til {t}"),
        lambda h, t, n: _answer_has(h, "next", t),
    ),
    "tilmeld som leder <enhed>": InputPath(
        lambda h, t, n: h.say(f"tilmeld som leder Bostøtte {t}", h.fresh_user()),
        lambda h, t, n: _leader_unit_has(h, h.users, t),
    ),
    "ret udvalg <navn>": InputPath(lambda h, t, n: h.say(f"ret udvalg LMU {t}")),
    "slet udvalg <navn>": InputPath(lambda h, t, n: h.say(f"slet udvalg LMU {t}")),
    "tilknyt <udvalg> in a channel": InputPath(
        lambda h, t, n: h.say(f"tilknyt LMU {t}", CHAIR, teams.CHANNEL, mention=True),
    ),
    "pause påmindelser til <dato>": InputPath(
        lambda h, t, n: h.say(f"pause påmindelser til {t}"),
    ),
    "tilmeld trio <udvalg>": InputPath(lambda h, t, n: h.say(f"tilmeld trio LMU {t}")),
    "afmeld trio <udvalg>": InputPath(lambda h, t, n: h.say(f"afmeld trio LMU {t}")),
    "rapport <runde>": InputPath(lambda h, t, n: h.say(f"rapport {t}", ADMIN)),
    "rapport <runde> in a channel": InputPath(
        lambda h, t, n: h.say(f"rapport {t}", ADMIN, teams.CHANNEL, mention=True),
        refusal=None,  # in a channel an unusable "rapport" gets no answer at all
    ),
    # -- card fields
    "committee form: name": InputPath(
        lambda h, t, n: h.click(_committee_form(name=f"LMU {t}")),
        lambda h, t, n: _has(_committee_names(h), f"LMU {t}"),
    ),
    "committee form: schedule": InputPath(
        lambda h, t, n: h.click(
            _committee_form(name=f"LMU plan {n}", schedule=f"hver tirsdag kl. 13 {t}")
        ),
    ),
    "register form: another unit": InputPath(
        lambda h, t, n: h.click(
            {"action": REGISTER, "unit": NEW_UNIT, "new_unit": f"Værested {t}"}, h.fresh_user()
        ),
        lambda h, t, n: _leader_unit_has(h, h.users, t),
    ),
    "register form: unit choice (forged)": InputPath(
        lambda h, t, n: h.click({"action": REGISTER, "unit": f"Bostøtte {t}"}, h.fresh_user()),
        lambda h, t, n: _leader_unit_has(h, h.users, t),
    ),
    "status card: comment": InputPath(
        lambda h, t, n: h.click(
            {
                "action": SUBMIT,
                "round": h.round_id,
                "page": 0,
                "status_2_3": "delvist",
                "comment_2_3": f"Borger {t} er i gang",
            }
        ),
        lambda h, t, n: _answer_has(h, "comment", t),
    ),
    "status card: next step": InputPath(
        lambda h, t, n: h.click(
            {
                "action": SUBMIT,
                "round": h.round_id,
                "page": 0,
                "status_2_3": "delvist",
                "next_2_3": f"Ring til {t}",
            }
        ),
        lambda h, t, n: _answer_has(h, "next", t),
    ),
    "round form: name": InputPath(
        lambda h, t, n: h.click(_round_form(name=f"Runde {t}"), ADMIN),
        lambda h, t, n: _has(_round_names(h), f"Runde {t}"),
    ),
    "round form: units": InputPath(
        lambda h, t, n: h.click(_round_form(name=f"Runde {n}", units=f"Bostøtte,{t}"), ADMIN),
        lambda h, t, n: _round_has_unit(h, f"Runde {n}", t),
    ),
    "meeting note: points": InputPath(
        lambda h, t, n: h.click(
            {
                "action": NOTE,
                "committee": COMMITTEE.id,
                "meeting": MEETING.id,
                "discussed": "2.3",
                "points": f"Vi talte om {t}",
            }
        ),
        lambda h, t, n: _note_has(h, t),
    ),
    "feedback: target (forged)": InputPath(
        lambda h, t, n: h.click(
            {"action": "feedback", "helpful": False, "target": f"x:{t}", "question": "TRIO?"}
        ),
        lambda h, t, n: _table_has(h, FEEDBACK_TABLE, "target", f"x:{t}"),
    ),
    "feedback: the question of an old card": InputPath(
        lambda h, t, n: h.click(
            {"action": "feedback", "helpful": False, "target": "x", "question": f"Om {t}?"}
        ),
        lambda h, t, n: _table_has(h, QUESTION_LOG, "text", f"Om {t}?"),
        refusal=None,  # the vote counts; the question is not logged
    ),
    "»Spørg en fagperson«: question": InputPath(
        lambda h, t, n: _ask_experts(h, f"Hvad gør vi med {t}?"),
        lambda h, t, n: _table_has(h, EXPERT_QUESTIONS, "text", f"Hvad gør vi med {t}?"),
    ),
    "»Spørg en fagperson«: note": InputPath(
        lambda h, t, n: _ask_experts(h, f"Spørgsmål {n}", f"Det gælder {t}"),
        lambda h, t, n: _table_has(h, EXPERT_QUESTIONS, "note", f"Det gælder {t}"),
    ),
    "»Spørg en fagperson«: the expert's answer": InputPath(
        _expert_answer,
        lambda h, t, n: _table_has(h, EXPERT_QUESTIONS, "answer", f"Spørg {t}"),
    ),
    "the message extension's search box": InputPath(
        lambda h, t, n: h.turn(teams.search(f"borger {t}")),
        refusal=None,  # a search stores nothing: no refusal needed
    ),
    "feedback as Action.Execute: the question": InputPath(
        lambda h, t, n: h.turn(
            teams.execute(
                {"action": "feedback", "helpful": False, "target": "x", "question": f"Om {t}?"},
                teams.personal(1),
                CHAIR,
            )
        ),
        lambda h, t, n: _table_has(h, QUESTION_LOG, "text", f"Om {t}?"),
        refusal=None,  # the vote counts; the question is not logged
    ),
    "slet mine data: the confirmation (forged)": InputPath(
        lambda h, t, n: h.click({"action": DELETE_DATA, "confirm": t}),
        refusal=None,  # not "true": nothing is deleted, nothing kept
    ),
    "every id-only card action (forged)": InputPath(_every_other_action, refusal=None),
    # -- display names from Teams: redacted, not refused
    "display name: leader": InputPath(
        lambda h, t, n: h.say("tilmeld som leder Bostøtte", h.fresh_user(_display_name(t))),
        lambda h, t, n: _leader_name_is(h, h.users, _stored_name(t)),
        refusal=None,
        redacted=True,
    ),
    "display name: TRIO member": InputPath(
        lambda h, t, n: h.say("tilmeld trio LMU Test", h.fresh_user(_display_name(t))),
        lambda h, t, n: _trio_name_is(h, h.users, _stored_name(t)),
        refusal=None,
        redacted=True,
    ),
    # -- the command line and the CSV import
    "CSV import: name": InputPath(
        lambda h, t, n: _import_leaders(h, n, f"Mette {t}", f"leder{n}@norddjurs.dk", "Bostøtte"),
        lambda h, t, n: _imported_has(h, n, "name", f"Mette {t}"),
    ),
    "CSV import: unit": InputPath(
        lambda h, t, n: _import_leaders(h, n, "Mette", f"leder{n}@norddjurs.dk", f"Enhed {t}"),
        lambda h, t, n: _imported_has(h, n, "unit", f"Enhed {t}"),
    ),
    "CSV import: e-mail": InputPath(
        lambda h, t, n: _import_leaders(h, n, "Mette", f"{t}@norddjurs.dk", "Bostøtte"),
    ),
    "new-round --name": InputPath(
        lambda h, t, n: _new_round(h, f"Runde {t}", None),
        lambda h, t, n: _has(_round_names(h), f"Runde {t}"),
    ),
    "new-round --units": InputPath(
        lambda h, t, n: _new_round(h, f"Runde {n}", ["Bostøtte", t]),
        lambda h, t, n: _round_has_unit(h, f"Runde {n}", t),
    ),
    "import-ics --committee": InputPath(
        lambda h, t, n: h.cli(
            reminders_cli,
            h.services.reminders,
            command="import-ics",
            file=h.inputs / "none.ics",
            committee=f"LMU {t}",
        ),
    ),
    "report --round": InputPath(
        lambda h, t, n: h.cli(
            status_cli, h.services.status, command="report", round=t, format="md", output=None
        ),
    ),
    "priorities <ids>": InputPath(
        lambda h, t, n: h.cli(reminders_cli, h.services.reminders, command="priorities", ids=[t]),
    ),
    # -- a turn that fails with the input in its exception: logged without it
    "a failing turn": InputPath(_failing_turn, refusal=None),
}


async def _has(found: Awaitable[list[str]], text: str) -> bool:
    return text in await found


async def _round_names(h: Harness) -> list[str]:
    return [r.name for r in await _rounds(h)]


async def _round_has_unit(h: Harness, name: str, unit: str) -> bool:
    return any(r.name == name and unit in r.units for r in await _rounds(h))


async def _answer_has(h: Harness, part: str, text: str) -> bool:
    return text in (await _reply_answer(h)).get(part, "")


async def _leader_unit_has(h: Harness, n: int, text: str) -> bool:
    leader = await _leader(h, n)
    return leader is not None and leader.unit.endswith(text)


async def _leader_name_is(h: Harness, n: int, name: str) -> bool:
    leader = await _leader(h, n)
    return leader is not None and leader.name == name


async def _trio_name_is(h: Harness, n: int, name: str) -> bool:
    committee = await h.services.reminders.repository.committee(COMMITTEE.id)
    assert committee is not None
    return any(p.user_id == f"aad-user-{n}" and p.name == name for p in committee.trio)


async def _note_has(h: Harness, text: str) -> bool:
    return any(text in note.points for note in await h.services.status.repository.notes())


async def _table_has(h: Harness, table: str, key: str, text: str) -> bool:
    return any(doc.get(key) == text for doc in (await h.table(table)).values())


async def _imported_has(h: Harness, n: int, part: str, text: str) -> bool:
    leader = await _imported(h, n)
    return leader is not None and getattr(leader, part) == text


# -- searching what was kept ---------------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8})|([ntr]))")
_CONTROL = {"n": "\n", "t": "\t", "r": "\r"}


def _unescape(text: str) -> str:
    """JSON's ``\\u`` escapes (surrogate pairs too) and Python's ``\\x``, ``\\U``, ``\\n``."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2) or match.group(3)
        return chr(int(code, 16)) if code else _CONTROL[match.group(4)]

    decoded = _ESCAPE.sub(one, text)
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def digits_of(text: str) -> str:
    """``text`` with every digit in ASCII and no separators or invisible characters."""
    return "".join(ch for ch in normalise(_unescape(text))[0] if ch not in SEPARATORS)


def hits(text: str) -> list[str]:
    """The CPR numbers of :data:`NUMBERS` found in ``text``."""
    searchable = digits_of(text)
    return [number for number in NUMBERS if number in searchable]


def kept_files(h: Harness) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(h.data_dir.rglob("*"))
        if p.is_file()
    )


# -- the tests -----------------------------------------------------------------------------


def test_the_corpus_is_large_and_its_numbers_are_real() -> None:
    assert len(SHAPES) >= 60
    assert len(PATHS) >= 30
    for name, text, numbers in CASES:
        assert contains_cpr(text), name
        assert numbers[0] in digits_of(text), name
    for text in NEAR_MISSES:
        assert not contains_cpr(text), text
        assert hits(text) == [], text  # a near miss kept as typed is no hit


async def test_every_input_path_is_covered(content: Content, tmp_path: Path) -> None:
    """Every command that takes an argument and every card action is a path above, or holds
    only ids (``every id-only card action``) or nothing typed at all."""
    commands = {c.intent for c in content.commands if c.prefixes}
    by_path = {
        "ret_udvalg", "slet_udvalg", "tilknyt", "pause", "tilmeld_trio", "afmeld_trio",
        "tilmeld_leder", "status", "rapport",
    }  # fmt: skip
    assert commands == by_path
    store = TinyDBStore(tmp_path / "strategibot.json")
    app = create_app(Settings(_env_file=None), store, ManualClock(NOW))
    actions = set(app[SERVICES].bot.dispatcher.router.actions)
    await store.close()
    typed = {"ask", "feedback", SAVE, REGISTER, SUBMIT, CREATE_ROUND, NOTE, DELETE_DATA}
    typed |= {EXPERT_ASK, EXPERT_ANSWER}
    ids_only = {ACK, SNOOZE, MOVED, MOVE, CANCEL, OPEN, TRIO_APPROVE, TRIO_REJECT, DELETE, KEEP}
    ids_only |= {LEADER_APPROVE, LEADER_REJECT, EXPERT_CLOSE, EXPERT_PUBLISH, EXPERT_WITHDRAW}
    assert actions | {"ask"} == typed | ids_only


@pytest.mark.parametrize("path", list(PATHS))
async def test_no_cpr_number_is_kept_or_logged(
    path: str,
    tmp_path: Path,
    content: Content,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    if path == "a failing turn":
        monkeypatch.setattr(QAFeature, "ask", _crash)
    how = PATHS[path]
    h = await _harness(tmp_path, content)
    wrong: list[str] = []
    for n, (shape, text, _) in enumerate(CASES):
        reply = await how.send(h, text, n)
        if how.refusal is not None and how.refusal not in reply:
            wrong.append(f"{shape}: not refused: {reply[:120]!r}")
        if how.redacted and how.kept is not None:
            assert REDACTED in _stored_name(text) and not contains_cpr(_stored_name(text))
            if not await how.kept(h, text, n):
                wrong.append(f"{shape}: the display name was not kept, redacted")
    for n, text in enumerate(NEAR_MISSES, start=len(CASES)):
        reply = await how.send(h, text, n)
        if REFUSED in reply:
            wrong.append(f"near miss {text!r} refused: {reply[:120]!r}")
        if how.kept is not None and not await how.kept(h, text, n):
            wrong.append(f"near miss {text!r} not kept: {reply[:160]!r}")
    if path == "a failing turn":
        failed = [r for r in caplog.records if r.getMessage() == "turn failed"]
        assert len(failed) == len(CASES) + len(NEAR_MISSES)
        assert "(message withheld)" in caplog.text
    await h.store.close()
    files = kept_files(h)
    assert "Bostøtte" in files  # the data file was read
    written = "\n".join(h.store.written)
    found = {"writes": hits(written), "data files": hits(files), "log": hits(caplog.text)}
    assert found == {"writes": [], "data files": [], "log": []}
    assert wrong == []
