"""The half-year report as Teams cards, and a leader's own replies.

Teams refuses a card above about 28 KB, so the report is cut into pages: each page is one
:class:`Reply` whose card, serialised as JSON, stays under :data:`MAX_CARD_BYTES`. A
målsætning shows at most :data:`MAX_COMMENTS` comments (fewer when they are long), each cut
to :data:`COMMENT_CHARS` characters; the CSV and HTML export have them all, in full.

Leaders' comments, units, names and round names are Markdown in a card's text: they go in
through :func:`~dialogs.cards.plain`, so a link or formatting in a comment is shown as typed.
The fallback text is not Markdown and has them as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from content.models import Content, Status, StatusTexts, Strategy
from content.report_texts import ReportTexts
from dialogs.cards import bullets, card, heading, label, paragraph, plain
from dialogs.replies import CardJson, Reply
from dialogs.status.models import Answer, Round, StatusReply
from dialogs.status.render import (
    answered_text,
    leader_name,
    mean_text,
    pejlemaerke_title,
    people_sections,
    response_text,
    summary_lines,
    trend_text,
    unit_name,
)
from dialogs.status.report import STATUSES, Entry, MaalsaetningReport, Recipient, Report
from dialogs.text import plural
from scheduler.calendar import format_date

MAX_CARD_BYTES = 28_000  # Teams' limit is about 28 KB per message
PAGE_BYTES = 26_000  # what a page is filled up to, leaving room for its page line
MAX_COMMENTS = 5  # per målsætning in a card
MAX_NAMES = 20  # leaders listed in the summary, per list
OWN_ROUNDS = 3  # latest rounds shown to a leader
COMMENT_CHARS = 250  # a comment in the report card is cut to this; the export has it all
ROW_CHARS = 36  # a målsætning's wording in its row, cut; its details have it in full
FALLBACK_CHARS = 80  # user text in a card's fallback text is cut to this
_SPACE = re.compile(r"\s+")

Element = dict[str, Any]


def card_bytes(card_json: CardJson) -> int:
    """The size Teams counts: the card as (ASCII-escaped) JSON."""
    return len(json.dumps(card_json).encode())


def _flat(text: str) -> str:
    """User text on one line (a newline would break a card's bullet list)."""
    return _SPACE.sub(" ", text).strip()


def _cut(text: str, limit: int | None) -> str:
    text = _flat(text)
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


@dataclass
class _Block:
    """Card elements and their plain-text version, kept together on one page."""

    elements: list[Element]
    lines: list[str]
    pejlemaerke: str = ""  # the heading repeated when the block starts a page
    opens: bool = False  # the block carries its pejlemærke's heading itself


@dataclass(frozen=True)
class _Title:
    """A card's title as Markdown (``shown``) and as plain text (``text``)."""

    shown: str
    text: str


def _page(title: _Title, page_line: str, blocks: Sequence[_Block]) -> CardJson:
    body: list[Element] = [heading(title.shown)]
    lines = [title.text]
    if page_line:
        body.append(paragraph(page_line, subtle=True))
    first = blocks[0] if blocks else None
    if first is not None and first.pejlemaerke and not first.opens:
        body.append(heading(first.pejlemaerke))
        lines.append(first.pejlemaerke)
    for block in blocks:
        body += block.elements
        lines += block.lines
    return card(body, "\n".join(lines))


def _fit(build: Callable[[int], _Block], tries: Sequence[int], title: _Title) -> _Block:
    """The first block from ``build(n)`` for ``n`` in ``tries`` that fits one page alone."""
    for n in tries[:-1]:
        block = build(n)
        if card_bytes(_page(title, "", [block])) <= PAGE_BYTES:
            return block
    return build(tries[-1])


def _paginate(title: _Title, blocks: Sequence[_Block], texts: ReportTexts) -> list[Reply]:
    pages: list[list[_Block]] = []
    current: list[_Block] = []
    for block in blocks:
        if current and card_bytes(_page(title, "", [*current, block])) > PAGE_BYTES:
            pages.append(current)
            current = []
        current.append(block)
    pages.append(current)
    count = len(pages)
    replies = []
    for number, blocks_ in enumerate(pages, start=1):
        page_line = texts.page.format(page=number, pages=count) if count > 1 else ""
        replies.append(Reply(text=title.shown, card=_page(title, page_line, blocks_)))
    return replies


# --------------------------------------------------------------------------- the report


def _folded(text: str, target: str, items: list[Element]) -> list[Element]:
    """``text`` as a line to tap, and ``items`` under it, hidden until it is tapped (no round
    trip: the card stays short, and everything is still in it)."""
    toggle = {"type": "Action.ToggleVisibility", "title": text, "targetElements": [target]}
    return [
        {"type": "Container", "selectAction": toggle, "spacing": "Small",
         "items": [{"type": "TextBlock", "text": text, "color": "Accent", "wrap": True}]},
        {"type": "Container", "id": target, "isVisible": False, "items": items},
    ]  # fmt: skip


def _people(
    title: str,
    people: Sequence[Recipient],
    none: str,
    texts: ReportTexts,
    shown: int,
    target: str,
) -> tuple[list[Element], list[str]]:
    """A titled list of leaders, at most ``shown`` of them and "+ N flere", folded away."""
    if not people:
        line = f"{title}: {none}"
        return [{**paragraph(f"**{title}:** {none}"), "spacing": "Medium"}], [line]
    names = [_flat(leader_name(r, texts)) for r in people[:shown]]
    items: list[Element] = [bullets(plain(n) for n in names)] if names else []
    if len(people) > shown:
        more = texts.more_leaders.format(
            more=plural(len(people) - shown, texts.more_one, texts.more_many)
        )
        items.append(paragraph(more, subtle=True))
        names.append(more)
    heading_ = f"{title} ({len(people)})"
    elements = [label(heading_), *_folded(texts.show_names, target, items)]
    return elements, [heading_, *names]


def _summary_lines(report: Report, texts: ReportTexts) -> tuple[list[str], list[str]]:
    """The summary's lines as Markdown (the rounds' names escaped), and as plain text."""
    previous = report.previous_round
    escaped = replace(report, previous_round=plain(previous) if previous else previous)
    return summary_lines(escaped, texts), summary_lines(report, texts)


def _overall(report: Report) -> dict[Status, int]:
    """Every answer of the round by status."""
    counts = dict.fromkeys(STATUSES, 0)
    for p in report.pejlemaerker:
        for status, count in p.counts.items():
            counts[status] += count
    return counts


def _summary(report: Report, texts: ReportTexts, status_texts: StatusTexts, shown: int) -> _Block:
    """What the report says in one glance: the response and the distribution first, the
    rest of the summary small, and the names folded away."""
    shown_lines, lines = _summary_lines(report, texts)
    answered = answered_text(report, texts)
    distribution = _distribution(_overall(report), status_texts)
    facts = [(texts.summary_response, answered), (texts.summary_distribution, distribution)]
    rest = [line for line in shown_lines if line != answered]
    elements: list[Element] = [
        {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]},
        paragraph("\n\n".join(rest), subtle=True),
    ]
    lines = [answered, *(f"{k}: {v}" for k, v in facts[1:]), *(x for x in lines if x != answered)]
    for number, (title, people, none) in enumerate(people_sections(report, texts)):
        more_elements, more_lines = _people(title, people, none, texts, shown, f"people_{number}")
        elements += more_elements
        lines += more_lines
    elements.append(paragraph(texts.details_hint, subtle=True))
    return _Block(elements, lines)


