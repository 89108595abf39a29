"""Private data only in private chats: »mine data«, status cards, round overviews with names and
reports with comments are shown only in the personal chat.

Asked in a channel or group chat, the bot says there that it has sent the answer privately, and
sends it through the outbox to the personal chat; without a personal chat it says how to open
one and sends nothing. An admin's ``@Strategibot rapport`` in a channel shows the aggregates
there (counts, response rate, statuses per målsætning: no names, no comments).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.app import Services
from content import Content
from dialogs.intents import Intent, IntentParser
from dialogs.replies import Reply
from dialogs.router import Dispatcher, PrivateChat, Router, Turn
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import ROUND_FORM, app_services, card_of, chat_of, run

ADMIN = teams.user(9, "Admin Andersen")
METTE = teams.user(1, "Mette Leder")
BO = teams.user(2, "Bo Leder")
STRANGER = teams.user(7, "Sanne Uden Chat")
COMMENT = "Hemmelig kommentar om bostøttens ventelister"
PUBLIC = {"channel": teams.CHANNEL, "group chat": teams.GROUP}


@pytest.fixture
def services(clock: ManualClock, content: Content) -> Services:
    return app_services(clock, content=content, admins="aad-user-9")


async def say(
    services: Services, text: str, who: ChannelAccount, where: ConversationAccount | None = None
) -> list[Activity]:
    """``who`` writes ``text`` in their personal chat, or @mentions the bot ``where``."""
    if where is None:
        return await run(services, teams.message(text, chat_of(who), sender=who))
    return await run(services, teams.message(text, where, mention=True, sender=who))


async def click(
    services: Services,
    value: dict[str, Any],
    who: ChannelAccount,
    where: ConversationAccount | None = None,
) -> list[Activity]:
    return await run(services, teams.submit(value, where or chat_of(who), sender=who))


async def queued(services: Services) -> list[dict[str, Any]]:
    """The messages waiting in the outbox, in order."""
    docs = (await services.store.all("outbox")).values()
    return sorted((d for d in docs if d["status"] == "queued"), key=lambda d: d["seq"])


def shown(activities: list[Activity]) -> str:
    """Everything the activities show: text and cards."""
    return "\n".join(
        (a.text or "") + json.dumps([x.content for x in a.attachments or []], ensure_ascii=False)
        for a in activities
    )


async def become_leader(services: Services, who: ChannelAccount, unit: str) -> None:
    """``tilmeld som leder`` and, if the admin must approve it, the admin's approval."""
    await say(services, f"tilmeld som leder {unit}", who)
    leader = await services.status.repository.leader(str(who.aad_object_id))
    if leader is not None and leader.pending:
        approve = {"action": "leader_approve", "user": who.aad_object_id, "unit": unit}
        await click(services, approve, ADMIN)


async def open_round(services: Services) -> str:
    """Mette and Bo are leaders, the admin opens a round, Mette answers with a comment."""
    for who in (METTE, BO, ADMIN):
        await say(services, "hej", who)
    await become_leader(services, METTE, "Bostøtte")
    await become_leader(services, BO, "Botilbud")
    await click(services, ROUND_FORM, ADMIN)
    [round_] = await services.status.repository.rounds()
    answer = {"action": "status_submit", "round": round_.id, "page": 0}
    await click(services, {**answer, "status_2_3": "delvist", "comment_2_3": COMMENT}, METTE)
    await empty_outbox(services)
    return round_.id


async def empty_outbox(services: Services) -> None:
    """Forget the cards and decisions sent so far: only what a test asks for is queued."""
    for key in await services.store.keys("outbox"):
        await services.store.delete("outbox", key)


@pytest.mark.parametrize("where", PUBLIC.values(), ids=PUBLIC.keys())
async def test_my_data_asked_in_public_is_sent_to_the_personal_chat(
    services: Services, content: Content, where: ConversationAccount
) -> None:
    await say(services, "hej", METTE)
    await become_leader(services, METTE, "Bostøtte")
    await empty_outbox(services)
    [notice] = await say(services, "mine data", METTE, where)
    assert notice.text == "Jeg har sendt svaret til dig i vores personlige chat."
    assert not notice.attachments
    [private] = await queued(services)
    assert private["conversation_id"] == "a:personal-1"
    card = private["reply"]["card"]
    assert card["fallbackText"].startswith(content.mydata.title)
    assert "»Bostøtte« (navn: Mette Leder)" in card["fallbackText"]
    assert "aad-user-1" not in json.dumps(await services.store.keys("outbox"))


