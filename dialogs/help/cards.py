"""The help card, a how-to answer and the welcome, from the texts in ``content/data``.

The part for everyone is shown at once; each role the user has is one more button that unfolds
its section (``Action.ShowCard``), so the card stays short.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from content.models import Audience, Content, HelpLine, HelpTexts
from dialogs.cards import action_set, card, label, paragraph, submit
from dialogs.intents import Language
from dialogs.replies import Reply

ASK = "ask"  # a button that asks what its text says, as if typed
ROLES: tuple[Audience, ...] = ("chair", "leader", "admin")


def lines_for(content: Content, audience: Audience) -> list[HelpLine]:
    """Every command's lines for ``audience``, in the order of ``intents.yaml``."""
    return [line for c in content.commands for line in c.help if line.audience == audience]


def _facts(lines: Sequence[HelpLine], language: Language) -> dict[str, Any]:
    english = language == "en"
    facts = [
        {"title": line.command_en if english else line.command,
         "value": line.text_en if english else line.text}
        for line in lines
    ]  # fmt: skip
    return {"type": "FactSet", "facts": facts} if facts else {}


def _plain(title: str, lines: Sequence[HelpLine], language: Language) -> list[str]:
    """A section as plain text, for the card's fallback."""
    english = language == "en"
    return [title, *(f"{ln.command_en if english else ln.command}: "
                     f"{ln.text_en if english else ln.text}" for ln in lines)]  # fmt: skip


def texts_of(content: Content, language: Language) -> HelpTexts:
    """The help's own texts in ``language``."""
    return content.messages.en.help if language == "en" else content.messages.da.help


def section_title(texts: HelpTexts, audience: Audience) -> str:
    """The label of a role's section ("For formænd og TRIO")."""
    return str(getattr(texts, audience))


def help_reply(content: Content, roles: Iterable[Audience], language: Language) -> Reply:
    """``hjælp`` for a user with ``roles`` (besides everyone): the title and how to ask as the
    message, then everyone's commands, a few questions to try, and a button per role."""
    t = texts_of(content, language)
    everyone = lines_for(content, "everyone")
    examples = content.messages.da.help_examples if language == "da" else ()
    sections: list[dict[str, Any]] = []
    fallback = [t.title, t.intro, *_plain(t.everyone, everyone, language)]
    for role in ROLES:
        if role not in roles:
            continue
        lines = lines_for(content, role)
        extra = [paragraph(t.admin_cli, subtle=True)] if role == "admin" else []
        title = section_title(t, role)
        inner = {"type": "AdaptiveCard", "body": [_facts(lines, language), *extra]}
        sections.append({"type": "Action.ShowCard", "title": title, "card": inner})
        fallback += _plain(title, lines, language) + ([t.admin_cli] if role == "admin" else [])
    body = [
        label(t.everyone),
        _facts(everyone, language),
        action_set(submit(q, {"action": ASK, "text": q}) for q in examples),
        action_set(sections),
    ]
    return Reply(text=f"{t.title}\n\n{t.intro}", card=card(body, "\n\n".join(fallback)))


def howto_reply(content: Content, explain: str, commands: Sequence[str]) -> Reply:
    """How to use a command: the explanation, and a button for each of ``commands`` (those
    that run as they are, with no name to fill in)."""
    buttons = action_set(submit(c, {"action": ASK, "text": c}) for c in commands)
    if not buttons:
        return Reply(text=explain)
    title = content.messages.da.help.howto_title
    return Reply(text=explain, card=card([buttons], f"{title}\n\n{explain}"))


def welcome_reply(content: Content, personal: bool) -> Reply:
    """The welcome. In the personal chat: what the bot does for everyone, pointing to
    ``hjælp``, with questions to try. In a channel or group chat one plain post that says to
    @mention the bot (a text and a card would be two posts)."""
    da = content.messages.da
    if not personal:
        return Reply(text=da.welcome_group)
    examples = action_set(submit(q, {"action": ASK, "text": q}) for q in da.welcome_examples)
    text = f"{da.welcome_title}\n\n{da.welcome_text}"
    fallback = "\n\n".join([text, *(f"- {q}" for q in da.welcome_examples)])
    return Reply(text=text, card=card([examples], fallback))
