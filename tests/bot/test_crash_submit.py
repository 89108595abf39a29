"""SIGKILL while 120 status submissions arrive at once: every confirmed one is on disk.

The bot runs as a process; 30 leaders each submit their status for 4 målsætninger, all at the
same time, each with its own status and a unique comment. Once 40 % are confirmed at the fake
connector ("Tak – din status for … er gemt", sent only after the store write returned) the bot
is killed. The data file, as left on disk and again after a restart on it, must hold every
confirmed submission exactly as submitted, and no answer twice. ``bench/crash.py`` is the
1000-submission version. Both run on TinyDB and on PostgreSQL (the session's throw-away
server: the database after the kill and after the restart must hold the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools.crash import CrashPlan, Submission, check, run_crash

PLAN = CrashPlan(leaders=30, goals=4, kill_at=0.4)


@pytest.mark.parametrize("backend", ["tinydb", "postgresql"])
async def test_every_confirmed_submission_survives_sigkill(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    database_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    result = await run_crash(PLAN, tmp_path, database_url=database_url)
    print("\n" + "\n".join(result.lines()))
    assert result.kill_code == -9
    assert result.sent == 120
    assert 0.4 * 120 <= result.confirmed < result.sent  # killed mid-way
    if backend == "tinydb":
        assert "strategibot.json.lock" in result.left_files  # and it did not stop the restart
        assert result.storage["read_only"] is False
        assert result.temp_files_left == []  # the torn temporary files were removed
    else:
        assert result.storage["backend"] == "postgresql"
    assert result.storage["quarantined"] == []
    for after in (result.after_kill, result.after_restart):
        assert after.lost == 0, after.lost_examples
        assert after.altered == after.duplicates == after.strays == 0
        assert after.present >= result.confirmed
    assert result.after_restart.present == result.after_kill.present
    assert result.ok


def test_the_check_sees_lost_altered_and_doubled_answers() -> None:
    submissions = [
        Submission(1, "1.1", "delvist", "a", "turn-1"),
        Submission(1, "2.3", "delvist", "b", "turn-2"),
        Submission(2, "1.1", "paa_sporet", "c", "turn-3"),
        Submission(3, "1.1", "paa_sporet", "d", "turn-4"),
    ]
    answer = {"maalsaetning": "1.1", "status": "delvist", "comment": "a", "next_step": ""}
    data: dict[str, dict[str, Any]] = {
        "status_rounds": {"r": {}},
        "status_replies": {
            "r|aad-user-1": {"answers": [answer, answer]},  # doubled; 2.3 lost
            "r|aad-user-2": {"answers": [{**answer, "status": "paa_sporet", "comment": "x"}]},
        },
    }
    result = check(data, submissions, {"turn-1", "turn-2", "turn-3"})
    assert result.duplicates == 1
    assert result.present == 1  # 1.1 of leader 1 (twice)
    assert result.lost == 2  # 2.3 of leader 1; 1.1 of leader 2 is altered
    assert result.altered == 1  # leader 2's answer is not what was submitted
    assert result.unconfirmed_present == 0
