"""Run the bot locally with Microsoft 365 Agents Playground as the Teams client (``make run``).

``python -m tools.run_local [--admin] [--verbose] [--bot-port 3978] [--port 56150] [--bot-cmd …]``

Installs the pinned npm packages if needed (``npm ci``), starts the bot (output on the console)
and the playground (log in ``.devtools/``), prints where to chat in a browser and stops both on
Ctrl-C or when one of them exits.

The console is quiet by default: the bot logs warnings and errors only (``LOG_LEVEL=WARNING``),
not the reminder job's run every half minute nor every HTTP request; ``--verbose`` shows them.
``--admin`` makes the playground's own user (``currentUser`` in ``.m365agentsplayground.yml``,
Alex Wilber) an admin, so the admin commands can be tried in the browser.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

import yaml

from tools.playground import (
    BotProcess,
    PlaygroundError,
    PlaygroundProcess,
    ensure_node_modules,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND_CONFIG = REPO_ROOT / ".m365agentsplayground.yml"
DEFAULT_BOT_COMMAND: tuple[str, ...] = (sys.executable, "-m", "bot")
DEFAULT_PLAYGROUND_PORT = 56150  # the playground's own default; a taken port falls back to random


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.run_local",
        description="Start Strategibot and Microsoft 365 Agents Playground (local Teams client).",
    )
    parser.add_argument("--bot-port", type=int, default=3978, help="the bot's port (env PORT)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PLAYGROUND_PORT,
        help="the playground's port (0: any free port)",
    )
    parser.add_argument(
        "--bot-cmd",
        default=shlex.join(DEFAULT_BOT_COMMAND),
        help="command that starts the bot (default: %(default)s)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="DATA_DIR for the bot (default: its own)"
    )
    parser.add_argument(
        "--admin",
        action="store_true",
        help="make the playground's user an admin (ADMINS gets its aadObjectId)",
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="log everything (LOG_LEVEL=INFO: the reminder job's runs and each request)",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=REPO_ROOT / ".devtools",
        help="where the playground's log goes (default: %(default)s)",
    )
    return parser.parse_args(argv)


def playground_user_id(config: Path = PLAYGROUND_CONFIG) -> str:
    """The Entra object id (``aadObjectId``) of the person at the playground's keyboard."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    return str(data["currentUser"]["aadObjectId"])


def bot_env(args: argparse.Namespace, inherited: Mapping[str, str]) -> dict[str, str]:
    """What the bot's environment gets on top of ``inherited`` (the shell's): its data
    folder, the log level, and with ``--admin`` the playground user added to ``ADMINS``."""
    env = {"LOG_LEVEL": "INFO" if args.verbose else "WARNING"}
    if args.data_dir:
        env["DATA_DIR"] = str(args.data_dir.resolve())
    if args.admin:
        admins = [a.strip() for a in inherited.get("ADMINS", "").split(",") if a.strip()]
        env["ADMINS"] = ",".join(dict.fromkeys([*admins, playground_user_id()]))
    return env


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run until Ctrl-C; returns the exit code."""
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        ensure_node_modules(REPO_ROOT)
    except PlaygroundError as exc:
        print(f"Kan ikke starte Microsoft 365 Agents Playground: {exc}", file=sys.stderr)
        return 1

    env = bot_env(args, os.environ)
    bot = BotProcess(shlex.split(args.bot_cmd), port=args.bot_port, cwd=REPO_ROOT, env=env)
    playground = PlaygroundProcess(
        REPO_ROOT,
        bot.endpoint,
        port=args.port or None,
        log_dir=args.log_dir.resolve(),
    )
    try:
        print(f"Starter botten: {args.bot_cmd} (port {args.bot_port}) …", flush=True)
        bot.start()
        print("Starter Microsoft 365 Agents Playground …", flush=True)
        playground.start()
        line = "=" * 72
        admin_line = (
            "Du er admin i playground (--admin)."
            if args.admin
            else "Vil du prøve admin-kommandoerne: make run ADMIN=1"
        )
        print(
            f"\n{line}\n"
            f"  Strategibot kører lokalt: {bot.endpoint}\n"
            f"  Åbn denne adresse i din browser for at chatte med botten:\n\n"
            f"      {playground.browser_url}\n\n"
            f"  (Microsoft 365 Agents Playground: personlig chat, gruppechat og kanal.)\n"
            f"  {admin_line}\n"
            f"  Playgroundens log: {playground.log_path}\n"
            f"  Stop med Ctrl-C.\n"
            f"{line}\n",
            flush=True,
        )
        while bot.is_running() and playground.is_running():
            time.sleep(0.2)  # supervisor loop: nothing to synchronise with
        if not bot.is_running():
            print(f"Botten stoppede (kode {bot.returncode}).", file=sys.stderr)
        else:
            print(f"Playground stoppede; se {playground.log_path}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopper …", flush=True)
        return 0
    except PlaygroundError as exc:
        print(f"Fejl: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not abort the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        playground.stop()
        bot.stop()
        print("Botten og playground er stoppet.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