async def test_without_a_personal_chat_the_bot_says_how_to_open_one_and_sends_nothing(
    services: Services, content: Content
) -> None:
    [notice] = await say(services, "mine data", STRANGER, teams.GROUP)
    assert notice.text == content.mydata.no_personal_chat
    assert "Klik på mit navn og vælg »Chat«" in notice.text
    assert await queued(services) == []
    await say(services, "hej", STRANGER)  # the personal chat is opened
    [notice] = await say(services, "mine data", STRANGER, teams.GROUP)
    assert notice.text == content.mydata.sent_privately
    assert [d["conversation_id"] for d in await queued(services)] == ["a:personal-7"]


@pytest.mark.parametrize(
    ("text", "who", "private"),
    [
        ("status", METTE, "Status: Efterår 2026"),
        ("ret min status", METTE, COMMENT),
        ("rapport", METTE, COMMENT),
        ("slet mine data", METTE, "Dit statussvar til »Efterår 2026«"),
        ("statusrunder", ADMIN, "Bo Leder (Botilbud)"),
        ("rapport", ADMIN, COMMENT),
    ],
)
@pytest.mark.parametrize("where", PUBLIC.values(), ids=PUBLIC.keys())
async def test_private_answers_go_only_to_the_personal_chat(
    services: Services,
    content: Content,
    text: str,
    who: ChannelAccount,
    private: str,
    where: ConversationAccount,
) -> None:
    await open_round(services)
    replies = await say(services, text, who, where)
    assert replies[-1].text == content.mydata.sent_privately
    public = shown(replies)
    for secret in (COMMENT, "Mette Leder", "Bo Leder", "Bostøtte", "Botilbud"):
        assert secret not in public
    personal = f"a:personal-{who.id.rsplit('-', 1)[1]}"
    sent = await queued(services)
    assert {d["conversation_id"] for d in sent} == {personal}
    assert private in json.dumps([d["reply"] for d in sent], ensure_ascii=False)


async def test_a_channel_report_shows_aggregates_and_sends_the_rest_privately(
    services: Services, content: Content
) -> None:
    await open_round(services)
    replies = await say(services, "rapport", ADMIN, teams.CHANNEL)
    *cards, notice = replies
    assert notice.text == content.mydata.sent_privately
    assert cards and all(card_of(r)["fallbackText"] for r in cards)
    public = "\n".join(card_of(r)["fallbackText"] for r in cards)
    assert "Status på strategien for Socialområdet – Efterår 2026" in public
    assert "1 af 2 ledere har svaret (50 %)." in public
    assert "2.3 " in public and "1 af 2 har svaret (50 %)" in public  # per målsætning
    assert "🟢 0   🟡 1   🔴 0   ⚪ 0" in public  # the status distribution
    for secret in (COMMENT, "Mette Leder", "Bo Leder", "Bostøtte", "Botilbud"):
        assert secret not in shown(replies)
    assert content.report.missing not in public and content.report.comments not in public
    private = json.dumps([d["reply"] for d in await queued(services)], ensure_ascii=False)
    assert COMMENT in private and "Bo Leder" in private


async def test_a_leaders_report_in_a_channel_shows_nothing_but_the_notice(
    services: Services, content: Content
) -> None:
    await open_round(services)
    replies = await say(services, "rapport", METTE, teams.CHANNEL)
    assert [r.text for r in replies] == [content.mydata.sent_privately]


async def test_a_status_card_submitted_in_public_is_acknowledged_privately(
    services: Services, content: Content
) -> None:
    round_id = await open_round(services)
    answer = {"action": "status_submit", "round": round_id, "page": 0}
    replies = await click(
        services, {**answer, "status_1_1": "paa_sporet", "comment_1_1": "Ny"}, METTE, teams.GROUP
    )
    assert [r.text for r in replies] == [content.mydata.sent_privately]
    [receipt] = await queued(services)
    assert receipt["conversation_id"] == "a:personal-1"
    assert receipt["reply"]["text"].startswith("Tak – din status for Efterår 2026 er gemt")


