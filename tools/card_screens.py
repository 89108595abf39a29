"""How tall the status, receipt, report and reminder cards are in the Agents Playground.

``python -m tools.card_screens [--out docs]`` starts the bot (``TEST_CLOCK=1``, Alex Wilber as
the admin, a fresh data directory) and the playground the way :mod:`tools.screenshots` does,
and drives the flows through the playground's web page (headless Chromium, its
:class:`~tools.screenshots.Page`) and its API. For each card it prints the rendered height of
the card (``getBoundingClientRect()`` of the outermost ``.ac-adaptiveCard``) and writes a
screenshot of it:

* ``reminder-card.png``: the chair's reminder, after ``opret udvalg`` and the test clock;
* ``reminder-done.png``: that card after »Sat på dagsordenen« (``Action.Execute``, clicked in
  the page): the same card with who did it and when, and no used-up buttons;
* ``status-card.png``: the leader's status card, first page, as the round sends it;
* ``status-receipt.png``: that card after »Gem status« (``Action.Execute``, clicked in the
  page): replaced in place by the receipt;
* ``admin-report.png``: the admin's report card (``rapport``);
* ``help-roles.png``: ``hjælp`` for someone who is a chair, a leader and an admin: everyone's
  commands, a button per role, the admins' part opened.

In the playground one person (Alex) is at the keyboard, so Alex is the admin, the chair and
the leader here.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from pathlib import Path

from tools.playground import (
    BotProcess,
    PlaygroundClient,
    PlaygroundProcess,
)
from tools.screenshots import Page, scenes_main

COMMITTEE_FORM = {
    "action": "committee_save",
    "committee": "",
    "name": "LMU Bostøtten",
    "kind": "LMU",
    "schedule": "12-01-2027 kl. 13 og 26-01-2027 kl. 13",
    "lead_days": "7",
    "remind_chair": "true",
}
COMMENT = "Vi holder husmøder hver måned, og beboerne sætter selv dagsordenen."
MARGIN = 16  # pixels around a card in its screenshot

# The outermost card (a shown card is a card inside a card) that shows ``text``, or the last
# one: its box in page coordinates once scrolled to the top.
_CARD_BOX = """(text) => {
  const cards = Array.from(document.querySelectorAll('.ac-adaptiveCard'))
    .filter(c => !c.parentElement.closest('.ac-adaptiveCard'))
    .filter(c => !text || (c.innerText || '').includes(text));
  const card = cards[cards.length - 1];
  if (!card) return null;
  card.scrollIntoView({block: 'start'});
  const r = card.getBoundingClientRect();
  return {x: r.left, y: r.top, width: r.width, height: r.height};
}"""
# In the newest card: opens its first choice set and picks the choice showing ``label``
# (the playground draws a drop-down of its own, or a native select box).
_CHOOSE = """async (label) => {
  const cards = Array.from(document.querySelectorAll('.ac-adaptiveCard'))
    .filter(c => !c.parentElement.closest('.ac-adaptiveCard'));
  const card = cards[cards.length - 1];
  if (!card) return 'no card';
  const select = card.querySelector('select');
  if (select) {
    const option = Array.from(select.options).find(o => o.text.includes(label));
    if (!option) return 'no option';
    select.value = option.value;
    select.dispatchEvent(new Event('change', {bubbles: true}));
    return 'ok';
  }
  const box = card.querySelector('[role=combobox], .ac-choiceSetInput-compact, button');
  if (!box) return 'no box: ' + card.innerHTML.slice(0, 1500);
  box.scrollIntoView({block: 'center'});
  box.click();
  await new Promise(r => setTimeout(r, 600));
  const options = Array.from(document.querySelectorAll('[role=option], [role=menuitem]'))
    .filter(o => (o.innerText || '').includes(label));
  if (!options.length) return 'no option: ' + box.outerHTML.slice(0, 800);
  options[0].click();
  return 'ok';
}"""
# In the newest card: clicks the first element showing exactly ``text``.
_CLICK_FIRST = """(text) => {
  const cards = Array.from(document.querySelectorAll('.ac-adaptiveCard'))
    .filter(c => !c.parentElement.closest('.ac-adaptiveCard'));
  const card = cards[cards.length - 1];
  const hit = Array.from(card.querySelectorAll('[role=button], button, .ac-selectable'))
    .find(e => (e.innerText || '').trim() === text);
  if (!hit) return false;
  hit.scrollIntoView({block: 'center'});
  hit.click();
  return true;
}"""
# In the newest card: focuses its first text area.
_FOCUS_FIRST = """() => {
  const cards = Array.from(document.querySelectorAll('.ac-adaptiveCard'))
    .filter(c => !c.parentElement.closest('.ac-adaptiveCard'));
  const area = cards[cards.length - 1].querySelector('textarea');
  if (!area) return false;
  area.scrollIntoView({block: 'center'});
  area.focus();
  return true;
}"""


async def card_box(page: Page, text: str = "") -> dict[str, float]:
    """The box of the newest card (showing ``text``), scrolled into view."""
    box: dict[str, float] | None = await page.run(_CARD_BOX, text)
    if box is None:
        raise RuntimeError(f"no card shows {text!r}")
    return box


async def shoot_card(page: Page, path: Path, text: str = "") -> float:
    """Screenshot of the newest card (showing ``text``), however tall; its height in px.

    The window is made taller than the card first, so the chat's own scrolling never cuts it.
    """
    height = (await card_box(page, text))["height"]
    width, base = page.size
    tall = max(base, int(height) + 400)
    metrics = {"width": width, "height": tall, "deviceScaleFactor": 1, "mobile": False}
    await page.call("Emulation.setDeviceMetricsOverride", metrics)
    await asyncio.sleep(1.0)  # let the page lay out again
    box = await card_box(page, text)
    clip = {
        "x": max(0.0, box["x"] - MARGIN),
        "y": max(0.0, box["y"] - MARGIN),
        "width": box["width"] + 2 * MARGIN,
        "height": box["height"] + 2 * MARGIN,
        "scale": 1,
    }
    data = await page.call("Page.captureScreenshot", {"format": "png", "clip": clip})
    path.write_bytes(base64.b64decode(data["data"]))
    metrics["height"] = base
    await page.call("Emulation.setDeviceMetricsOverride", metrics)
    print(f"{path.name}: {box['height']:.0f} px tall ({box['width']:.0f} px wide)")
    return float(box["height"])


async def take(page: Page, playground: PlaygroundProcess, bot: BotProcess, out: Path) -> None:
    """The scenes: see the module docstring."""
    await page.open(playground.browser_url)
    await page.click("Hide log panel")
    await bot.set_clock("2027-01-04T10:00:00+01:00")
    async with PlaygroundClient(playground.base_url) as client:  # after the page: it sees all
        chat = client.cfg.personal_chat_id
        await client.send(chat, "hej")
        await client.wait_for_messages(chat)

        # The chair's reminder: a committee, and the clock on to its first reminder.
        await client.send(chat, "opret udvalg")
        [form] = await client.wait_for_messages(chat)
        await client.submit(chat, form["id"], COMMITTEE_FORM)
        await client.wait_for_messages(chat)
        await bot.set_clock("2027-01-05T09:00:00+01:00")
        await client.wait_for_messages(chat)
        await page.wait_for("LMU Bostøtten")
        await shoot_card(page, out / "reminder-card.png", "LMU Bostøtten")
        await page.click("Sat på dagsordenen")
        await page.wait_for("Sat på dagsordenen af")
        await shoot_card(page, out / "reminder-done.png", "Sat på dagsordenen af")

        # A round of all 14 målsætninger, with Alex (admin) as the leader of Bostøtte.
        await bot.set_clock("2027-05-25T10:00:00+02:00")
        await client.send(chat, "tilmeld som leder Bostøtte")
        await client.wait_for_messages(chat)
        await client.send(chat, "ny statusrunde")
        [form] = await client.wait_for_messages(chat)
        start = {"action": "round_create", "name": "Forår 2027", "scope": "all", "goals": "",
                 "units": "", "deadline": "2027-06-09"}  # fmt: skip
        await client.submit(chat, form["id"], start)
        await client.wait_for_messages(chat)  # "Statusrunden … er startet" and the card
        await page.wait_for("Status: Forår 2027")
        await shoot_card(page, out / "status-card.png", "Status: Forår 2027")

        # »Gem status« clicked in the page: the card turns into its receipt.
        chosen = await page.run(_CHOOSE, "På sporet")
        if chosen != "ok":
            raise RuntimeError(f"could not choose a status: {chosen}")
        if not await page.run(_CLICK_FIRST, "💬 Kommentar og næste skridt"):
            raise RuntimeError("the status card has no comment to open")
        await asyncio.sleep(0.5)
        if not await page.run(_FOCUS_FIRST):
            raise RuntimeError("the status card has no comment field")
        await page.call("Input.insertText", {"text": COMMENT})
        await page.click("Gem status")
        await page.wait_for("er gemt")
        await client.wait_for_messages(chat)  # the next page
        await shoot_card(page, out / "status-receipt.png", "er gemt")

        # The admin's report.
        await client.send(chat, "rapport")
        await client.wait_for_messages(chat)
        await page.wait_for("Status på strategien")
        await shoot_card(page, out / "admin-report.png", "Status på strategien")

        # Help, as Alex is now: chair, leader and admin; the admins' part opened.
        await client.send(chat, "hjælp")
        await client.wait_for_messages(chat)
        await page.wait_for("For administratorer")
        await page.click("For administratorer")
        await asyncio.sleep(0.5)
        await shoot_card(page, out / "help-roles.png", "For administratorer")


def main(argv: Sequence[str] | None = None) -> int:
    return scenes_main("python -m tools.card_screens", __doc__, take, argv)


if __name__ == "__main__":
    raise SystemExit(main())
