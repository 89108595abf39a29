"""Every Adaptive Card the bot sends, by name, and Microsoft's renderer as their validator.

A feature that sends a new kind of card adds a *card source*: a function from the content to
``(name, card)`` pairs, registered with :func:`card_source`. ``tests/cards/test_cards.py``
renders all of them and checks them in one run of ``tools/validate_cards.js``::

    @card_source
    def reminder_cards(content: Content) -> Iterator[tuple[str, Reply | CardJson | None]]:
        yield "reminder/lmu", ReminderPresenter(content).reminder(...)
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from content import Content
from dialogs.qa.answer import Answer, Answerer, answer_for_target
from dialogs.qa.present import Presenter
from dialogs.reminders.service import NextMeeting
from dialogs.replies import CardJson, Reply
from dialogs.status.service import OpenRound

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "tools" / "validate_cards.js"

CardItem = tuple[str, Reply | CardJson | None]
CardSource = Callable[[Content], Iterable[CardItem]]
CARD_SOURCES: list[CardSource] = []

# One question per kind of answer and variant; names are "<kind>/<variant>".
QA_QUESTIONS = {
    "maalsaetning/da": "målsætning 2.3",
    "maalsaetning/en": "What does objective 2.3 mean?",
    "pejlemaerke/da": "pejlemærke 3",
    "pejlemaerke/en": "What is guiding principle 2?",
    "noegleord/da": "borgerinddragelse",
    "term/da": "hvad betyder recovery?",
    "term/general": "hvad er TRIO?",
    "term/with-alternatives": "social kapital",
    "term/en": "What does recovery mean?",
    "fact/da": "hvornår blev strategien godkendt?",
    "fact/en": "When was the strategy approved?",
    "section/da": "tværgående samarbejde",
    "list_pejlemaerker/da": "hvilke pejlemærker er der",
    "list_pejlemaerker/en": "list the guiding principles",
    "list_maalsaetninger/da": "hvilke målsætninger er der",
    "list_maalsaetninger/en": "list all objectives",
    "about/da": "hvad er strategien",
    "list_noegleord/da": "hvad er nøgleordene",
    "smalltalk/greeting": "hej",
    "smalltalk/thanks": "tak for hjælpen",
    "own/meeting": "hvad skal vi drøfte på vores næste møde",
    "own/status": "hvornår er fristen for status",
    "term/used-in": "hvad er livsmestring",
    "fallback/scope": "hvad er strategien for Børne- og Familieområdet",
    "unknown/maalsaetning": "målsætning 5.2",
    "unknown/pejlemaerke": "pejlemærke 7",
    "unknown/en": "objective 9.9",
    "fallback/suggestions": "hvad er status på min sag",
    "fallback/no-suggestions": "hvad bliver vejret i morgen",
    "fallback/en": "what is the weather tomorrow?",
    "fallback/en-suggestions": "what keyword is co-creation",
}
# Commands answer through answer_for_target, as dialogs/qa/feature.py does.
QA_COMMANDS = {
    "command/list_pejlemaerker": "command:list_pejlemaerker",
    "command/list_maalsaetninger": "command:list_maalsaetninger",
    "command/about": "command:about",
}


def card_source(source: CardSource) -> CardSource:
    """Register ``source`` so its cards are validated with all the others."""
    CARD_SOURCES.append(source)
    return source


def qa_answers(content: Content) -> dict[str, Answer]:
    """The Q&A answers whose cards are checked, by name."""
    answerer = Answerer(content)
    answers = {name: answerer.answer(question) for name, question in QA_QUESTIONS.items()}
    for name, target in QA_COMMANDS.items():
        answers[name] = answer_for_target(target, target.partition(":")[2])
    # A hedged answer, built directly: which question gets one depends on the examples.
    answers["maalsaetning/hedged"] = Answer(
        "maalsaetning", "3.2", hedged=True, alternatives=("term:tilbudsvifte",)
    )
    return answers


@card_source
def qa_cards(content: Content) -> Iterator[CardItem]:
    """Every kind of answer, and the welcome card."""
    presenter = Presenter(content, Answerer(content))
    for name, answer in qa_answers(content).items():
        yield f"answer/{name}", presenter.render(answer)
    yield (
        "own/next-meeting",
        presenter.next_meeting(
            NextMeeting("LMU Bostøtten", "tirsdag 14. januar kl. 13.00", 2, ("2.1", "2.2"))
        ),
    )
    yield "own/open-round", presenter.open_round(OpenRound("Forår 2027", "9. juni 2027", False))


@card_source
def help_cards(content: Content) -> Iterator[CardItem]:
    """``hjælp`` for every role in both languages, a how-to answer, and the welcome."""
    from dialogs.help.cards import help_reply, howto_reply, welcome_reply

    for language in ("da", "en"):
        yield f"help/everyone/{language}", help_reply(content, (), language)
        yield (
            f"help/all-roles/{language}",
            help_reply(content, ("chair", "leader", "admin"), language),
        )
    yield "help/howto", howto_reply(content, "Skriv »opret udvalg«.", ["opret udvalg"])
    yield "welcome", welcome_reply(content, personal=True)


def all_cards(content: Content) -> dict[str, CardJson]:
    """Every card of every registered source, by name (replies without a card are left out)."""
    cards: dict[str, CardJson] = {}
    for source in CARD_SOURCES:
        for name, item in source(content):
            card = item.card if isinstance(item, Reply) else item
            if card is None:
                continue
            if name in cards:
                raise ValueError(f"two cards are named {name!r}")
            cards[name] = card
    return cards


def validate_cards(cards: Mapping[str, CardJson]) -> dict[str, list[str]]:
    """Problems per card from Microsoft's renderer library (``tools/validate_cards.js``).

    Needs Node.js and ``npm ci`` (``adaptivecards``, ``jsdom``); one process for all cards.
    """
    result = subprocess.run(
        ["node", str(VALIDATOR)],
        input=json.dumps(cards, ensure_ascii=False),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"validate_cards.js failed: {result.stderr.strip()}")
    report: dict[str, list[str]] = json.loads(result.stdout)
    return report


@card_source
def reminder_cards(content: Content) -> Iterator[CardItem]:
    """The meeting reminder (LMU, and OMU with its LMU summary) and the committee forms."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from dialogs.reminders.cards import (
        committee_form,
        delete_card,
        moved_form,
        reminder_reply,
        state_card,
    )
    from dialogs.reminders.focus import rotation
    from dialogs.reminders.models import Committee, Meeting, Person

    tz = ZoneInfo("Europe/Copenhagen")
    lmu = Committee(id="lmu", name="LMU Område Ørum", kind="LMU", chair=Person(user_id="a"))
    omu = lmu.model_copy(update={"id": "omu", "name": "OMU", "kind": "OMU"})
    meeting = Meeting(id="m1", committee_id="lmu", start=datetime(2027, 1, 19, 13, tzinfo=tz))
    focus = rotation([meeting], content.strategy, content.reminders)["m1"]
    yield "reminder/lmu", reminder_reply(content, lmu, meeting, focus, "user:a")
    summary = (content.reminders.omu_summary.format(acked=3, total="5 LMU'er"),)
    yield "reminder/omu", reminder_reply(content, omu, meeting, focus, "user:a", summary)
    now = datetime(2027, 1, 19, 11, tzinfo=tz)
    yield (
        "reminder/no-snooze",
        reminder_reply(content, lmu, meeting, focus, "user:a", snooze=None, now=now, tz=tz),
    )
    done = "✔ Sat på dagsordenen af Megan Bowen tirsdag 19. januar kl. 9.12."
    yield (
        "reminder/acknowledged",
        reminder_reply(
            content, lmu, meeting, focus, "user:a", snooze=None, ack=False, done=done, tz=tz
        ),
    )
    yield "committee/delete", delete_card(content.reminders, lmu, 2)
    yield "committee/deleted", state_card(content.reminders.delete_gone)
    yield "committee/new", committee_form(content.reminders, None)
    yield "committee/edit", committee_form(content.reminders, lmu, "hver 2. uge tirsdag kl. 13")
    yield "meeting/moved", moved_form(content.reminders, lmu, meeting, tz)


