"""Two instances end to end (issue 14): two bot processes on one PostgreSQL database.

Instance B starts first and holds the sender role; instance A serves the Microsoft 365 Agents
Playground, where a chair creates a committee. 300 more committees with the same meeting
are stored, each chair's personal chat at the fake Bot Connector (``bench/postgres.py`` sends
1000). The reminder fan-out starts on B (its job runs at the send time; A's job, run at the
same moment, sends nothing: every reminder is claimed). B is killed with SIGKILL when 40 %
have arrived; A takes over within seconds and sends the rest: every reminder exactly once,
none lost, never more than 30 requests in a second. See ``tools/two_instances.py``;
``bench/postgres.py`` prints the same with and without the kill.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools.two_instances import FanoutPlan, run_two_instances

RECIPIENTS = 300  # at 30 a second: 10 s of sending, enough for a kill and a takeover


async def test_the_sender_is_killed_mid_fan_out_and_the_other_instance_finishes_it(
    tmp_path: Path, postgres_url: str
) -> None:
    if shutil.which("node") is None:
        pytest.fail("Node.js is needed for the Agents Playground (make install)", pytrace=False)
    result = await run_two_instances(
        FanoutPlan(recipients=RECIPIENTS, kill_at=0.4, check_seconds=0.5), tmp_path, postgres_url
    )
    print("\n" + "\n".join(result.lines()))
    assert result.senders_before == (False, True)  # B sends, A serves chat
    assert result.tick_b == {"sent": RECIPIENTS + 1}  # the fan-out started on B …
    assert result.tick_a == {}  # … and A's job at the same moment claimed nothing
    assert 0.4 * RECIPIENTS <= result.delivered_before_kill < RECIPIENTS
    assert result.takeover_seconds is not None and result.takeover_seconds < 5
    assert result.senders_after == (True, False)
    assert result.chair_reminders == 1  # in the Playground, from B or A
    assert (result.delivered, result.lost, result.duplicates) == (RECIPIENTS + 1, 0, 0)
    # Never above the limit: each outbox starts at most 30 sends in any second, and never two
    # senders at once (A's first request comes after B's last by more than a second) ...
    assert result.started_per_second["B"] <= 30 and result.started_per_second["A"] <= 30
    assert result.gap_seconds is not None and result.gap_seconds >= 1.0
    # (the connector's busiest second is printed: arrivals add the send path's jitter, and a
    # loaded machine bunches them; two senders at once would show about 60)
    assert result.max_per_conversation <= 7
    assert result.ledger == {"sent": RECIPIENTS + 1}
    assert result.outbox == {"sent": RECIPIENTS + 1}
    assert result.ok
