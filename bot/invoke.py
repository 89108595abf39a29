"""Invoke activities: what Teams sends and expects back for the search message extension
(``composeExtension/query``, ``composeExtension/selectItem``) and for Universal Actions
(``adaptiveCard/action``, a card's ``Action.Execute``).

An invoke is answered in the HTTP response itself, with an ``InvokeResponse``: a status and a
JSON body. The bodies are built here as plain dicts and written as they are
(:func:`invoke_http_response`). botbuilder's own path serialises them twice:
``ActivityHandler.on_invoke_activity`` runs ``serializer_helper`` over what
``on_adaptive_card_invoke`` returns, and ``CloudAdapter.process`` runs it again over the
resulting dict, which fails (``'dict' object has no attribute 'is_xml_model'``) and answers
500. So the Teams handler overrides ``on_invoke_activity`` and never goes through it.

Every invoke that reaches the bot is answered 200 with a body: a refusal or an error is said
in the body (an empty search result, a message on the card), never as a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web
from botbuilder.core import InvokeResponse

from dialogs.replies import CardJson, Preview

QUERY = "composeExtension/query"
SELECT_ITEM = "composeExtension/selectItem"
EXECUTE = "adaptiveCard/action"
COMPOSE_EXTENSION = "composeExtension/"

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
HERO_CARD = "application/vnd.microsoft.card.hero"
MESSAGE = "application/vnd.microsoft.activity.message"
INITIAL_RUN = "initialRun"  # the parameter Teams sends when a command opens (no query yet)


def query_text(value: object) -> str | None:
    """The text typed into the search box of a ``composeExtension/query``: "" when the command
    has just opened (``initialRun``) or the box is empty; None when the request is not a
    query at all (no parameters, a value that is not text), which gets an empty result.
    The parameter's name is the manifest's (``query``); one without a name counts too (the
    Agents Playground sends none unless told)."""
    if not isinstance(value, Mapping):
        return None
    parameters = value.get("parameters")
    if not isinstance(parameters, list) or not parameters:
        return None
    for parameter in parameters:
        if not isinstance(parameter, Mapping) or not isinstance(parameter.get("name", ""), str):
            return None
        if parameter.get("name") == INITIAL_RUN:
            continue
        typed = parameter.get("value", "")
        return typed if isinstance(typed, str) else None
    return ""


def search_response(previews: Iterable[Preview]) -> dict[str, Any]:
    """A ``composeExtension/query`` answer: each result is its card, with a preview of a
    title and one line (no tap: choosing a result inserts its card as it is)."""
    return {
        "composeExtension": {
            "type": "result",
            "attachmentLayout": "list",
            "attachments": [
                {
                    "contentType": ADAPTIVE_CARD,
                    "content": preview.card,
                    "preview": {
                        "contentType": HERO_CARD,
                        "content": {"title": preview.title, "text": preview.line},
                    },
                }
                for preview in previews
            ],
        }
    }


def selected_target(value: object) -> str | None:
    """The target a ``composeExtension/selectItem`` names (``{"target": "term:trio"}``)."""
    if isinstance(value, Mapping) and isinstance(value.get("target"), str):
        return str(value["target"])
    return None


def execute_data(value: object) -> dict[str, Any] | None:
    """The data of an ``Action.Execute`` (``value.action.data``, with the verb as its
    ``action`` if the data names none), or None if ``value`` is not an action."""
    if not isinstance(value, Mapping) or not isinstance(value.get("action"), Mapping):
        return None
    action = value["action"]
    data = action.get("data", {})
    if not isinstance(data, Mapping):
        return None
    found = dict(data)
    verb = action.get("verb")
    if "action" not in found and isinstance(verb, str):
        found["action"] = verb
    return found


def card_response(card: CardJson) -> dict[str, Any]:
    """An ``adaptiveCard/action`` answer: ``card`` replaces the card that was clicked."""
    return {"statusCode": 200, "type": ADAPTIVE_CARD, "value": card}


def message_response(text: str) -> dict[str, Any]:
    """An ``adaptiveCard/action`` answer that leaves the card and shows ``text`` on it."""
    return {"statusCode": 200, "type": MESSAGE, "value": text}


def invoke_http_response(result: object) -> web.Response:
    """The HTTP answer to an invoke: the handler's status and body, written as they are.

    Without an invoke response (the turn failed, or no handler set one) the answer is 200
    with an empty body: the client shows nothing, and the bot never answers 5xx.
    """
    if not isinstance(result, InvokeResponse) or not isinstance(result.body, dict | list):
        return web.json_response({}, status=200)
    status = result.status if isinstance(result.status, int) and 200 <= result.status < 500 else 200
    return web.json_response(result.body, status=status)
