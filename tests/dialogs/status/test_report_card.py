"""The report as Teams cards (pages under 28 KB) and a leader's own replies."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from content import Content
from content.models import Status
from dialogs.replies import Reply
from dialogs.status.models import Leader, Round
from dialogs.status.report import Report, build_report
from dialogs.status.report_card import MAX_COMMENTS, own_replies_card, report_cards
from tests.cards.walk import elements
from tests.dialogs.status import records
from tests.dialogs.status.records import AT
from tools.sample_report import sample

LIMIT = 28_000
# 500 characters heavy in æ, ø and å: the worst case for JSON's \\u escapes.
LONG = ("Ærlig snak på øen får åbnet nye døre. " * 14)[:500]


def size(reply: Reply) -> int:
    assert reply.card is not None
    return len(json.dumps(reply.card).encode())


def texts_of(reply: Reply) -> list[str]:
    """Every text on a card, FactSet facts included, in order."""
    found: list[str] = []

    def walk(element: Any) -> None:
        if isinstance(element, dict):
            if element.get("type") == "TextBlock":
                found.append(element["text"])
            for fact in element.get("facts", ()):
                found.append(f"{fact['title']}: {fact['value']}")
            for value in element.values():
                if isinstance(value, list):
                    for item in value:
                        walk(item)

    walk(reply.card)
    return found


def hidden(card: dict[str, Any]) -> set[str]:
    """The ids of the card's elements hidden until shown."""
    return {e["id"] for e in elements(card) if e.get("isVisible") is False}


def big_report(content: Content, leaders: int = 200, missing: int = 0) -> Report:
    goals = tuple(m.id for m in content.strategy.maalsaetninger)
    people = [
        Leader(user_id=f"aad-{n}", name=f"Leder {n}", unit=content.status.units[n % 8])
        for n in range(leaders + missing)
    ]
    round_ = Round(
        id="big", name="Forår 2027", maalsaetninger=goals,
        recipients=tuple(p.key for p in people), deadline=date(2027, 5, 31), opened_at=AT,
    )  # fmt: skip
    statuses, texts = list(Status), dict.fromkeys(goals, (LONG, LONG))
    replies = [
        records.reply(
            p,
            {g: statuses[(n + i) % 4] for i, g in enumerate(goals)},
            "big",
            late=n % 10 == 0,
            comments=texts,
        )
        for n, p in enumerate(people[:leaders])
    ]
    return build_report(content.strategy, round_, replies, people, [], None, [])


def test_the_sample_report_as_cards(content: Content) -> None:
    report = sample(content).report(content)
    replies = report_cards(report, content)
    assert all(r.text == "Status på strategien for Socialområdet – Forår 2027" for r in replies)
    assert all(r.card and r.card["version"] == "1.5" for r in replies)
    assert all(size(r) < LIMIT for r in replies)
    [card] = [r.card for r in replies]  # one card: the details are folded, not left out
    assert card is not None
    lines = texts_of(replies[0])
    # First what it is about: the response and the distribution, then the rest in small.
    assert lines[:4] == [
        "Status på strategien for Socialområdet – Forår 2027",
        "Svar: 9 af 12 ledere har svaret (75 %).",
        "Fordeling: 🟢 63   🟡 38   🔴 15   ⚪ 10",
        "Svarfrist: 31. maj 2027\n\n1 svar kom efter svarfristen.\n\n"
        "1 svar er trukket tilbage og indgår ikke.\n\n"
        "Udviklingen er sammenlignet med runden Efterår 2026.\n\n"
        "LMU-møder er talt i halvåret 1. januar 2027 – 30. juni 2027.",
    ]
    # Who is missing: counted, the names one tap away.
    start = lines.index("Mangler at svare (3)")
    assert lines[start + 1 : start + 3] == [
        "Vis navne",
        "- Leder K (Aktivitets- og samværstilbud)\n- Leder L (Beskyttet beskæftigelse)\n"
        "- Leder J (Botilbud)",
    ]
    folded = hidden(card)
    assert "people_0" in folded and "people_1" in folded
    start = lines.index("**1.1** Vi taler med og ikke om borgeren og…")  # one short line
    assert lines[start - 2 : start] == [
        "Pejlemærke 1: Borgeren først",
        "🟢 19   🟡 10   🔴 4   ⚪ 3   ↑ bedre",
    ]
    assert lines[start + 1 : start + 4] == [
        "🟢 4   🟡 3   🔴 1   ⚪ 1",  # the row: the start of the wording, and the distribution
        "_Vi taler med og ikke om borgeren og kommunikerer i øjenhøjde_",  # tapped: in full
        "Svar: 9 af 12 har svaret (75 %) · Gennemsnit 0–2: 1,4 (forrige runde: 1,2) · "
        "Udvikling: ↑ bedre · LMU-møder: 2",
    ]
    assert lines[start + 4] == (
        "**Bostøtte** · 🟢 På sporet: Borgerne er med til husmøderne hver måned."
        "\n\nNæste skridt: Fælles dagsorden med beboerne."
    )
    # Every målsætning's details are hidden until its row is tapped, and the row toggles them.
    goals = [m.id.replace(".", "_") for m in report.maalsaetninger]
    assert {f"goal_{g}" for g in goals} <= folded
    toggled = {t for e in elements(card) if e.get("type") == "Action.ToggleVisibility"
               for t in e["targetElements"]}  # fmt: skip
    assert toggled == folded
    late = next(line for line in lines if line.startswith("**Bostøtte** · 🟢 På sporet · _for"))
    assert late.endswith("_for sent_: Kompetenceplan for 2027 er lavet sammen med TRIO.")
    fallback = "".join(r.card["fallbackText"] for r in replies if r.card)
    assert "Pårørendecaféen er i gang" in fallback


