"""Q&A as a conversation, end to end in the Agents Playground: small talk, follow-ups in the
same chat, hedged answers, questions about the asker's own meetings and rounds, and scope.
"""

from __future__ import annotations

import re

from tools.playground import PlaygroundClient

from .chat import COMMITTEE_FORM, ask, button, card, card_texts, first_line, unanswered
from .conftest import E2EStack

CHAIR, NOT_A_CHAIR = "user-id-3", "user-id-4"  # not the current user: shared state stays clean


async def test_a_greeting_gets_a_short_introduction(playground: PlaygroundClient) -> None:
    reply = await ask(playground, playground.cfg.personal_chat_id, "hej")
    assert reply["text"] is not None
    assert reply["text"].startswith("Hej! Jeg er Strategibot")


async def test_who_made_you_is_about_the_bot_not_the_strategy(
    playground: PlaygroundClient,
) -> None:
    chat = playground.cfg.personal_chat_id
    reply = await ask(playground, chat, "hvem har lavet dig?")
    strategy = await ask(playground, chat, "Hvem har lavet strategien?")
    assert reply["text"] is not None
    assert "Jeg er lavet til Socialområdet" in reply["text"]
    fact = (strategy["text"] or "").split("\n\n")[1]  # after the heading
    assert fact.startswith("Strategien er udarbejdet")
    assert fact not in reply["text"]
    assert "udarbejdet" not in reply["text"]


async def test_small_talk_is_never_logged_as_unanswered(
    playground: PlaygroundClient, e2e_stack: E2EStack
) -> None:
    chat = playground.cfg.personal_chat_id
    await ask(playground, chat, "hej")
    await ask(playground, chat, "hvem har lavet dig?")
    control = await ask(playground, chat, "hvem vinder VM i curling")
    assert (control["text"] or "").startswith("Det kan jeg desværre ikke svare på.")

    listing = unanswered(e2e_stack)
    assert "hvem vinder VM i curling" in listing  # the log is read: a fallback is listed
    assert "lavet dig" not in listing
    assert re.search(r"\bhej\b", listing, re.IGNORECASE) is None, listing


async def test_a_follow_up_continues_from_the_last_answer(playground: PlaygroundClient) -> None:
    chat = playground.cfg.personal_chat_id
    first = await ask(playground, chat, "Hvad betyder målsætning 2.3?")
    following = await ask(playground, chat, "hvad med den næste?")
    pejlemaerke = await ask(playground, chat, "og pejlemærket?")
    assert first_line(first).startswith("2.3 ")
    assert first_line(following).startswith("2.4 ")
    assert first_line(pejlemaerke).startswith("Pejlemærke 2")
    await ask(playground, chat, "hvad er de fire pejlemærker")
    last = await ask(playground, chat, "fortæl mere om det sidste")
    assert first_line(last).startswith("Pejlemærke 4")
    under = await ask(playground, chat, "and the first goal under it?")
    assert first_line(under).startswith("Objective 4.1 of the strategy")  # asked in English


async def test_a_question_that_points_back_gets_the_same_answer(
    playground: PlaygroundClient,
) -> None:
    chat = playground.cfg.personal_chat_id
    when = await ask(playground, chat, "hvornår blev strategien godkendt?")
    by_whom = await ask(playground, chat, "af hvem?")
    in_practice = await ask(playground, chat, "Hvad står der i 3.1?")
    again = await ask(playground, chat, "hvordan gør vi det i praksis på et bosted")
    assert first_line(by_whom) == first_line(when)
    assert "Kommunalbestyrelsen" in (by_whom["text"] or "")
    assert first_line(again) == first_line(in_practice)
    assert first_line(again).startswith("3.1 ")


async def test_a_question_that_leans_on_the_previous_answer_is_read_with_it(
    playground: PlaygroundClient,
) -> None:
    chat = playground.cfg.personal_chat_id
    term = await ask(playground, chat, "hvad er komponent")
    when = await ask(playground, chat, "hvornaar lavede de den undersøgelse")
    assert first_line(when) == first_line(term)
    await ask(playground, chat, "hvornår er fristen for status?")
    how_long = await ask(playground, chat, "hvor lang tid har jeg")
    assert (how_long["text"] or "").startswith("Der er ingen åben statusrunde for dig lige nu")
    await ask(playground, chat, "hvad er 4.3")
    past_the_last = await ask(playground, chat, "og den næste?")
    assert first_line(past_the_last).startswith("Der findes ingen målsætning 4.4.")
    thanks = await ask(playground, chat, "cool thx")
    assert (thanks["text"] or "").startswith("Selv tak!")


