"""Answer quality on the development question set: accuracy per category, as a table.

    .venv/bin/python bench/quality.py [--wrong]

Every question goes the way a typed message goes: the intent parser, then the answerer.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from content import load_content
from dialogs.intents import ASK, IntentParser
from dialogs.qa.answer import Answer, Answerer, answer_for_target

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "questions.yaml"


def main() -> None:
    """Print accuracy per category, answerable vs out-of-scope, and optionally the misses."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wrong", action="store_true", help="list the wrong answers")
    args = parser.parse_args()
    content = load_content()
    answerer = Answerer(content)
    intents = IntentParser(content.commands)

    def respond(text: str) -> Answer:
        intent = intents.parse(text)
        if intent.name == ASK:
            return answerer.answer(intent.text)
        return answer_for_target(f"command:{intent.name}", intent.text)

    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    right: dict[str, list[bool]] = defaultdict(list)
    wrong: list[str] = []
    for item in items:
        expected = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
        got = respond(item["q"]).target
        right[item["category"]].append(got in expected)
        if got not in expected:
            wrong.append(f"  [{item['category']}] {item['q']!r}: got {got}, want {expected}")

    print(f"{'category':<14} {'right':>6} {'of':>4} {'accuracy':>9}")
    for category in sorted(right):
        oks = right[category]
        print(f"{category:<14} {sum(oks):>6} {len(oks):>4} {sum(oks) / len(oks):>9.1%}")
    answerable = [ok for c, oks in right.items() if c != "out_of_scope" for ok in oks]
    oos = right.get("out_of_scope", [])
    print(f"{'answerable':<14} {sum(answerable):>6} {len(answerable):>4} "
          f"{sum(answerable) / len(answerable):>9.1%}   (target ≥ 97 %)")  # fmt: skip
    if oos:
        print(f"{'honest fallback':<14} {sum(oos):>5} {len(oos):>4} {sum(oos) / len(oos):>9.1%}"
              "   (target ≥ 95 %)")  # fmt: skip
    if args.wrong:
        print("\nWrong answers:")
        print("\n".join(wrong) or "  none")


if __name__ == "__main__":
    main()