def _distribution(counts: Mapping[Status, int], status_texts: StatusTexts) -> str:
    return "   ".join(f"{status_texts.statuses[s].emoji} {counts[s]}" for s in STATUSES)


def _plain(text: str) -> str:
    """A card text as a line of the fallback text."""
    return text.replace("**", "").replace("\n\n", " ")


def _comment(
    entry: Entry,
    texts: ReportTexts,
    status_texts: StatusTexts,
    limit: int | None = None,
    markdown: bool = True,
) -> str:
    """One comment: Markdown for the card (the leader's text escaped), or plain text."""
    status = status_texts.statuses[entry.status]
    user = plain if markdown else _as_is
    unit = user(_flat(unit_name(entry.unit, texts)))
    text = f"**{unit}**" if markdown else unit
    text += f" · {status.emoji} {status.label}"
    if entry.late:
        text += f" · _{texts.late_mark}_" if markdown else f" · {texts.late_mark}"
    if entry.comment:
        text += f": {user(_cut(entry.comment, limit))}"
    if entry.next_step:
        text += "\n\n" + texts.next_step.format(text=user(_cut(entry.next_step, limit)))
    return text


def _as_is(text: str) -> str:
    return text


def _goal(
    goal: MaalsaetningReport,
    texts: ReportTexts,
    status_texts: StatusTexts,
    shown: int,
    comments_too: bool = True,
) -> _Block:
    c = texts.columns
    t = trend_text(goal.trend, texts)
    title = f"{goal.id} {goal.text}"
    distribution = _distribution(goal.counts, status_texts)
    facts = [
        (c.response, response_text(goal, texts)),
        (c.mean, mean_text(goal.mean, goal.previous_mean, texts)),
        (c.trend, f"{t.arrow} {t.label}"),
        (c.meetings, str(goal.meetings)),
    ]
    target = "goal_" + goal.id.replace(".", "_")
    row = {
        "type": "ColumnSet", "separator": True,
        "selectAction": {"type": "Action.ToggleVisibility", "targetElements": [target]},
        "columns": [
            {"type": "Column", "width": "stretch", "items": [
                {"type": "TextBlock", "text": f"**{goal.id}** {_cut(goal.text, ROW_CHARS)}"}]},
            {"type": "Column", "width": "auto",
             "items": [{"type": "TextBlock", "text": distribution}]},
        ],
    }  # fmt: skip
    numbers = " · ".join(f"{k}: {v}" for k, v in facts)
    details: list[Element] = [paragraph(goal.text, italic=True), paragraph(numbers, subtle=True)]
    elements: list[Element] = [
        row,
        {"type": "Container", "id": target, "isVisible": False, "items": details},
    ]
    lines = [title, distribution, numbers]
    comments = goal.comments if comments_too else ()
    for entry in comments[:shown]:
        details.append(paragraph(_comment(entry, texts, status_texts, COMMENT_CHARS)))
        short = _comment(entry, texts, status_texts, FALLBACK_CHARS, markdown=False)
        lines.append(_plain(short))
    if len(comments) > shown:
        more = texts.more_comments.format(
            more=plural(len(comments) - shown, texts.more_one, texts.more_many)
        )
        details.append(paragraph(more, subtle=True))
        lines.append(more)
    return _Block(elements, lines)


