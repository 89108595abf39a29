"""`make run`: the bot's environment (a quiet console, the local admin)."""

from __future__ import annotations

from pathlib import Path

from tools.run_local import bot_env, parse_args, playground_user_id

ALEX = "00000000-0000-0000-0000-0000000000020"  # the playground's currentUser


def test_the_console_is_quiet_unless_verbose() -> None:
    assert bot_env(parse_args([]), {})["LOG_LEVEL"] == "WARNING"
    assert bot_env(parse_args(["--verbose"]), {})["LOG_LEVEL"] == "INFO"


def test_admin_makes_the_playground_user_an_admin_and_keeps_the_others() -> None:
    assert playground_user_id() == ALEX
    assert "ADMINS" not in bot_env(parse_args([]), {"ADMINS": "someone"})
    assert bot_env(parse_args(["--admin"]), {})["ADMINS"] == ALEX
    kept = bot_env(parse_args(["--admin"]), {"ADMINS": f"someone, {ALEX}"})["ADMINS"]
    assert kept == f"someone,{ALEX}"


def test_data_dir_is_passed_on(tmp_path: Path) -> None:
    assert bot_env(parse_args(["--data-dir", str(tmp_path)]), {})["DATA_DIR"] == str(tmp_path)
