"""Minimal echo bot, built the way Microsoft's Bot Framework Python sample 02.echo-bot builds it.

It is the baseline for benchmarks and the bot that the end-to-end harness tests itself against:
``CloudAdapter(ConfigurationBotFrameworkAuthentication(config))``, an ``ActivityHandler`` that
answers every message with ``Echo: <text>`` (and greets added members, as the sample does), and an
aiohttp application with ``POST /api/messages`` handled by ``adapter.process(req, bot)``.

The only additions to the sample are ``GET /healthz`` (the readiness probe used by the e2e
fixtures) and ``--host``/``--port`` (defaults from the ``HOST``/``PORT`` environment variables).
Without ``MicrosoftAppId`` the adapter runs unauthenticated, which is what the Microsoft 365 Agents
Playground expects.

Run: ``.venv/bin/python bench/echo_bot.py --port 3978``
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from datetime import datetime

from aiohttp import web
from aiohttp.web import Request, Response
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.integration import aiohttp_error_middleware
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount


class DefaultConfig:
    """Bot configuration, read from the environment like the sample's ``config.py``."""

    PORT = int(os.environ.get("PORT", "3978"))
    APP_ID = os.environ.get("MicrosoftAppId", "")  # noqa: SIM112
    APP_PASSWORD = os.environ.get("MicrosoftAppPassword", "")  # noqa: SIM112
    APP_TYPE = os.environ.get("MicrosoftAppType", "MultiTenant")  # noqa: SIM112
    APP_TENANTID = os.environ.get("MicrosoftAppTenantId", "")  # noqa: SIM112


class EchoBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    """Echoes every message back and welcomes members added to the conversation."""

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Greet every added member except the bot itself."""
        for member in members_added:
            if member.id != turn_context.activity.recipient.id:
                await turn_context.send_activity("Hello and welcome!")

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Reply with ``Echo: <text>``."""
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


CONFIG = DefaultConfig()

# Create adapter.
# See https://aka.ms/about-bot-adapter to learn more about how bots work.
ADAPTER = CloudAdapter(ConfigurationBotFrameworkAuthentication(CONFIG))


async def on_error(context: TurnContext, error: Exception) -> None:
    """Catch-all for errors: log to stderr and tell the user, as the sample does."""
    print(f"\n [on_turn_error] unhandled error: {error}", file=sys.stderr)
    traceback.print_exc()

    await context.send_activity("The bot encountered an error or bug.")
    await context.send_activity("To continue to run this bot, please fix the bot source code.")
    # Send a trace activity if we're talking to the Bot Framework Emulator
    if context.activity.channel_id == "emulator":
        trace_activity = Activity(
            label="TurnError",
            name="on_turn_error Trace",
            timestamp=datetime.utcnow(),
            type=ActivityTypes.trace,
            value=f"{error}",
            value_type="https://www.botframework.com/schemas/error",
        )
        await context.send_activity(trace_activity)


ADAPTER.on_turn_error = on_error

# Create the Bot
BOT = EchoBot()


async def messages(req: Request) -> Response:
    """Listen for incoming requests on /api/messages."""
    response: Response = await ADAPTER.process(req, BOT)
    return response


async def healthz(_req: Request) -> Response:
    """Readiness probe for the e2e harness (not part of the Microsoft sample)."""
    return Response(text="ok")


APP = web.Application(middlewares=[aiohttp_error_middleware])
APP.router.add_post("/api/messages", messages)
APP.router.add_get("/healthz", healthz)


def main(argv: list[str] | None = None) -> None:
    """Parse ``--host``/``--port`` and serve the bot until interrupted."""
    parser = argparse.ArgumentParser(description="Bot Framework echo bot (benchmark baseline)")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=CONFIG.PORT)
    args = parser.parse_args(argv)
    web.run_app(APP, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
