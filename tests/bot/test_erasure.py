"""What the bot's edge deletes for "slet mine data": the user's messages in the outbox (also one
in flight), their personal chat and their name in other conversations' references; and what the
file store rewrites so that nothing deleted is left on disk."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.conversations import PERSONAL_INDEX, TABLE, ConversationDirectory
from bot.delivery import OutboxDelivery
from bot.outbox import TABLE as OUTBOX
from bot.outbox import Outbox
from bot.storage import MemoryStore, TinyDBStore
from dialogs.erasure import Keep, mentions
from dialogs.reminders.repository import committee_of
from dialogs.replies import Reply
from scheduler.clock import ManualClock
from tests.bot import teams


def test_an_id_is_named_only_whole() -> None:
    assert mentions("announce:r1:aad-1", "aad-1")
    assert mentions("lmu|m1|user:aad-1@2027-01-05T09:00:00+01:00", "aad-1")
    assert mentions('{"user": "aad-1"}', "aad-1")
    assert not mentions("announce:r1:aad-10", "aad-1")
    assert not mentions("announce:r1:xaad-1", "aad-1")
    assert not mentions("anything", "")


def test_the_committee_of_a_reminder_key() -> None:
    assert committee_of("lmu-1a2b3c|20270112T1300|user:aad-1") == "lmu-1a2b3c"
    assert committee_of("reminder:lmu-1a2b3c|m|user:aad-1@2027-01-05T09:00:00+01:00") == (
        "lmu-1a2b3c"
    )
    assert committee_of("deactivated:lmu-1a2b3c:user:aad-1") == "lmu-1a2b3c"
    assert committee_of("trio-request:lmu-1a2b3c:aad-2:2027-01-01T00:00:00+01:00") == ("lmu-1a2b3c")
    assert committee_of("followup:lmu-1a2b3c|m1") == "lmu-1a2b3c"
    for other in ("announce:r1:aad-1", "nudge:r1:aad-1:0", "private:abc", "quarantine:x:aad-9"):
        assert committee_of(other) is None


async def test_the_users_messages_go_also_one_in_flight(clock: ManualClock) -> None:
    store = MemoryStore()
    started, release = asyncio.Event(), asyncio.Event()
    sent: list[str] = []

    async def sender(conversation_id: str, reply: Reply) -> str:
        if reply.text == "slow":
            started.set()
        await release.wait()  # every send is in flight until released
        sent.append(reply.text)
        return "id"

    outbox = Outbox(store, sender, clock=clock)
    await outbox.enqueue("a:mine", Reply("slow"), key="announce:r1:aad-1")
    await outbox.enqueue("a:mine", Reply("queued card"), key="private:1")
    await outbox.enqueue("a:other", Reply("to the admin about aad-1"), key="leader-request:x")
    await outbox.enqueue("a:other", Reply("unrelated"), key="announce:r1:aad-2")
    await outbox.start()
    await asyncio.wait_for(started.wait(), 5)  # the first message is in flight
    removed = await outbox.forget(
        lambda key, doc: doc["conversation_id"] == "a:mine" or mentions(json.dumps(doc), "aad-1")
    )
    assert removed == 3
    release.set()
    await outbox.join()
    await outbox.stop()
    assert sorted(await store.keys(OUTBOX)) == ["announce:r1:aad-2"]  # not even as "sent"
    # The one in flight was sent (and not recorded); the one queued behind it never was.
    assert {"slow", "unrelated"} <= set(sent) and "queued card" not in sent
    await outbox.enqueue("a:mine", Reply("again"), key="announce:r1:aad-1")  # a new message
    assert await store.get(OUTBOX, "announce:r1:aad-1") is not None


async def test_the_personal_chat_and_the_name_in_channels_go(clock: ManualClock) -> None:
    store = MemoryStore()
    directory = ConversationDirectory(store)
    await directory.remember(teams.message("hej"), clock.now())
    await directory.remember(teams.message("hej", teams.GROUP, mention=True), clock.now())
    bo = teams.user(2, "Bo Leder")
    await directory.remember(teams.message("hej", teams.personal(2), sender=bo), clock.now())
    outbox = Outbox(store, lambda c, r: asyncio.sleep(0), conversations=directory, clock=clock)
    delivery = OutboxDelivery(directory, outbox, admins=())
    await delivery.send("user:aad-user-1", Reply("dine data"), "private:1")
    await delivery.send("user:aad-user-2", Reply("Bos data"), "private:2")

    traces = await delivery.erase("aad-user-1", Keep())
    assert {"29:user-1", "Mette Leder", "a:personal-1"} <= traces
    left = json.dumps({t: await store.all(t) for t in (TABLE, PERSONAL_INDEX, OUTBOX)})
    for trace in ("aad-user-1", "29:user-1", "Mette Leder", "a:personal-1", "dine data"):
        assert trace not in left
    group = await directory.get(teams.GROUP.id)
    assert group is not None and group.reference.conversation.id == teams.GROUP.id
    assert await directory.reachable("aad-user-2") and "Bos data" in left


async def test_a_chair_keeps_the_chat_and_the_reminders(clock: ManualClock) -> None:
    store = MemoryStore()
    directory = ConversationDirectory(store)
    await directory.remember(teams.message("hej"), clock.now())
    outbox = Outbox(store, lambda c, r: asyncio.sleep(0), conversations=directory, clock=clock)
    delivery = OutboxDelivery(directory, outbox, admins=())
    reminder = "reminder:lmu|m1|user:aad-user-1@2027-01-05T09:00:00+01:00"
    await delivery.send("user:aad-user-1", Reply("påmindelse"), reminder)
    await delivery.send("user:aad-user-1", Reply("dine data"), "private:1")
    await delivery.erase("aad-user-1", Keep(chat=True, key=lambda k: committee_of(k) == "lmu"))
    assert await store.keys(OUTBOX) == [reminder]
    assert await directory.reachable("aad-user-1")


async def test_no_deleted_bytes_are_left_and_redaction_scrubs_files_kept_aside(
    tmp_path: Path,
) -> None:
    path = tmp_path / "strategibot.json"
    root = tmp_path / "strategibot"
    root.mkdir()
    (root / "status.json").write_bytes(b'{"leaders": {"aad-1": {"name": "Lilla \\u00e6ble')
    store = TinyDBStore(path)  # the unreadable file is kept aside
    await store.put("leaders", "aad-1", {"name": "Lilla æble"})
    await store.put("leaders", "aad-2", {"name": "Bo"})
    await store.delete("leaders", "aad-1")
    assert await store.compact()
    assert await store.redact({"aad-1", "Lilla æble"}) == 1
    for file in tmp_path.rglob("*"):
        if file.is_file():
            raw = file.read_bytes()
            assert b"aad-1" not in raw and "Lilla æble".encode() not in raw, file.name
            assert b"Lilla \\u00e6ble" not in raw, file.name
    assert await store.all("leaders") == {"aad-2": {"name": "Bo"}}
    assert await MemoryStore().compact() and await MemoryStore().redact({"x"}) == 0
    await store.close()