@card_source
def approval_cards(content: Content) -> Iterator[CardItem]:
    """The requests to approve a leader (to the admins) and a TRIO member (to the chair)."""
    from datetime import UTC, datetime

    from dialogs.reminders.cards import trio_request_card
    from dialogs.reminders.models import Committee, Person
    from dialogs.status.cards import leader_request_card
    from dialogs.status.models import Leader

    since = datetime(2027, 1, 4, 9, tzinfo=UTC)
    leader = Leader(user_id="a", name="Karen Hansen", unit="Botilbud Nord", pending_since=since)
    yield "approval/leader", leader_request_card(content, leader)
    lmu = Committee(id="lmu", name="LMU Ørum", kind="LMU", chair=Person(user_id="c"))
    person = Person(user_id="a", name="Karen Hansen", pending_since=since)
    yield "approval/trio", trio_request_card(content.reminders, lmu, person)


@card_source
def report_card_items(content: Content) -> Iterator[CardItem]:
    """The half-year report (the README's sample, and a report too big for one card) and a
    leader's own replies."""
    from dialogs.status.report_card import own_replies_card, report_cards
    from tests.dialogs.status.test_report_card import big_report
    from tools.sample_report import sample

    data = sample(content)
    for number, reply in enumerate(report_cards(data.report(content), content), start=1):
        yield f"report/sample/{number}", reply
    for number, reply in enumerate(report_cards(big_report(content), content), start=1):
        yield f"report/big/{number}", reply
    rounds = [data.round, data.previous[0]]
    mine = [r for r in (*data.replies, *data.previous[1]) if r.user_id == "aad-8"]
    yield "report/own", own_replies_card(content, rounds, mine)
    yield "report/own-none", own_replies_card(content, rounds, [])


