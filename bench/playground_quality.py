"""Answer quality through the Agents Playground: a question set typed into Teams' chat.

    .venv/bin/python bench/playground_quality.py FILE [--limit N]

Starts the bot (``python -m bot``, its own temporary data, ``TEST_CLOCK=1``) and the
Microsoft 365 Agents Playground (no limit on turns a second: a person types slower than this
script), and types every question of FILE into the personal chat, its
``context`` questions first, as a user would. Between items the bot's clock moves on 20
minutes, so that no item is read as a follow-up to the one before (the chat forgets its last
answer after 15).

What a reply answers is read off the reply itself: the target in its 👍/👎 buttons, or its
first line (a list, the overview, small talk, one's own meeting or round, help, an unknown
number or the honest fallback). Each item is also answered in process, as
``bench/quality.py`` does, and the two are compared: the figures are the same only if the bot
in Teams answers as the answerer does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content import Content, load_content  # noqa: E402
from dialogs.qa.answer import Answer, Answerer, answer_for_target  # noqa: E402
from dialogs.qa.present import Presenter  # noqa: E402
from tools.playground import (  # noqa: E402
    BotMessage,
    BotProcess,
    PlaygroundClient,
    PlaygroundProcess,
    ensure_node_modules,
    free_port,
)

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=20)  # longer than a follow-up's memory (dialogs/qa/followup.py)
KEYLESS = ("list:pejlemaerker", "list:maalsaetninger", "list:noegleord", "about")


def first_line(text: str | None) -> str:
    return (text or "").split("\n")[0].strip()


def signatures(presenter: Presenter, content: Content) -> list[tuple[str, str]]:
    """(first line, target) of every reply that names no target in its buttons; for lists and
    the overview, (whole text, target)."""
    found: list[tuple[str, str]] = []
    for language in ("da", "en"):
        for target in KEYLESS:
            plain = answer_for_target(target, language=language)
            for answer in (plain, replace(plain, hedged=True)):
                # Lists and the overview share their first line in English: the whole text.
                found.append(((presenter.render(answer).text or "").strip(), target))
        for reason in ("", "scope"):
            fallback = Answer("fallback", language=language, reason=reason)
            found.append((first_line(presenter.render(fallback).text), "fallback"))
    found.append((first_line(presenter.next_meeting(None).text), "own:meeting"))
    found.append((first_line(presenter.open_round(None).text), "own:status"))
    for topic in content.conversation.smalltalk:
        found.append((first_line(topic.reply), "smalltalk"))
    for messages in (content.messages.da, content.messages.en):
        for template in (messages.unknown_maalsaetning, messages.unknown_pejlemaerke):
            found.append((template.split("{ref}")[0].strip(), "unknown"))
    return [(line, target) for line, target in found if line]


def target_of(message: BotMessage, known: list[tuple[str, str]]) -> str:
    """What ``message`` answers: its 👍/👎 buttons' target, or the reply its first line is."""
    for attachment in message.get("attachments") or []:
        for element in attachment.get("content", {}).get("body", []):
            for action in element.get("actions", []):
                data = action.get("data") or {}
                if "target" in data and "helpful" in data:
                    return str(data["target"])
    text = (message.get("text") or "").strip()
    whole = next((target for said, target in known if text == said), None)
    line = first_line(text)
    return whole or next(
        (target for start, target in known if "\n" not in start and line.startswith(start)),
        f"? {line}",
    )


async def run(path: Path, limit: int | None) -> int:
    items: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))[:limit]
    content = load_content()
    answerer = Answerer(content)
    presenter = Presenter(content, answerer)
    known = signatures(presenter, content)
    ensure_node_modules(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        bot = BotProcess(
            [sys.executable, "-m", "bot"],
            port=free_port(),
            cwd=ROOT,
            # A person types slower than this script: no limit on turns a second.
            env={"DATA_DIR": tmp, "TEST_CLOCK": "1", "TURNS_PER_SECOND": "0"},
            log_path=Path(tmp) / "bot.log",
            startup_timeout=120.0,
        ).start()
        playground = PlaygroundProcess(ROOT, bot.endpoint, log_dir=Path(tmp)).start()
        try:
            async with PlaygroundClient(playground.base_url) as client:
                chat = client.cfg.personal_chat_id
                for text in ("hjælp", "help"):  # the help card is the help feature's
                    help_reply = await ask(client, chat, text)
                    known.append((first_line(help_reply.get("text")), "help"))
                return await score(client, bot, chat, items, answerer, known)
        except TimeoutError:
            print((Path(tmp) / "bot.log").read_text()[-4000:])
            raise
        finally:
            playground.stop()
            bot.stop()


async def ask(client: PlaygroundClient, chat: str, text: str) -> BotMessage:
    sent = await client.send(chat, text)
    [reply] = await client.wait_for_messages(sent.conversation_id)
    return reply


async def score(
    client: PlaygroundClient,
    bot: BotProcess,
    chat: str,
    items: list[dict[str, Any]],
    answerer: Answerer,
    known: list[tuple[str, str]],
) -> int:
    answerable = right = oos = honest = agree = 0
    wrong: list[str] = []
    began = time.perf_counter()
    for n, item in enumerate(items):
        await bot.set_clock((START + n * STEP).isoformat())
        for earlier in item.get("context", []):
            await ask(client, chat, earlier)
        reply = await ask(client, chat, item["q"])
        got = target_of(reply, known)
        expected = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
        in_process = answerer.reply_in_chat([*item.get("context", []), item["q"]]).target
        agree += got == in_process
        if item["category"] == "out_of_scope":
            oos += 1
            honest += got == "fallback"
        else:
            answerable += 1
            right += got in expected
        if got not in expected:
            wrong.append(f"  [{item['category']}] {item['q']!r}: got {got}, want {expected}")
    seconds = time.perf_counter() - began
    print(f"{len(items)} items typed into the Agents Playground in {seconds:.0f} s")
    print(f"answerable right        {right}/{answerable} = {right / max(answerable, 1):.1%}")
    print(f"honest fallback (oos)   {honest}/{oos} = {honest / max(oos, 1):.1%}")
    print(f"same answer as in process: {agree}/{len(items)}")
    print("Wrong answers:", *(wrong or ["  none"]), sep="\n")
    return 0 if agree == len(items) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, help="the first N items only")
    args = parser.parse_args()
    return asyncio.run(run(args.file, args.limit))


if __name__ == "__main__":
    sys.exit(main())
