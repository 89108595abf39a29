"""Screenshots of the message extension and »Spørg en fagperson« in the Agents Playground.

``python -m tools.screenshots [--out docs]`` starts the bot (``TEST_CLOCK=1``, Alex Wilber as
the admin, a fresh data directory) and the playground, opens the playground's web page in
headless Chromium and uses it as a person would: typing in the compose box, searching with the
message extension, clicking the cards' buttons. Chromium is driven over the DevTools protocol
(:class:`Page`); nothing is downloaded. It writes:

* ``extension-search.png``: »Strategien« searched from a group chat's compose box;
* ``extension-insert.png``: the chosen result sent in the group chat (the official card);
* ``vote.png``: 👍 on an answer, the card showing the vote in place;
* ``expert-ask.png``: an answer the bot could not give, »Spørg en fagperson« opened;
* ``expert-reply.png``: the question in the experts' channel, »Besvar« opened;
* ``expert-channel.png``: the same card once answered and published, changed in place;
* ``expert-answer.png``: the answer in the asker's chat, and the supplementary answer given
  to a similar question later.

In the playground one person (Alex) is at the keyboard, so Alex asks and answers here; the
end-to-end test (``tests/e2e/test_experts.py``) has two users and a channel.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from tools.playground import (
    BotProcess,
    PlaygroundClient,
    PlaygroundProcess,
    ensure_node_modules,
    free_port,
    stop_process_group,
)
from tools.sample_report import chromium

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ALEX_AAD = "00000000-0000-0000-0000-0000000000020"
SIZE = (1280, 1100)
QUESTION = "Hvem betaler for kørsel til dagtilbud?"
NOTE = "Jeg skal svare en pårørende i morgen"
ANSWER = "Kommunen betaler kørslen, når borgeren er visiteret til dagtilbuddet."

# Clicks the last element whose text, aria-label or title is the given text (the newest card).
_CLICK = """(text) => {
  const all = Array.from(document.querySelectorAll(
    'button,[role=button],[role=menuitem],[role=treeitem],[role=option],a,li,.ac-pushButton'));
  const hits = all.filter(e => (e.innerText || '').trim() === text
    || e.getAttribute('aria-label') === text || e.getAttribute('title') === text);
  const el = hits[hits.length - 1];
  if (!el) return false;
  el.scrollIntoView({block: 'center'});
  el.click();
  return true;
}"""
_FOCUS = """(selector) => {
  const all = document.querySelectorAll(selector);
  const el = all[all.length - 1];
  if (!el) return false;
  el.scrollIntoView({block: 'center'});
  el.focus();
  return true;
}"""
# Clicks the innermost element whose text starts with the given text (a search result).
_CLICK_STARTING = """(text) => {
  const all = Array.from(document.querySelectorAll('div,li,span'))
    .filter(e => (e.innerText || '').trim().startsWith(text));
  const el = all[all.length - 1];
  if (!el) return false;
  el.scrollIntoView({block: 'center'});
  el.click();
  return true;
}"""
_SHOWS = "(text) => !!document.body && document.body.innerText.includes(text)"


class Page:
    """One page of headless Chromium, driven over the DevTools protocol."""

    def __init__(self, executable: str, size: tuple[int, int] = SIZE) -> None:
        self.executable = executable
        self.size = size
        self._profile = tempfile.TemporaryDirectory()
        self._proc: subprocess.Popen[bytes] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0

    async def start(self) -> None:
        """Start Chromium and attach to its page."""
        self._proc = subprocess.Popen(
            [self.executable, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-port=0", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={self._profile.name}",
             f"--window-size={self.size[0]},{self.size[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        assert self._proc.stderr is not None
        address = ""
        while not address:
            line = await asyncio.to_thread(self._proc.stderr.readline)
            if not line:
                raise RuntimeError("Chromium exited before its DevTools address was known")
            found = re.search(rb"DevTools listening on ws://[^:]+:(\d+)/", line)
            address = f"http://127.0.0.1:{found.group(1).decode()}" if found else ""
        with urllib.request.urlopen(f"{address}/json/list", timeout=10) as answer:
            targets = json.loads(answer.read())
        [page] = [t for t in targets if t["type"] == "page"]
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self.call("Page.enable")
        width, height = self.size
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        await self.call("Emulation.setDeviceMetricsOverride", metrics)

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            data = json.loads(message.data)
            future = self._pending.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One DevTools command; its result."""
        assert self._ws is not None
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        await self._ws.send_json({"id": self._next, "method": method, "params": params or {}})
        data = await asyncio.wait_for(future, 60)
        if "error" in data:
            raise RuntimeError(f"{method}: {data['error']}")
        result: dict[str, Any] = data.get("result", {})
        return result

    async def run(self, function: str, *args: Any) -> Any:
        """Call a JavaScript function with JSON arguments; its value."""
        expression = f"({function})({', '.join(json.dumps(a) for a in args)})"
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        result = await self.call("Runtime.evaluate", params)
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    async def open(self, url: str) -> None:
        """Go to ``url`` and give the page time to load."""
        await self.call("Page.navigate", {"url": url})
        await self.wait_for("Personal Chat")

    async def wait_for(self, text: str, timeout: float = 20.0) -> None:
        """Wait until the page shows ``text``."""
        for _ in range(int(timeout / 0.25)):
            if await self.run(_SHOWS, text):
                return
            await asyncio.sleep(0.25)
        raise TimeoutError(f"the page never showed {text!r}")

    async def click(self, text: str) -> None:
        """Click the last element named ``text``."""
        if not await self.run(_CLICK, text):
            raise RuntimeError(f"nothing to click named {text!r}")
        await asyncio.sleep(0.8)

    async def click_starting(self, text: str) -> None:
        """Click the innermost element whose text starts with ``text``."""
        if not await self.run(_CLICK_STARTING, text):
            raise RuntimeError(f"nothing to click starting {text!r}")
        await asyncio.sleep(0.8)

    async def type(self, selector: str, text: str, enter: bool = False) -> None:
        """Type ``text`` into the last element matching ``selector`` (and press Enter)."""
        if not await self.run(_FOCUS, selector):
            raise RuntimeError(f"nothing to type into: {selector}")
        await self.call("Input.insertText", {"text": text})
        if enter:
            key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
            await self.call("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r", **key})
            await self.call("Input.dispatchKeyEvent", {"type": "keyUp", **key})
        await asyncio.sleep(0.5)

    async def say(self, text: str) -> None:
        """Type a message in the compose box and send it."""
        await self.type("[role=textbox][contenteditable=true]", text, enter=True)

    async def screenshot(self, path: Path) -> None:
        """Save the page as a PNG."""
        await asyncio.sleep(1.0)  # let the cards render
        data = await self.call("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(data["data"]))
        print(f"wrote {path}")

    async def close(self) -> None:
        """Stop Chromium."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self._proc is not None:
            stop_process_group(self._proc)
        self._profile.cleanup()


async def take(page: Page, playground: PlaygroundProcess, bot: BotProcess, out: Path) -> None:
    """The screenshots: see the module docstring."""
    await page.open(playground.browser_url)
    await page.click("Hide log panel")
    await bot.set_clock("2027-01-05T10:00:00+01:00")
    async with PlaygroundClient(playground.base_url) as client:  # after the page: it sees all
        cfg = client.cfg
        await client.send(cfg.personal_chat_id, "hej")
        await client.send(cfg.channel_id, "tilknyt fagpersoner", mention_bot=True)
        await client.wait_for_messages(cfg.channel_id)

    # The message extension, in the group chat.
    await page.click("Group Chat")
    await page.click("Trigger Message Extension App")
    await page.click("Search Command")
    await page.type("input[placeholder='Enter a search term']", "kerneopgaven")
    await page.wait_for("Nøgleord under pejlemærke")
    await page.screenshot(out / "extension-search.png")
    await page.click_starting("Målsætning 2.1")
    await page.click("Send Message")
    await page.wait_for("Kilde: Fælles langsigtet strategi")
    await page.screenshot(out / "extension-insert.png")

    # 👍 in place, in the personal chat.
    await page.click("Personal Chat")
    await page.say("målsætning 2.3")
    await page.wait_for("Hjalp svaret?")
    await page.click("👍 Ja")
    await page.wait_for("Tak for din vurdering 👍")
    await page.screenshot(out / "vote.png")

    # »Spørg en fagperson«: the asker's side.
    await page.say(QUESTION)
    await page.wait_for("Spørg en fagperson")
    await page.click("Spørg en fagperson")
    await page.type("textarea.ac-textInput, textarea", NOTE)
    await page.screenshot(out / "expert-ask.png")
    await page.click("Send til fagpersonerne")
    await page.wait_for("Dit spørgsmål er sendt til fagpersonerne")

    # The experts' channel: the question's card, answered and published from the card.
    await page.click("My Team - General")
    await page.wait_for("Spørgsmål fra Alex Wilber")
    await page.click("Besvar")
    await page.type("textarea.ac-textInput, textarea", ANSWER)
    await page.run(
        "() => { const t = Array.from(document.querySelectorAll('input[type=checkbox]'));"
        " t[t.length - 1].click(); return true; }"
    )
    await page.screenshot(out / "expert-reply.png")
    await page.click("Send svar")
    await page.wait_for("Besvaret af Alex Wilber")
    await page.screenshot(out / "expert-channel.png")

    # The asker's chat: the answer, then a similar question gets the supplementary answer.
    await page.click("Personal Chat")
    await page.wait_for("Svar fra Alex Wilber")
    await page.say("hvem betaler kørslen til dagtilbuddet?")
    await page.wait_for("ikke en del af strategiteksten")
    await page.screenshot(out / "expert-answer.png")


Scenes = Callable[[Page, PlaygroundProcess, BotProcess, Path], Awaitable[None]]


async def run_scenes(take: Scenes, out: Path) -> None:
    """Start a fresh bot (``TEST_CLOCK=1``, Alex Wilber as the admin, a temporary data
    folder) and the playground, open its page in headless Chromium, and run ``take``."""
    executable = chromium()
    if executable is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    ensure_node_modules(ROOT)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        env = {"DATA_DIR": str(data), "TEST_CLOCK": "1", "ADMINS": ALEX_AAD}
        bot = BotProcess(
            [sys.executable, "-m", "bot"], port=free_port(), cwd=ROOT, env=env,
            log_path=Path(folder) / "bot.log",
        )  # fmt: skip
        with bot, PlaygroundProcess(ROOT, bot.endpoint, log_dir=Path(folder)) as playground:
            page = Page(executable)
            try:
                await page.start()
                await take(page, playground, bot, out)
            finally:
                await page.close()


def scenes_main(
    prog: str, description: str | None, take: Scenes, argv: Sequence[str] | None
) -> int:
    """The command line of a screenshot script: ``--out`` (default ``docs/``)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--out", type=Path, default=DOCS, help="where the PNGs go")
    args = parser.parse_args(argv)
    asyncio.run(run_scenes(take, args.out))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return scenes_main("python -m tools.screenshots", __doc__, take, argv)


if __name__ == "__main__":
    raise SystemExit(main())
