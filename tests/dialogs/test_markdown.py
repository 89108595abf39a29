"""User text in a card is shown as typed, never as Markdown (issue #13, finding 4).

A leader's comment ``[klik](https://evil.example) **fed** <at>x</at>`` must not become a link,
bold text or a mention in the admin's report card, and neither must a committee's, unit's,
round's or person's name in the cards and messages that show them. The fallback text (not
Markdown) keeps what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from botbuilder.schema import Activity

from bot.app import Services
from content import Content
from dialogs.cards import plain
from dialogs.reminders.cards import trio_request_card
from dialogs.reminders.models import Committee, CommitteeKind, Person
from dialogs.status.cards import SUBMIT, field_id, leader_request_card
from dialogs.status.models import Leader
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import app_services, card_of, run

EVIL = "[klik](https://evil.example) **fed** <at>x</at>"
ESCAPED = r"\[klik\](https://evil.example) \*\*fed\*\* \<at\>x\</at\>"
# Markdown that Teams would act on: a link, emphasis, a tag (a mention), unless escaped.
LIVE = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)\*\*fed|(?<!\\)<at>|(?<!\\)_x_")
BOLD = re.compile(r"(?<!\\)\*\*")  # in cards whose own texts have no bold


def texts_in(element: Any) -> Iterator[str]:
    """Every text of a card that Teams reads as Markdown: TextBlocks and facts."""
    if isinstance(element, dict):
        if element.get("type") == "TextBlock":
            yield str(element.get("text", ""))
        if element.get("type") == "FactSet":
            for fact in element.get("facts", []):
                yield str(fact.get("title", ""))
                yield str(fact.get("value", ""))
        for key, value in element.items():
            if key not in ("fallbackText", "data"):
                yield from texts_in(value)
    elif isinstance(element, list):
        for item in element:
            yield from texts_in(item)


def shown(activities: list[Activity]) -> list[str]:
    """The Markdown of replies: their texts and their cards' texts."""
    found = []
    for activity in activities:
        found.append(str(activity.text or ""))
        if activity.attachments:
            found += list(texts_in(card_of(activity)["body"]))
    return found


def test_plain_escapes_links_emphasis_and_tags() -> None:
    assert plain(EVIL) == ESCAPED
    assert not LIVE.search(plain(EVIL))
    assert plain("- punkt\n1. sal\n# overskrift") == "\\- punkt\n1\\. sal\n\\# overskrift"
    assert plain("LMU Område Ørum (Nord), 2. sal") == "LMU Område Ørum (Nord), 2. sal"


async def test_a_leaders_comment_is_plain_text_in_the_admins_report(
    clock: ManualClock, content: Content
) -> None:
    services = app_services(clock, content=content, admins="aad-user-1")
    admin = teams.user(1, "Mette Leder")
    await run(services, teams.message("tilmeld som leder Bostøtte", sender=admin))
    form = {"action": "round_create", "name": "Runde _x_", "scope": "chosen", "goals": "2.3",
            "units": "", "deadline": "2026-12-09"}  # fmt: skip
    await run(services, teams.submit(form, sender=admin))
    [round_] = await services.status.repository.rounds()
    answer = {"action": SUBMIT, "round": round_.id, "page": 0,
              field_id("status", "2.3"): "delvist", field_id("comment", "2.3"): EVIL,
              field_id("next", "2.3"): EVIL}  # fmt: skip
    [receipt] = await run(services, teams.submit(answer, sender=admin))
    replies = await run(services, teams.message("rapport", sender=admin))
    own = await run(services, teams.message("rapport", sender=teams.user(2)))  # not a leader
    for activity in [receipt, *replies]:
        texts = shown([activity])
        assert any(ESCAPED in text for text in texts), texts
        assert not [text for text in texts if LIVE.search(text)], texts
        fallback = card_of(activity)["fallbackText"]
        assert "[klik](https://evil.example)" in fallback  # plain text: as typed
    title = shown(replies)[1]  # the card's first block (the message text repeats no card text)
    assert "Runde \\_x\\_" in title
    assert own and not LIVE.search(" ".join(shown(own)))


async def test_names_in_the_chairs_and_admins_cards_are_plain_text(content: Content) -> None:
    committee = Committee(
        id="lmu",
        name="LMU [klik](https://evil.example)",
        kind=CommitteeKind.LMU,
        chair=Person(user_id="aad-chair"),
    )
    person = Person(user_id="aad-tr", name=EVIL)
    leader = Leader(user_id="aad-l", name=EVIL, unit="**Bostøtte**")
    for reply in (
        trio_request_card(content.reminders, committee, person),
        leader_request_card(content, leader),
    ):
        assert reply.card is not None
        texts = [reply.text, *texts_in(reply.card["body"])]
        assert not [text for text in texts if LIVE.search(text) or "(?<!\\\\)\\*\\*B" in text]
        assert any(ESCAPED in text for text in texts)


async def test_a_committee_name_is_plain_text_in_messages(services: Services) -> None:
    form = {"action": "committee_save", "committee": "", "name": "LMU **fed** [a](b)",
            "kind": "LMU", "schedule": "hver 2. uge tirsdag kl. 13", "lead_days": "7",
            "remind_chair": "true"}  # fmt: skip
    [saved] = await run(services, teams.submit(form))
    assert str(saved.text).startswith("Udvalget »LMU \\*\\*fed\\*\\* \\[a\\](b)« er gemt")
    [mine] = await run(services, teams.message("mine udvalg"))
    assert not [text for text in shown([mine]) if LIVE.search(text) or "**fed" in text]
