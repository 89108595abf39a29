"""Answer quality on a question set: per category, right, fallbacks and answered out-of-scope.

    .venv/bin/python bench/quality.py [--set NAME|FILE]... [--no-examples] [--wrong]

NAME is a set of labelled examples in ``content/data/examples/`` (``dev``, ``a`` … ``g``);
without ``--set``, all of them. The answerer learns phrasings from those examples, so a set is
scored with its own examples left out: the figure is what a new question set of the same kind
would get. A FILE outside that folder is scored against all examples.

Every question goes the way a typed message goes in one chat: the intent parser, then the
answerer with the chat's previous answer (items with ``context`` ask those questions first).
``--no-examples`` scores the index alone, the baseline.

- right: the answer's target is one of the expected ones;
- false fallback: an answerable question got "Det kan jeg desværre ikke svare på", although
  the right answer was offered as a button below it;
- honest fallback: an out-of-scope question got the fallback;
- answered out-of-scope: an out-of-scope question got an answer.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content import load_content  # noqa: E402
from content.loader import DATA_DIR, EXAMPLES  # noqa: E402
from dialogs.qa.answer import Answer, Answerer  # noqa: E402
from dialogs.qa.examples import ExampleIndex  # noqa: E402

OUT_OF_SCOPE = "out_of_scope"


@dataclass
class Tally:
    """Outcomes of one category."""

    total: int = 0
    right: int = 0
    false_fallback: int = 0  # answerable, refused, right answer offered as a button
    fallback: int = 0  # any fallback


def ask(answerer: Answerer, item: dict[str, Any]) -> Answer:
    """The answer to ``item['q']`` after its context questions, in one chat."""
    return answerer.reply_in_chat([*item.get("context", []), item["q"]])


def score(answerer: Answerer, items: list[dict[str, Any]]) -> tuple[dict[str, Tally], list[str]]:
    """Tallies per category and the lines of the wrong answers."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    wrong: list[str] = []
    for item in items:
        expected = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
        answer = ask(answerer, item)
        tally = tallies[item["category"]]
        tally.total += 1
        ok = answer.target in expected
        tally.right += ok
        if answer.kind == "fallback":
            tally.fallback += 1
            if item["category"] != OUT_OF_SCOPE and set(answer.alternatives) & set(expected):
                tally.false_fallback += 1
        if not ok:
            hedge = " (hedged)" if answer.hedged else ""
            wrong.append(
                f"  [{item['category']}] {item['q']!r}: got {answer.target}{hedge}, want {expected}"
            )
    return tallies, wrong


def report(name: str, tallies: dict[str, Tally]) -> None:
    """Print the table and the summary lines against the targets."""
    print(f"\n{name}")
    print(f"{'category':<14} {'n':>4} {'right':>6} {'%':>7} {'false fb':>9} {'fallback':>9}")
    for category in sorted(tallies):
        t = tallies[category]
        print(
            f"{category:<14} {t.total:>4} {t.right:>6} {t.right / t.total:>7.1%} "
            f"{t.false_fallback:>9} {t.fallback:>9}"
        )
    answerable = [t for c, t in tallies.items() if c != OUT_OF_SCOPE]
    n = sum(t.total for t in answerable)
    right = sum(t.right for t in answerable)
    false_fb = sum(t.false_fallback for t in answerable)
    print(f"answerable right        {right}/{n} = {right / n:.1%}   (target ≥ 97 %)")
    if "number" in tallies:
        t = tallies["number"]
        print(f"explicit numbers        {t.right}/{t.total} = {t.right / t.total:.1%}   (100 %)")
    print(f"false fallbacks         {false_fb}/{n} = {false_fb / n:.1%}   (target ≤ 2 %)")
    oos = tallies.get(OUT_OF_SCOPE)
    if oos:
        print(
            f"honest fallback (oos)   {oos.right}/{oos.total} = {oos.right / oos.total:.1%}"
            f"   (target ≥ 95 %)\n"
            f"answered out-of-scope   {oos.total - oos.right}/{oos.total}"
        )


def main() -> None:
    """Score the chosen set(s) and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", help="an examples set (dev, a …) or a YAML file")
    parser.add_argument("--no-examples", action="store_true", help="the index alone")
    parser.add_argument("--wrong", action="store_true", help="list the wrong answers")
    args = parser.parse_args()
    content = load_content()
    sources = sorted({e.source for e in content.examples}, key=lambda s: (s != "dev", s))
    for name in args.set or sources:
        path = DATA_DIR / EXAMPLES / f"{name}.yaml" if name in sources else Path(name)
        started = time.perf_counter()
        examples = ExampleIndex(
            () if args.no_examples else (e for e in content.examples if e.source != name)
        )
        examples.learn()
        answerer = Answerer(content, examples)
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        tallies, wrong = score(answerer, items)
        if args.no_examples:
            learnt = ", the index alone"
        elif name in sources:
            learnt = ", its own examples left out"
        else:
            learnt = ""
        report(
            f"{name}: {path.name}, {len(items)} questions{learnt} "
            f"(examples learnt in {time.perf_counter() - started:.1f} s)",
            tallies,
        )
        if args.wrong:
            print("\nWrong answers:")
            print("\n".join(wrong) or "  none")


if __name__ == "__main__":
    main()
