"""The Q&A feature in a chat: the previous answer per conversation, the asker's own meetings
and rounds, and what is logged for the content owners."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.storage import MemoryStore
from content import Content
from dialogs.intents import ASK, Intent
from dialogs.qa.answer import Answerer
from dialogs.qa.feature import QUESTION_LOG, QAFeature
from dialogs.reminders.service import NextMeeting
from dialogs.replies import Reply
from dialogs.router import Turn
from dialogs.status.service import OpenRound

NOW = datetime(2026, 12, 1, 10, 0)


def turn(text: str, conversation: str = "chat-1", user: str = "aad-1", at: datetime = NOW) -> Turn:
    return Turn(text, None, user, conversation, "personal", False, at)


async def ask(feature: QAFeature, text: str, **kw: object) -> Reply:
    [reply] = await feature.ask(turn(text, **kw), Intent(ASK, text))  # type: ignore[arg-type]
    return reply


class Lookups:
    """Stands in for the reminder and status services (with their result types): one chair
    and one leader."""

    async def next_meeting_of(self, user_id: str, now: datetime) -> NextMeeting | None:
        if user_id != "chair":
            return None
        return NextMeeting("LMU Bostøtten", "tirsdag 5. januar kl. 13.00", 2, ("2.1", "2.2"))

    async def open_round_of(self, user_id: str, now: datetime) -> OpenRound | None:
        return OpenRound("Forår 2027", "9. juni 2027", False) if user_id == "leader" else None


@pytest.fixture
def feature(content: Content, answerer: Answerer) -> QAFeature:
    lookups = Lookups()
    return QAFeature(content, MemoryStore(), answerer, meetings=lookups, rounds=lookups)


async def test_a_follow_up_uses_the_previous_answer_of_the_same_chat(feature: QAFeature) -> None:
    await ask(feature, "hvad betyder målsætning 2.3")
    assert (await ask(feature, "hvad med den næste?")).text.startswith("2.4 ")
    assert (await ask(feature, "og pejlemærket?")).text.startswith("Pejlemærke 2")
    # Another chat has no previous answer, and an old one is forgotten.
    other = await ask(feature, "hvad med den næste?", conversation="chat-2")
    assert other.text.startswith("Det kan jeg desværre ikke svare på")
    late = await ask(feature, "og den næste?", at=NOW + timedelta(hours=1))
    assert late.text.startswith("Det kan jeg desværre ikke svare på")


async def test_a_chair_gets_the_next_meetings_focus(feature: QAFeature) -> None:
    reply = await ask(feature, "hvad skal vi drøfte på næste LMU-møde?", user="chair")
    assert reply.text.startswith("Dit næste møde")
    assert "LMU Bostøtten holder møde tirsdag 5. januar kl. 13.00" in str(reply.card)
    assert "2.1 Alle medarbejdere kender" in str(reply.card)
    assert "Fokus: pejlemærke 2, målsætningerne 2.1 og 2.2." in str(reply.card)
    assert "Hvad gør vi allerede i dag, som understøtter målsætning 2.1?" in str(reply.card)


async def test_without_a_committee_the_bot_explains_reminders(feature: QAFeature) -> None:
    reply = await ask(feature, "hvad skal vi drøfte på næste LMU-møde?", user="someone")
    assert "opret udvalg" in reply.text and "tilmeld trio" in reply.text


async def test_a_leader_gets_the_rounds_deadline(feature: QAFeature) -> None:
    reply = await ask(feature, "hvornår er fristen for status?", user="leader")
    assert reply.text.startswith("Statusrunden »Forår 2027« har frist 9. juni 2027.")
    assert "Skriv »status«" in reply.text
    nobody = await ask(feature, "hvornår er fristen for status?", user="someone")
    assert "tilmeld som leder" in nobody.text


async def test_small_talk_is_answered_and_never_logged(feature: QAFeature) -> None:
    for text in ("hej", "tak", "hvem er du?", "er du en robot?", "hvem har lavet dig?"):
        reply = await ask(feature, text)
        assert not reply.text.startswith("Det kan jeg desværre ikke svare på"), text
    assert (await ask(feature, "hvem har lavet dig?")).text.startswith("Jeg er lavet til")
    await ask(feature, "hvad bliver vejret i morgen")
    logged = [row["text"] for row in (await feature.store.all(QUESTION_LOG)).values()]
    assert logged == ["hvad bliver vejret i morgen"]


async def test_another_strategy_gets_a_fallback_that_says_which_strategy(
    feature: QAFeature,
) -> None:
    reply = await ask(feature, "hvad er strategien for Børne- og Familieområdet")
    assert "Jeg kender kun den fælles langsigtede strategi for Socialområdet" in reply.text
    assert "ikke andre områders eller kommuners strategier" in reply.text


async def test_a_term_answer_says_where_the_strategy_uses_it(feature: QAFeature) -> None:
    reply = await ask(feature, "hvor bruges ordet livsmestring?")
    card = str(reply.card)
    assert "Her bruger strategien det" in card
    assert "Nøgleord under pejlemærke 1: Recovery og øget livsmestring" in card


async def test_the_overview_lists_every_maalsaetning(feature: QAFeature) -> None:
    reply = await ask(feature, "kan du opsummere strategien?")
    card = str(reply.card)
    for m in feature.content.strategy.maalsaetninger:
        assert f"{m.id} {m.text}" in card


async def test_a_question_about_what_the_bot_can_do_gets_the_help_card(
    feature: QAFeature,
) -> None:
    """The answerer finds free phrasings of help; the card is the help feature's, for the
    asker, in the language asked."""
    asked: list[tuple[str, str]] = []

    async def show(turn: Turn, language: str) -> Reply:
        asked.append((turn.user_id, language))
        return Reply("help card")

    feature.use_help(show)
    assert await ask(feature, "hvad kan du svare på") == Reply("help card")
    assert await ask(feature, "how do i use you") == Reply("help card")
    assert asked == [("aad-1", "da"), ("aad-1", "en")]
