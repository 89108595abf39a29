"""The input gate: what users and clients send is cleaned once, at the edge (issue #13).

* Finding 1: a lone surrogate (``\\udc00``) is replaced, never stored; data stored before the
  gate no longer breaks ``python -m bot backup`` or ``python -m bot questions``.
* Finding 2: NUL, other control characters and bidi overrides are removed; a card's values
  are its form's fields, of their declared types (a list or an object where a text belongs is
  refused, never stored), and a value nested too deep or too big is refused unread.
* A user sending more turns than the limit gets one short Danish answer.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from bot.__main__ import backup, questions
from bot.app import Services
from bot.settings import Settings
from bot.storage import TinyDBStore
from content import Content
from dialogs.intents import IntentParser
from dialogs.qa.feature import QUESTION_LOG
from dialogs.reminders.repository import COMMITTEES
from dialogs.replies import Reply
from dialogs.router import Dispatcher, Form, Router, Turn, TurnLimiter
from dialogs.status.cards import SUBMIT, field_id
from dialogs.status.repository import REPLIES
from dialogs.text import (
    LINES,
    MAX_DEPTH,
    MAX_ITEMS,
    InputRefused,
    _normalised,
    clean,
    clean_input,
    clean_value,
    strip_markup,
)
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import app_services, run

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
NOW = datetime(2026, 12, 1, 10, 0)

# --------------------------------------------------------------------------- clean_input


@pytest.mark.parametrize(
    ("raw", "lines", "clean"),
    [
        ("hej \udc00 du", True, "hej \ufffd du"),  # a lone low surrogate
        ("\ud800", True, "\ufffd"),  # a lone high surrogate
        ("smil \ud83d\ude00", True, "smil 😀"),  # a pair left as two halves is one character
        ("e\u0301 og A\u030a", True, "é og Å"),  # NFC
        ("a\x00b\x07c\x1b[31md\x7f\x9b", True, "abc[31md"),  # C0, DEL and C1 controls
        ("\u202eevil\u202c og \u2066x\u2069", True, "evil og x"),  # overrides, isolates
        ("1\r\n2\r3\u20284\x855", True, "1\n2\n3\n4\n5"),  # every kind of new line
        ("a\tb\nc", True, "a\tb\nc"),  # a field with lines keeps them and tabs
        ("a\tb\r\nc", False, "a b c"),  # a one-line field: each is a space
        ("æøå 🙂 \u200b \u200e \u00ad", True, "æøå 🙂 \u200b \u200e \u00ad"),  # kept as typed
        ("Hvad er TRIO?", True, "Hvad er TRIO?"),
    ],
)  # fmt: skip
def test_clean_input(raw: str, lines: bool, clean: str) -> None:
    assert clean_input(raw, lines=lines) == clean


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(raw=st.text(st.characters(exclude_categories=()), max_size=40), lines=st.booleans())
def test_clean_input_always_gives_text_the_bot_can_keep(raw: str, lines: bool) -> None:
    clean = clean_input(raw, lines=lines)
    clean.encode("utf-8")  # valid Unicode: no surrogates
    assert unicodedata.is_normalized("NFC", clean)
    allowed = "\n\t" if lines else ""
    assert all(unicodedata.category(c) != "Cc" or c in allowed for c in clean)
    assert not set(BIDI) & set(clean)
    assert clean_input(clean, lines=lines) == clean  # once is enough


def test_clean_value_cleans_every_text_and_refuses_deep_or_huge_values() -> None:
    assert clean_value({"a\x00": ["x\u202e", 1, None, {"k": "\udc00"}]}) == {
        "a": ["x", 1, None, {"k": "\ufffd"}]
    }
    deep: Any = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(InputRefused):
        clean_value(deep)
    with pytest.raises(InputRefused):
        clean_value(["x"] * MAX_ITEMS)
    with pytest.raises(InputRefused):  # refused at the limit, not after a walk of it all
        clean_value([[0] * 100_000])


# --------------------------------------------------------------------------- forms


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = ""
    note: Annotated[str, LINES] = ""
    page: int = 0


@pytest.fixture
def seen() -> list[Mapping[str, Any]]:
    return []


@pytest.fixture
def dispatcher(content: Content, seen: list[Mapping[str, Any]]) -> Dispatcher:
    async def on_save(turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        seen.append(value)
        return [Reply("gemt")]

    router = Router("root")
    router.on_action("save", on_save, form=Form(_Form, "Formularen kunne ikke læses."))
    return Dispatcher(
        router,
        IntentParser(content.commands),
        invalid_submit=Reply("invalid"),
        too_long=Reply("too long"),
    )


def click(value: Mapping[str, Any]) -> Turn:
    return Turn("", value, "aad-1", "chat-1", "personal", False, NOW)


async def test_a_handler_gets_its_forms_fields_cleaned_and_nothing_else(
    dispatcher: Dispatcher, seen: list[Mapping[str, Any]]
) -> None:
    value = {
        "action": "save",
        "name": "LMU\x00 \u202eØrum\r\nNord",
        "note": "linje 1\r\nlinje\t2\x07",
        "page": "2",
        "evil": {"deep": [[[[[["x"]]]]]]},  # not the form's: dropped unread
        "other": "\udc00",
    }
    assert await dispatcher.dispatch(click(value)) == ("submit:save", [Reply("gemt")])
    assert seen == [
        {"action": "save", "name": "LMU Ørum Nord", "note": "linje 1\nlinje\t2", "page": 2}
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"name": {"a": 1}},  # an object where a text belongs
        {"name": ["a", "b"]},
        {"name": 5},  # a number is not text either: refused, not converted
        {"name": True},
        {"note": [[[[[[[["deep"]]]]]]]]},  # too deep to look at
        {"page": "x"},
    ],
)
async def test_a_field_of_the_wrong_type_is_refused_with_the_forms_text(
    dispatcher: Dispatcher, seen: list[Mapping[str, Any]], fields: dict[str, Any]
) -> None:
    reply = await dispatcher.dispatch(click({"action": "save", **fields}))
    assert reply == ("submit:save", [Reply("Formularen kunne ikke læses.")])
    assert seen == []


def test_every_card_action_of_the_app_has_a_form(services: Services) -> None:
    """So no feature can forget the type check: a new action must name its form."""
    router = services.bot.dispatcher.router
    assert router.actions and set(router.actions) == set(router.forms)


# --------------------------------------------------------------------------- finding 1


def _all_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


async def test_a_lone_surrogate_in_a_message_is_never_stored(services: Services) -> None:
    sender = teams.user(1, "Mette \udc00\u202eLeder\x00")
    question = teams.message("Hvad siger strategien om \udc00kage?", sender=sender)
    [reply] = await run(services, question)
    assert reply.text
    log = await services.store.all(QUESTION_LOG)
    assert [doc["text"] for doc in log.values()] == ["Hvad siger strategien om \ufffdkage?"]
    for table in ("conversations", QUESTION_LOG, "question_authors"):
        stored = _all_text(await services.store.all(table))
        stored.encode("utf-8")  # no surrogate anywhere
        assert not {"\u202e", "\x00"} & set(stored)
    [chat] = (await services.store.all("conversations")).values()
    assert chat["reference"]["user"]["name"] == "Mette \ufffdLeder"  # the display name too


async def _store_old_question(data_dir: Path) -> None:
    """A question stored before the gate, with a lone surrogate in it."""
    store = TinyDBStore(Settings(_env_file=None, data_dir=data_dir).data_file)
    try:
        doc = {
            "text": "hvad med \udc00?",
            "time": "2026-11-23T10:00:00+01:00",
            "reason": "fallback",
        }
        await store.put(QUESTION_LOG, "q1", doc)
    finally:
        await store.close()


def test_backup_and_questions_read_data_stored_with_a_lone_surrogate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    asyncio.run(_store_old_question(tmp_path / "data"))
    destination = tmp_path / "backup" / "kopi.json"
    backup(Settings(_env_file=None), destination)
    assert sorted(p.name for p in destination.parent.iterdir()) == ["kopi.json"]  # no .tmp
    copy = json.loads(destination.read_bytes())
    assert copy[QUESTION_LOG]["q1"]["text"] == "hvad med \udc00?"  # kept as it was stored
    capsys.readouterr()
    questions(Settings(_env_file=None))
    assert "hvad med \ufffd?" in capsys.readouterr().out


# --------------------------------------------------------------------------- finding 2

COMMITTEE_FORM = {
    "action": "committee_save",
    "committee": "",
    "kind": "LMU",
    "schedule": "hver 2. uge tirsdag kl. 13",
    "lead_days": "7",
    "remind_chair": "true",
}


async def test_control_and_bidi_characters_are_not_stored(services: Services) -> None:
    name = "LMU\x00 \u202eØrum\u202c\x1b"
    [reply] = await run(services, teams.submit({**COMMITTEE_FORM, "name": name}))
    assert reply.text.startswith("Udvalget »LMU Ørum« er gemt")
    [doc] = (await services.store.all(COMMITTEES)).values()
    assert doc["name"] == "LMU Ørum"


async def _round_for(services: Services) -> str:
    """Leader 1 (approved at once by being an admin) and a round asking them."""
    admin = teams.user(1, "Mette \u202eLeder\u202c")
    [reply] = await run(services, teams.message("tilmeld som leder Bostøtte", sender=admin))
    assert "Bostøtte" in str(reply.text)
    form = {"action": "round_create", "name": "Runde\x00 1", "scope": "chosen",
            "goals": "2.3", "units": "", "deadline": "2026-12-09"}  # fmt: skip
    [reply] = await run(services, teams.submit(form, sender=admin))
    assert str(reply.text).startswith("Statusrunden »Runde 1« er startet"), reply.text
    [round_] = await services.status.repository.rounds()
    [leader] = await services.status.repository.leaders()
    assert leader.name == "Mette Leder"  # the display name, cleaned at the edge
    return round_.id


@pytest.mark.parametrize("comment", [{"a": 1}, ["a"], 12, 1.5, True, [[[[[["x"]]]]]]])
async def test_a_card_value_that_is_not_text_is_refused_never_stored(
    clock: ManualClock, content: Content, comment: Any
) -> None:
    services = app_services(clock, content=content, admins="aad-user-1")
    round_id = await _round_for(services)
    value = {"action": SUBMIT, "round": round_id, "page": 0,
             field_id("status", "2.3"): "delvist", field_id("comment", "2.3"): comment}  # fmt: skip
    [reply] = await run(services, teams.submit(value, sender=teams.user(1)))
    assert reply.text == content.messages.da.invalid_submit
    assert await services.store.all(REPLIES) == {}
    value[field_id("comment", "2.3")] = "godt\x00 i \u202egang"
    [reply] = await run(services, teams.submit(value, sender=teams.user(1)))
    [stored] = (await services.store.all(REPLIES)).values()
    assert stored["answers"][0]["comment"] == "godt i gang"


# --------------------------------------------------------------------------- the turn limit


def test_the_turn_limit_is_a_token_bucket_per_user() -> None:
    now = [0.0]
    limiter = TurnLimiter(rate=5, burst=10, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(10)] == [True] * 10  # the burst
    assert limiter.allow("a") is False  # told once …
    assert limiter.allow("a") is None  # … then quiet
    assert limiter.allow("b") is True  # others are not slowed down
    now[0] += 0.2  # one turn's worth at 5 a second
    assert [limiter.allow("a"), limiter.allow("a")] == [True, False]
    now[0] += 60
    assert [limiter.allow("a") for _ in range(11)] == [True] * 10 + [False]  # burst, not more


async def test_a_user_who_writes_too_fast_is_told_once(
    clock: ManualClock, content: Content
) -> None:
    services = app_services(clock, content=content, turns_per_second=0.5, turn_burst=2)
    texts = [[str(a.text) for a in await run(services, teams.message("hej"))] for _ in range(4)]
    assert texts[2] == ["Du skriver lidt hurtigt – prøv igen om et øjeblik."]
    assert texts[3] == []  # nothing more while they go on
    assert all(t and t[0] != texts[2][0] for t in texts[:2])
    other = teams.message("hej", teams.personal(2), sender=teams.user(2))
    assert [a.text for a in await run(services, other)] != texts[2]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(" \t\n\xa0\u2000aZ9.,?æøåÆØÅ\u212a\u212béü\u0663<>")))
def test_clean_takes_the_fast_path_only_where_it_gives_the_same_text(text: str) -> None:
    """Plain text (ASCII, æøå) skips Unicode normalisation; the result must not change."""
    assert clean(text) == _normalised(strip_markup(text))