def report_cards(report: Report, content: Content) -> list[Reply]:
    """The report for an admin as one or more cards (pages), each under 28 KB."""
    return _report_cards(report, content, aggregates_only=False)


def aggregate_cards(report: Report, content: Content) -> list[Reply]:
    """The report as a channel or group chat may see it: counts, response rate, trend and
    status distribution per målsætning; no names (who is missing or cannot be reached) and
    no comments, units or next steps."""
    return _report_cards(report, content, aggregates_only=True)


def _report_cards(report: Report, content: Content, *, aggregates_only: bool) -> list[Reply]:
    texts, status_texts = content.report, content.status
    title = _Title(
        texts.title.format(round=plain(report.round_name)),
        texts.title.format(round=report.round_name),
    )
    tries = list(range(MAX_COMMENTS, -1, -1))
    if aggregates_only:
        shown, lines = _summary_lines(report, texts)
        blocks = [_Block([paragraph("\n\n".join(shown))], lines)]
    else:
        summary = partial(_summary, report, texts, status_texts)
        blocks = [_fit(summary, (MAX_NAMES, 10, 5, 0), title)]
    for p in report.pejlemaerker:
        heading_text = pejlemaerke_title(p, texts)
        counts = _distribution(p.counts, status_texts)
        t = trend_text(p.trend, texts)
        for number, goal in enumerate(p.maalsaetninger):
            if aggregates_only:
                block = _goal(goal, texts, status_texts, 0, comments_too=False)
            else:
                block = _fit(partial(_goal, goal, texts, status_texts), tries, title)
            block.pejlemaerke = heading_text
            if number == 0:
                opening = f"{counts}   {t.arrow} {t.label}"
                block.elements[:0] = [
                    {**heading(heading_text), "separator": True, "spacing": "Large"},
                    {**paragraph(opening, subtle=True), "spacing": "None"},
                ]
                block.lines[:0] = [heading_text, opening]
                block.opens = True
            blocks.append(block)
    return _paginate(title, blocks, texts)