@card_source
def extension_and_expert_cards(content: Content) -> Iterator[CardItem]:
    """The message extension's cards, an answer after a vote (with »Spørg en fagperson«) and
    every card of »Spørg en fagperson«."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from dialogs.experts.cards import ExpertCards
    from dialogs.experts.models import Question, Supplement
    from dialogs.qa.search import Search

    tz = ZoneInfo("Europe/Copenhagen")
    answerer = Answerer(content)
    presenter = Presenter(content, answerer)
    search = Search(content, answerer, presenter)
    for query in ("", "2.3", "TRIO", "hvornår blev strategien godkendt", "målsætninger"):
        for preview in search.search(query, 3):
            yield f"search/{preview.target}", preview.card
    yield "search/about", search.preview("about").card
    yield "search/section", search.preview("section:samarbejde").card
    yield "search/noegleord", search.preview("noegleord:inddragelse").card
    experts = ExpertCards(content, tz)
    offer = experts.offer("Hvem betaler for kørsel?", "maalsaetning:2.3")
    answer = answerer.answer("målsætning 2.3")
    yield "vote/up", presenter.voted(answer, "Tak for din vurdering 👍 – Alex, 1. dec. kl. 10.15")
    yield "vote/down-ask-expert", presenter.voted(answer, "Tak 👎", offer)
    fallback = presenter.render(answerer.answer("hvad bliver vejret i morgen"))
    assert fallback.card is not None
    yield "fallback/ask-expert", {**fallback.card, "body": [*fallback.card["body"], *offer]}
    asked = datetime(2026, 12, 1, 10, 15, tzinfo=tz)
    question = Question(
        id="q1", asker="a", asker_name="Alex Wilber", text="Hvem betaler for kørsel?",
        note="Til en borger i bostøtten", attempted="fallback", asked_at=asked,
    )  # fmt: skip
    answered = question.model_copy(
        update={"state": "answered", "answer": "Kommunen.", "expert_id": "b",
                "expert_name": "Bo Berg", "handled_at": asked}
    )  # fmt: skip
    published = answered.model_copy(
        update={"supplement": "s1", "published_by": "Bo Berg", "published_at": asked}
    )
    closed = question.model_copy(
        update={"state": "closed", "expert_name": "Bo Berg", "handled_at": asked}
    )
    yield "experts/question/open", experts.question(question, "Botten kunne ikke svare.")
    yield "experts/question/answered", experts.question(answered, "Botten kunne ikke svare.")
    yield "experts/question/published", experts.question(published, "Botten svarede.")
    yield "experts/question/closed", experts.question(closed, "Botten kunne ikke svare.")
    yield "experts/answer", experts.answer(answered)
    supplement = Supplement(
        id="s1", question_id="q1", question=question.text, answer="Kommunen.",
        expert_name="Bo Berg", answered_at=asked, published_at=asked,
    )  # fmt: skip
    yield "experts/supplement", experts.supplement(supplement)
    yield "experts/supplements", experts.supplements([supplement], "Trukket tilbage.")
    yield "experts/supplements-none", experts.supplements([])
    yield "experts/digest", experts.digest([question], 7)
