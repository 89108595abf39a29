"""The help feature: ``hjælp`` by role, how-to answers and the welcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from content.models import Audience, Command, Content
from dialogs.help.cards import help_reply, howto_reply, welcome_reply
from dialogs.intents import HOWTO, Intent, IntentParser, Language
from dialogs.replies import Reply
from dialogs.router import PERSONAL, Router, Turn

HELP = "help"
RoleCheck = Callable[[str], Awaitable[bool]]


async def _nobody(user_id: str) -> bool:
    return False


@dataclass(frozen=True)
class Roles:
    """Whether a user (by Entra ID object id) has a role, asked of the features that know:
    given by the composition root, so help imports no other feature."""

    is_chair: RoleCheck = _nobody  # chairs a committee, or is an approved TRIO member
    is_leader: RoleCheck = _nobody  # a leader an admin has approved


class HelpFeature:
    """Answers ``hjælp``/``help`` with the commands that fit the user, and "hvordan …?"
    about a command with how to use it; gives the welcome."""

    def __init__(self, content: Content, roles: Roles | None = None) -> None:
        self.content = content
        self.roles = roles or Roles()
        self.parser = IntentParser(content.commands)
        self.commands: dict[str, Command] = {c.intent: c for c in content.commands}

    def router(self) -> Router:
        """Open to every sender: help stores nothing, and one Teams did not identify just
        gets everyone's part."""
        router = Router("help")
        router.on_intent(HELP, self.help, open=True)
        router.on_intent(HOWTO, self.howto, open=True)
        return router

    async def audiences(self, turn: Turn) -> set[Audience]:
        """The roles of the turn's user, besides everyone."""
        found: set[Audience] = set()
        if not turn.identified:
            return found
        if await self.roles.is_chair(turn.user_id):
            found.add("chair")
        if await self.roles.is_leader(turn.user_id):
            found.add("leader")
        if turn.is_admin:
            found.add("admin")
        return found

    async def show(self, turn: Turn, language: Language = "da") -> Reply:
        """The help card for the turn's user (also what the Q&A answers to "hvad kan du svare
        på?")."""
        return help_reply(self.content, await self.audiences(turn), language)

    async def help(self, turn: Turn, intent: Intent) -> list[Reply]:
        """``hjælp``; in English when an English alias asked (``help``)."""
        return [await self.show(turn, intent.language)]

    async def howto(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "hvordan opretter jeg et udvalg?": the command's explanation and a button for each
        of its commands that runs as typed (not those that need a name filled in)."""
        command = self.commands[intent.argument]
        runnable = [
            line.command
            for line in command.help
            if self.parser.parse(line.command) == Intent(command.intent, line.command)
        ]
        return [howto_reply(self.content, command.explain, list(dict.fromkeys(runnable)))]

    def welcome(self, conversation_kind: str) -> Reply:
        """The welcome where the bot was just added."""
        return welcome_reply(self.content, conversation_kind == PERSONAL)
