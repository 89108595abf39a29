"""Teams-shaped activities for handler tests, and the app's Teams handler to send them to.

:func:`app_services` builds the app as ``create_app`` does (local mode, a ``MemoryStore``);
:func:`run` gives one activity to its handler through botbuilder's ``TestAdapter`` and returns
what the bot answered in the turn.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    Mention,
)

from bot.app import SERVICES, Services, create_app
from bot.settings import Settings
from bot.storage import MemoryStore
from content import Content
from dialogs.store import Store
from scheduler.clock import Clock

BOT = ChannelAccount(id="28:strategibot", name="Strategibot")
USER = ChannelAccount(id="29:user-1", name="Mette Leder", aad_object_id="aad-user-1")
TENANT = "tenant-norddjurs"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"

PERSONAL = ConversationAccount(id="a:personal-1", conversation_type="personal", tenant_id=TENANT)
CHANNEL = ConversationAccount(
    id="19:channel-1@thread.tacv2;messageid=1", conversation_type="channel", tenant_id=TENANT
)
GROUP = ConversationAccount(
    id="19:group-1@thread.v2", conversation_type="groupChat", tenant_id=TENANT
)


def user(n: int, name: str = "") -> ChannelAccount:
    """Another Teams user (``aad-user-<n>``) with a personal chat ``a:personal-<n>``."""
    return ChannelAccount(
        id=f"29:user-{n}", name=name or f"Leder {n}", aad_object_id=f"aad-user-{n}"
    )


def personal(n: int) -> ConversationAccount:
    """The personal chat of user ``n``."""
    return ConversationAccount(id=f"a:personal-{n}", conversation_type="personal", tenant_id=TENANT)


def _base(
    conversation: ConversationAccount, sender: ChannelAccount | None = None, **fields: Any
) -> Activity:
    return Activity(
        channel_id="msteams",
        service_url=SERVICE_URL,
        from_property=sender or USER,
        recipient=BOT,
        conversation=conversation,
        channel_data={"tenant": {"id": TENANT}},
        **fields,
    )


def message(
    text: str,
    conversation: ConversationAccount = PERSONAL,
    mention: bool = False,
    sender: ChannelAccount | None = None,
) -> Activity:
    """A message; with ``mention`` it @mentions the bot as Teams does in channels."""
    entities = []
    if mention:
        tag = f"<at>{BOT.name}</at>"
        text = f"{tag} {text}"
        entities.append(Mention(mentioned=BOT, text=tag, type="mention"))
    return _base(conversation, sender, type="message", text=text, entities=entities)


def submit(
    value: Any, conversation: ConversationAccount = PERSONAL, sender: ChannelAccount | None = None
) -> Activity:
    """An Adaptive Card ``Action.Submit`` click: a message with ``value`` and no text."""
    return _base(conversation, sender, type="message", value=value, reply_to_id="card-1")


def invoke(
    name: str,
    value: Any,
    conversation: ConversationAccount = PERSONAL,
    sender: ChannelAccount | None = None,
) -> Activity:
    """An ``invoke`` (``composeExtension/query``, ``adaptiveCard/action`` …) with ``value``."""
    return _base(conversation, sender, type="invoke", name=name, value=value, reply_to_id="card-1")


def execute(
    data: Any, conversation: ConversationAccount = PERSONAL, sender: ChannelAccount | None = None
) -> Activity:
    """An Adaptive Card ``Action.Execute`` click with ``data`` (its verb is ``data.action``)."""
    verb = data.get("action", "") if isinstance(data, dict) else ""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    return invoke("adaptiveCard/action", value, conversation, sender)


def search(
    text: str | None, conversation: ConversationAccount = GROUP, command: str = "strategien"
) -> Activity:
    """A ``composeExtension/query`` of the message extension (``None``: the initial run)."""
    parameter = (
        {"name": "initialRun", "value": "true"}
        if text is None
        else {"name": "query", "value": text}
    )
    value = {
        "commandId": command,
        "parameters": [parameter],
        "queryOptions": {"skip": 0, "count": 25},
    }
    return invoke("composeExtension/query", value, conversation)


def installation(action: str, conversation: ConversationAccount = PERSONAL) -> Activity:
    """The app installed (``add``) or removed (``remove``) in a conversation."""
    return _base(conversation, type="installationUpdate", action=action)


def bot_added(conversation: ConversationAccount) -> Activity:
    """``conversationUpdate`` saying the bot joined."""
    return _base(conversation, type="conversationUpdate", members_added=[BOT])


def app_services(
    clock: Clock, store: Store | None = None, content: Content | None = None, **settings: Any
) -> Services:
    """The app's services in local mode, with ``settings`` (e.g. ``admins="aad-user-9"``), over
    ``store`` (a new ``MemoryStore`` by default) and ``content`` (loaded anew by default)."""
    app = create_app(Settings(_env_file=None, **settings), store or MemoryStore(), clock, content)
    return app[SERVICES]


async def run(services: Services, activity: Activity) -> list[Activity]:
    """One turn of the app's Teams handler; the activities the bot sent in it."""
    adapter = TestAdapter(template_or_conversation=Activity().deserialize(activity.serialize()))
    await adapter.process_activity(activity, services.bot.on_turn)
    return list(adapter.activity_buffer)


def card_of(activity: Activity) -> dict[str, Any]:
    """The Adaptive Card an activity carries (asserts there is one)."""
    assert activity.attachments, activity.text
    attachment = activity.attachments[0]
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment.content
    return content


# The forms the chat tests fill in most: a round for 2.3 and 1.1, a fortnightly LMU.
ROUND_FORM: dict[str, Any] = {
    "action": "round_create",
    "name": "Efterår 2026",
    "scope": "chosen",
    "goals": "2.3,1.1",
    "units": "",
    "deadline": "2026-12-09",
}
COMMITTEE_FORM: dict[str, Any] = {
    "action": "committee_save",
    "committee": "",
    "name": "LMU Område Ørum",
    "kind": "LMU",
    "schedule": "hver 2. uge tirsdag kl. 13",
    "lead_days": "7",
    "remind_chair": "true",
}


def chat_of(who: ChannelAccount) -> ConversationAccount:
    """The personal chat of ``user(n)``."""
    return personal(int(str(who.id).rsplit("-", 1)[1]))


async def say_as(services: Services, text: str, who: ChannelAccount) -> list[Activity]:
    """``who`` writes ``text`` in their personal chat; the bot's replies."""
    return await run(services, message(text, chat_of(who), sender=who))


async def click_as(
    services: Services, value: dict[str, Any], who: ChannelAccount
) -> list[Activity]:
    """``who`` clicks a card button with ``value`` in their personal chat; the replies."""
    return await run(services, submit(value, chat_of(who), sender=who))