def test_a_round_without_leaders_says_so_and_not_that_all_have_answered(
    content: Content,
) -> None:
    report = big_report(content, leaders=0)
    [reply] = report_cards(report, content)
    lines = texts_of(reply)
    assert lines[1] == "Svar: Ingen ledere er med i runden, så der er ingen svar endnu."
    assert not any("af 0" in line or "Alle har svaret" in line for line in lines)


def test_one_leader_is_one_leader(content: Content) -> None:
    report = big_report(content, leaders=1)
    lines = texts_of(report_cards(report, content)[0])
    assert "Svar: 1 af 1 leder har svaret (100 %)." in lines


def test_a_big_report_is_split_into_pages_under_28_kb(content: Content) -> None:
    replies = report_cards(big_report(content), content)
    sizes = [size(r) for r in replies]
    assert len(replies) > 2
    assert max(sizes) < LIMIT, sizes
    lines = [texts_of(r) for r in replies]
    assert lines[0][1] == f"Side 1 af {len(replies)}"
    assert lines[-1][1] == f"Side {len(replies)} af {len(replies)}"
    every = [line for page in lines for line in page]
    for goal in content.strategy.maalsaetninger:
        assert every.count(f"_{goal.text}_") == 1  # the official wording, once, in full
    more = [line for line in every if line.endswith("flere i eksporten")]
    assert len(more) == 14
    shown = [200 - int(line.split()[1]) for line in more]
    assert all(1 <= n <= MAX_COMMENTS for n in shown)
    # Comments are cut short in the card; the export has them in full.
    comments = [line for line in every if line.startswith("**Administration og ledelse** · ")]
    assert comments and all("…" in line and LONG not in line for line in comments)
    # A page that starts inside a pejlemærke repeats its heading.
    for page in lines[1:]:
        assert page[2].startswith("Pejlemærke ")


def test_long_lists_of_leaders_are_cut(content: Content) -> None:
    replies = report_cards(big_report(content, leaders=1, missing=150), content)
    lines = texts_of(replies[0])
    start = lines.index("Mangler at svare (150)")
    show, names, more = lines[start + 1 : start + 4]
    assert show == "Vis navne"
    assert names.startswith("- Leder 7 (Administration og ledelse)\n- Leder 15 (Admin")
    assert names.count("- Leder ") == 20
    assert more == "+ 130 flere"
    assert lines[start + 4 : start + 8] == [
        "Ikke nået (appen er ikke installeret) (150)", show, names, more,
    ]  # fmt: skip
    assert all(size(r) < LIMIT for r in replies)


def test_own_replies_newest_round_first(content: Content) -> None:
    data = sample(content)
    rounds = [data.round, data.previous[0]]
    mine = [r for r in (*data.replies, *data.previous[1]) if r.user_id == "aad-2"]
    reply = own_replies_card(content, rounds, mine)
    assert reply.text == "Dine statussvar"
    assert size(reply) < LIMIT
    lines = texts_of(reply)
    assert lines[0] == "Dine statussvar"
    rounds_shown = [line for line in lines if "– svarfrist" in line]
    assert rounds_shown == [
        "Forår 2027 – svarfrist 31. maj 2027",
        "Efterår 2026 – svarfrist 30. november 2026",
    ]
    assert lines[2].startswith("**1.1** Vi taler med og ikke om borgeren")
    assert "**1.2** Vi har fælles redskaber" in lines[3] and lines[3].endswith(
        "🟡 Delvist: Pårørendecaféen er i gang; få kommer endnu."
        "\n\nNæste skridt: Invitation via borgerne."
    )
    assert "Pårørendecaféen er i gang" in reply.card["fallbackText"]  # type: ignore[index]


def test_own_late_reply_and_no_replies(content: Content) -> None:
    data = sample(content)
    late = [r for r in data.replies if r.user_id == "aad-8"]
    lines = texts_of(own_replies_card(content, [data.round], late))
    assert lines[1:3] == ["Forår 2027 – svarfrist 31. maj 2027", "Svaret kom efter svarfristen."]
    none = own_replies_card(content, [data.round], [])
    assert texts_of(none) == ["Dine statussvar", "Du har ikke svaret på en statusrunde endnu."]


@pytest.mark.parametrize("rounds", [1, 3, 5])
def test_own_replies_with_long_comments_fit_one_card(content: Content, rounds: int) -> None:
    goals = [m.id for m in content.strategy.maalsaetninger]
    made = [
        Round(
            id=f"r{n}",
            name=f"Runde {n}",
            maalsaetninger=tuple(goals),
            recipients=("aad-1",),
            deadline=date(2027, 5, 31) - timedelta(days=182 * n),
            opened_at=AT - timedelta(days=182 * n),
        )
        for n in range(rounds)
    ]
    texts = dict.fromkeys(goals, (LONG, LONG))
    partly = dict.fromkeys(goals, Status.PARTLY)
    mine = [records.reply("aad-1", partly, r.id, unit="Bostøtte", comments=texts) for r in made]
    card = own_replies_card(content, made, mine)
    assert size(card) < LIMIT
    lines = texts_of(card)
    assert "Runde 0 – svarfrist 31. maj 2027" in lines  # the newest is always shown
    assert sum(line.startswith("**2.3**") for line in lines) >= 1