# --------------------------------------------------------------------------- own replies


def _own_round(
    round_: Round,
    reply: StatusReply,
    strategy: Strategy,
    texts: ReportTexts,
    status_texts: StatusTexts,
    limit: int | None,
) -> _Block:
    deadline = format_date(round_.deadline, with_year=True)
    title = texts.own_round.format(round=round_.name, deadline=deadline)
    shown = texts.own_round.format(round=plain(round_.name), deadline=deadline)
    elements: list[Element] = [{**label(shown), "separator": True}]
    lines = [title]
    if reply.late:
        elements.append(paragraph(texts.own_late, subtle=True))
        lines.append(texts.own_late)
    order = {m.id: n for n, m in enumerate(strategy.maalsaetninger)}
    for answer in sorted(reply.answers, key=lambda a: order.get(a.maalsaetning, len(order))):
        goal = strategy.maalsaetning(answer.maalsaetning)
        head = f"**{answer.maalsaetning}** {goal.text if goal else ''}".rstrip()
        elements.append(paragraph(_own_answer(head, answer, texts, status_texts, limit)))
        short = _own_answer(head, answer, texts, status_texts, FALLBACK_CHARS, markdown=False)
        lines.append(_plain(short))
    return _Block(elements, lines)


def _own_answer(
    head: str,
    answer: Answer,
    texts: ReportTexts,
    status_texts: StatusTexts,
    limit: int | None,
    markdown: bool = True,
) -> str:
    """One answer: Markdown for the card (the leader's text escaped), or plain text."""
    user = plain if markdown else _as_is
    status = status_texts.statuses[answer.status]
    text = f"{head}\n\n{status.emoji} {status.label}"
    if answer.comment:
        text += f": {user(_cut(answer.comment, limit))}"
    if answer.next_step:
        text += "\n\n" + texts.next_step.format(text=user(_cut(answer.next_step, limit)))
    return text


def own_replies_card(
    content: Content, rounds: Sequence[Round], replies: Sequence[StatusReply]
) -> Reply:
    """A leader's own replies in the latest rounds (newest first), as one card under 28 KB.

    ``replies`` are the leader's replies; long comments are shortened only when the card
    would otherwise be too big for Teams."""
    texts, status_texts = content.report, content.status
    by_round = {r.round_id: r for r in replies if not r.withdrawn}
    answered = [r for r in sorted(rounds, key=lambda r: (r.opened_at, r.id), reverse=True)
                if r.id in by_round]  # fmt: skip
    title = texts.own_title
    if not answered:
        return Reply(text=title, card=card([heading(title), paragraph(texts.own_none)], title))
    reply = Reply(text=title, card=None)
    for shown, limit in ((OWN_ROUNDS, None), (OWN_ROUNDS, 200), (2, 120), (1, 120), (1, 60)):
        blocks = [
            _own_round(r, by_round[r.id], content.strategy, texts, status_texts, limit)
            for r in answered[:shown]
        ]
        reply = Reply(text=title, card=_page(_Title(title, title), "", blocks))
        if reply.card is not None and card_bytes(reply.card) < MAX_CARD_BYTES:
            break
    return reply