async def test_an_unsure_answer_says_so_and_offers_a_runner_up(
    playground: PlaygroundClient,
) -> None:
    chat = playground.cfg.personal_chat_id
    # Asked like an example of 3.2 ("kan vi give støtte over video eller i grupper"), but not
    # closely, and the index points elsewhere: a hedge.
    reply = await ask(playground, chat, "kan vi hjælpe borgerne over video")
    assert first_line(reply) == "Jeg tror, du spørger om målsætning 3.2:"
    body = card(reply)["body"]
    also = next(
        i for i, e in enumerate(body) if e["type"] == "TextBlock" and e["text"] == "Mente du måske:"
    )
    assert body[also + 1]["type"] == "ActionSet"
    [runner_up] = body[also + 1]["actions"]
    assert runner_up["data"]["action"] == "ask"
    assert "3.2" not in runner_up["data"]["text"]  # another target than the answer's
    assert button(reply, runner_up["title"]) == runner_up


async def test_a_chair_asks_what_the_next_meeting_is_about(playground: PlaygroundClient) -> None:
    chat = await playground.personal_chat(CHAIR)
    await playground.send(chat, "opret udvalg", user=CHAIR)
    [form] = await playground.wait_for_messages(chat)
    await playground.submit(
        chat, form["id"], {**COMMITTEE_FORM, "name": "LMU Bostøtte"}, user=CHAIR
    )
    [saved] = await playground.wait_for_messages(chat)
    assert (saved["text"] or "").startswith("Udvalget »LMU Bostøtte« er gemt med 2 møder.")

    reply = await ask(playground, chat, "hvad skal vi drøfte på næste LMU-møde?", user=CHAIR)
    assert (reply["text"] or "").startswith("Dit næste møde")
    shown = "\n".join([reply["text"] or "", *card_texts(reply)])
    assert "LMU Bostøtte" in shown
    assert "Fokus: pejlemærke" in shown
    # A follow-up about the meeting gets the same meeting, not a målsætning about talking.
    again = await ask(playground, chat, "og hvad skal vi tale om der?", user=CHAIR)
    assert (again["text"] or "").startswith("Dit næste møde")


async def test_without_a_committee_the_meeting_question_is_explained(
    playground: PlaygroundClient,
) -> None:
    chat = await playground.personal_chat(NOT_A_CHAIR)
    reply = await ask(playground, chat, "hvad skal vi drøfte på næste LMU-møde?", user=NOT_A_CHAIR)
    assert (reply["text"] or "").startswith("Jeg har ikke et møde, hvor du er formand")


async def test_a_status_deadline_without_a_round(playground: PlaygroundClient) -> None:
    reply = await ask(playground, playground.cfg.personal_chat_id, "hvornår er fristen for status?")
    assert (reply["text"] or "").startswith("Der er ingen åben statusrunde for dig lige nu")


async def test_ones_own_status_on_a_numbered_maalsaetning_is_about_the_round(
    playground: PlaygroundClient,
) -> None:
    chat = playground.cfg.personal_chat_id
    reply = await ask(playground, chat, "kan jeg ændre min status på 2.3?")
    assert (reply["text"] or "").startswith("Der er ingen åben statusrunde for dig lige nu")


async def test_a_practice_question_with_an_off_topic_detail_is_answered(
    playground: PlaygroundClient,
) -> None:
    reply = await ask(
        playground,
        playground.cfg.personal_chat_id,
        "en beboer siger at det er vores job, vi får jo løn for det, når vi beder ham tømme "
        "opvaskeren. hvad siger strategien",
    )
    assert first_line(reply) == "Jeg tror, du spørger om målsætning 1.3:"


async def test_another_areas_strategy_is_out_of_scope(playground: PlaygroundClient) -> None:
    reply = await ask(
        playground,
        playground.cfg.personal_chat_id,
        "hvad er strategien for Børne- og Familieområdet",
    )
    assert (reply["text"] or "").startswith(
        "Det kan jeg desværre ikke svare på. Jeg kender kun den fælles langsigtede strategi "
        "for Socialområdet i Norddjurs Kommune – ikke andre"
    )


async def test_a_topic_nobody_has_written_about_is_not_guessed(
    playground: PlaygroundClient,
) -> None:
    reply = await ask(playground, playground.cfg.personal_chat_id, "Hvad siger strategien om kage?")
    assert (reply["text"] or "").startswith("Det kan jeg desværre ikke svare på.")
