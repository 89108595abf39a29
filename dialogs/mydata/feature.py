"""The user's own data: "mine data" shows what is stored, "slet mine data" deletes it.

Both are private routes: shown only in the personal chat (see :mod:`dialogs.router`).

Deleting means deleted: every key and field that holds the user's id goes, in every table
(here, and through the :class:`~dialogs.erasure.Eraser` of each other holder: the question
log, the outbox and the conversations), and then the store rewrites its files, so no old
bytes of it remain on disk. What stays: a tombstone per withdrawn status reply (a random key,
no person, unit or text) so the report can count it; meeting notes without their author (they
are the meeting's); and, for a committee the user still chairs, the chair and what its
reminders need (the personal chat, their ledger entries and snoozes).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool

from content.models import Content
from dialogs.cards import bullets, card, plain
from dialogs.erasure import Eraser, Keep
from dialogs.intents import Intent
from dialogs.mydata.cards import DELETE_DATA, delete_confirm
from dialogs.privacy import redact_cpr
from dialogs.reminders.repository import ReminderRepository, committee_of
from dialogs.replies import Reply
from dialogs.router import Form, Router, Turn
from dialogs.status.repository import StatusRepository
from dialogs.text import plural
from scheduler.calendar import format_date

log = logging.getLogger(__name__)


class _Confirm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    confirm: StrictBool | str = ""


class MyDataFeature:
    """Shows and deletes what the bot stores about one user."""

    def __init__(
        self,
        content: Content,
        status: StatusRepository,
        reminders: ReminderRepository,
        erasers: Sequence[Eraser] = (),
    ) -> None:
        self.content = content
        self.t = content.mydata
        self.status = status
        self.reminders = reminders
        self.erasers = tuple(erasers)
        self.store = status.store  # one store behind every table

    def router(self) -> Router:
        """The routes of this feature: what is stored is shown only in the personal chat; the
        deletion's answer names nothing stored, and its card is only sent there."""
        router = Router("mydata")
        router.on_intent("mine_data", self.show, private=True)
        router.on_intent("slet_mine_data", self.confirm, private=True)
        form = Form(_Confirm, self.t.not_confirmed)  # the box must be ticked: "true" or true
        router.on_action(DELETE_DATA, self.delete, form=form)
        return router

    async def _lines(self, user_id: str) -> tuple[list[str], list[str]]:
        """What is stored about the user, and what of it "slet mine data" deletes."""
        t = self.t
        shown: list[str] = []
        deleted: list[str] = []
        leader = await self.status.leader(user_id)
        if leader is not None:
            shown_as = t.leader_pending if leader.pending else t.leader
            line = shown_as.format(
                unit=plain(leader.unit), name=plain(redact_cpr(leader.name)) or "–"
            )
            shown.append(line)
            deleted.append(line)
        rounds = {r.id: r for r in await self.status.rounds()}
        for reply in await self.status.replies():
            if reply.user_id == user_id and reply.round_id in rounds:
                line = t.reply.format(
                    round=plain(rounds[reply.round_id].name),
                    count=plural(len(reply.answers), t.goal_one, t.goal_many),
                    date=format_date(reply.updated_at.date(), with_year=True),
                )
                shown.append(line)
                deleted.append(line)
        notes = [n for n in await self.status.notes() if n.author == user_id]
        if notes:
            count = plural(len(notes), t.note_one, t.note_many)
            shown.append(t.notes.format(count=count))
            deleted.append(t.notes_deleted.format(count=count))
        for committee in await self.reminders.committees():
            if committee.chair.user_id == user_id:
                shown.append(t.chair.format(name=plain(committee.name)))
            member = next((p for p in committee.trio if p.user_id == user_id), None)
            if member is not None:
                shown_as = t.trio_pending if member.pending else t.trio
                line = shown_as.format(name=plain(committee.name))
                shown.append(line)
                deleted.append(line)
        for eraser in self.erasers:
            lines = await eraser.held(user_id)
            shown += lines
            deleted += lines
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
        return [delete_confirm(self.t, deleted)]

    async def delete(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Delete the user's data; withdrawn replies are counted, not kept, in reports."""
        if str(value.get("confirm")).lower() != "true":
            return [Reply(text=self.t.not_confirmed)]
        user = turn.user_id
        chaired = [c for c in await self.reminders.committees() if c.chair.user_id == user]
        kept = {c.id for c in chaired}
        keep = Keep(chat=bool(chaired), key=lambda key: committee_of(key) in kept)
        traces = {user} | await self._erase_status(user, turn.now)
        await self._erase_reminders(user, keep)
        for eraser in self.erasers:
            traces |= await eraser.erase(user, keep)
        # Deleted documents are still in the data file's journal (and the snapshot) until it
        # is rewritten: rewrite it now. Never log the user or their text here.
        if not await self.store.compact():
            log.error(
                "slet mine data: the data file was not rewritten; the deleted data stays in "
                "its journal until the next compaction"
            )
        await self.store.redact(traces)
        text = self.t.deleted
        if chaired:
            text += " " + self.t.still_chair.format(names=", ".join(plain(c.name) for c in chaired))
        return [Reply(text=text)]

    async def _erase_status(self, user: str, now: datetime) -> set[str]:
        """Leader record, replies (a tombstone each), rounds' recipients and opener, ledger
        entries and meeting notes' author; returns the name, e-mail and texts deleted."""
        traces: set[str] = set()
        keys = {user}
        leader = await self.status.leader(user)
        if leader is not None:
            traces |= {leader.name, leader.email}
            if leader.email:  # an imported entry for the same person
                keys.add(f"email:{leader.email.lower()}")
        for key in keys:
            await self.status.delete_leader(key)
        for reply in await self.status.replies():
            if reply.user_id == user:
                traces |= {text for a in reply.answers for text in (a.comment, a.next_step)}
                await self.status.withdraw_reply(reply, now)
        for round_ in await self.status.rounds():
            recipients = tuple(k for k in round_.recipients if k not in keys)
            opened_by = "" if round_.opened_by == user else round_.opened_by
            if (recipients, opened_by) != (round_.recipients, round_.opened_by):
                changed = {"recipients": recipients, "opened_by": opened_by}
                await self.status.save_round(round_.model_copy(update=changed))
        for key in keys:
            await self.status.forget_in_ledger(key)
        for note in await self.status.notes():
            if note.author == user:
                await self.status.save_note(note.model_copy(update={"author": ""}))
        return {trace for trace in traces if trace}

    async def _erase_reminders(self, user: str, keep: Keep) -> None:
        """TRIO memberships (approved or asked for), and the ledger entries and snoozes that
        name the user, except those of committees the user still chairs."""
        for committee in await self.reminders.committees():
            if any(p.user_id == user for p in committee.trio):
                trio = tuple(p for p in committee.trio if p.user_id != user)
                await self.reminders.save_committee(committee.model_copy(update={"trio": trio}))
        await self.reminders.forget(user, keep.key)