async def test_questions_are_still_answered_where_they_are_asked(services: Services) -> None:
    [answer] = await say(services, "hvad er TRIO?", STRANGER, teams.CHANNEL)
    assert "TRIO" in (answer.text or "") and await queued(services) == []


# --------------------------------------------------------------------------- the router


class Recorder:
    """A delivery that records what it is asked to send."""

    def __init__(self, reachable: bool = True) -> None:
        self.can_reach = reachable
        self.sent: list[tuple[str, Reply, str]] = []

    async def send(self, recipient: str, reply: Reply, key: str) -> bool:
        self.sent.append((recipient, reply, key))
        return self.can_reach

    async def reachable(self, user_id: str) -> bool:
        return self.can_reach

    async def refused(self, recipient: str) -> int | None:
        return None

    async def send_to_admins(self, reply: Reply, key: str) -> int:
        return 0


SENT, NO_CHAT = Reply("sent privately"), Reply("open a chat")


def dispatcher(content: Content, delivery: Recorder | None, seen: list[str]) -> Dispatcher:
    async def secret(turn: Turn, intent: Intent) -> list[Reply]:
        seen.append(turn.conversation_kind)
        return [Reply("secret")]

    async def aggregate(turn: Turn, intent: Intent) -> list[Reply]:
        return [Reply("aggregate")]

    async def click_secret(turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        seen.append(turn.conversation_kind)
        return [Reply("secret click")]

    feature = Router("feature")
    feature.on_intent("mine_data", secret, private=True)
    feature.on_intent("rapport", secret, private=True, public=aggregate)
    feature.on_action("peek", click_secret, private=True)
    root = Router("root")
    root.include(feature)  # the marks survive the include
    private = None if delivery is None else PrivateChat(delivery, SENT, NO_CHAT)
    return Dispatcher(
        root,
        IntentParser(content.commands),
        invalid_submit=Reply("invalid"),
        too_long=Reply("too long"),
        private=private,
    )


def turn(text: str, kind: str, value: Mapping[str, Any] | None = None) -> Turn:
    return Turn(text, value, "aad-1", "19:x", kind, False, datetime(2026, 12, 1, 10))


async def test_the_dispatcher_routes_private_replies_in_one_place(content: Content) -> None:
    seen: list[str] = []
    delivery = Recorder()
    d = dispatcher(content, delivery, seen)
    assert await d.dispatch(turn("mine data", "personal")) == ("mine_data", [Reply("secret")])
    assert delivery.sent == []
    assert await d.dispatch(turn("mine data", "groupChat")) == ("mine_data", [SENT])
    assert await d.dispatch(turn("rapport", "channel")) == ("rapport", [Reply("aggregate"), SENT])
    assert await d.dispatch(turn("", "channel", {"action": "peek"})) == ("submit:peek", [SENT])
    assert seen == ["personal"] * 4  # the handlers answer for the personal chat
    assert [(r, reply.text) for r, reply, _ in delivery.sent] == [
        ("user:aad-1", "secret"),
        ("user:aad-1", "secret"),
        ("user:aad-1", "secret click"),
    ]
    keys = [key for *_, key in delivery.sent]
    assert len(set(keys)) == 3 and all("aad-1" not in k for k in keys)


async def test_nothing_runs_when_the_personal_chat_cannot_be_reached(content: Content) -> None:
    seen: list[str] = []
    delivery = Recorder(reachable=False)
    d = dispatcher(content, delivery, seen)
    assert await d.dispatch(turn("mine data", "channel")) == ("mine_data", [NO_CHAT])
    assert await d.dispatch(turn("rapport", "channel")) == (
        "rapport",
        [Reply("aggregate"), NO_CHAT],
    )
    assert seen == [] and delivery.sent == []


async def test_without_a_delivery_private_replies_are_not_shown_in_public(
    content: Content,
) -> None:
    seen: list[str] = []
    d = dispatcher(content, None, seen)
    assert await d.dispatch(turn("mine data", "channel")) == ("mine_data", [])
    assert await d.dispatch(turn("rapport", "channel")) == ("rapport", [Reply("aggregate")])
    assert seen == []


def test_a_public_handler_belongs_to_a_private_route() -> None:
    async def handler(turn: Turn, intent: Intent) -> list[Reply]:
        return []

    with pytest.raises(ValueError, match="not private"):
        Router("r").on_intent("rapport", handler, public=handler)
