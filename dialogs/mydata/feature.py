"""The user's own data: "mine data" shows what is stored, "slet mine data" deletes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from content.models import Content
from dialogs.cards import bullets, card
from dialogs.intents import Intent
from dialogs.reminders.repository import ReminderRepository
from dialogs.replies import Reply
from dialogs.router import Router, Turn
from dialogs.status.cards import DELETE_DATA, delete_confirm
from dialogs.status.repository import StatusRepository
from scheduler.calendar import format_date


class MyDataFeature:
    """Shows and deletes what the bot stores about one user."""

    def __init__(
        self, content: Content, status: StatusRepository, reminders: ReminderRepository
    ) -> None:
        self.content = content
        self.t = content.mydata
        self.status = status
        self.reminders = reminders

    def router(self) -> Router:
        """The routes of this feature."""
        router = Router("mydata")
        router.on_intent("mine_data", self.show)
        router.on_intent("slet_mine_data", self.confirm)
        router.on_action(DELETE_DATA, self.delete)
        return router

    async def _lines(self, user_id: str) -> tuple[list[str], list[str]]:
        """What is stored about the user, and what of it "slet mine data" deletes."""
        t = self.t
        shown: list[str] = []
        deleted: list[str] = []
        leader = await self.status.leader(user_id)
        if leader is not None:
            line = t.leader.format(unit=leader.unit, name=leader.name or "–")
            shown.append(line)
            deleted.append(line)
        rounds = {r.id: r for r in await self.status.rounds()}
        for reply in await self.status.replies():
            if reply.user_id == user_id and reply.round_id in rounds:
                line = t.reply.format(
                    round=rounds[reply.round_id].name,
                    count=len(reply.answers),
                    date=format_date(reply.updated_at.date(), with_year=True),
                )
                shown.append(line)
                deleted.append(line)
        notes = [n for n in await self.status.notes() if n.author == user_id]
        if notes:
            shown.append(t.notes.format(count=len(notes)))
            deleted.append(t.notes_deleted.format(count=len(notes)))
        for committee in await self.reminders.committees():
            if committee.chair.user_id == user_id:
                shown.append(t.chair.format(name=committee.name))
            if any(p.user_id == user_id for p in committee.trio):
                line = t.trio.format(name=committee.name)
                shown.append(line)
                deleted.append(line)
        return shown, deleted

    async def show(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "mine data"."""
        t = self.t
        shown, _ = await self._lines(turn.user_id)
        lines = [*shown, t.chat, t.anonymous]
        body = [bullets(lines), {"type": "TextBlock", "text": t.delete_hint, "wrap": True}]
        return [Reply(text=t.title, card=card(body, "\n".join([t.title, *lines])))]

    async def confirm(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "slet mine data": what will go, and a button to confirm."""
        _, deleted = await self._lines(turn.user_id)
        if not deleted:
            return [Reply(text=self.t.nothing)]
        return [delete_confirm(self.content, deleted)]

    async def delete(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Delete the user's data; withdrawn replies are counted, not kept, in reports."""
        if str(value.get("confirm")).lower() != "true":
            return [Reply(text=self.t.not_confirmed)]
        user = turn.user_id
        await self.status.delete_leader(user)
        for reply in await self.status.replies():
            if reply.user_id == user:
                await self.status.withdraw_reply(reply, turn.now)
        for round_ in await self.status.rounds():
            if user in round_.recipients:
                kept = tuple(k for k in round_.recipients if k != user)
                await self.status.save_round(round_.model_copy(update={"recipients": kept}))
        await self.status.forget_in_ledger(user)
        for note in await self.status.notes():
            if note.author == user:
                await self.status.save_note(note.model_copy(update={"author": ""}))
        chaired = []
        for committee in await self.reminders.committees():
            if any(p.user_id == user for p in committee.trio):
                trio = tuple(p for p in committee.trio if p.user_id != user)
                await self.reminders.save_committee(committee.model_copy(update={"trio": trio}))
            if committee.chair.user_id == user:
                chaired.append(committee.name)
        text = self.t.deleted
        if chaired:
            text += " " + self.t.still_chair.format(names=", ".join(chaired))
        return [Reply(text=text)]
