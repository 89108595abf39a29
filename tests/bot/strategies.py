"""Hypothesis strategies for requests to ``POST /api/messages``: bodies, activities, card data.

Everything here is plain data (bytes, JSON values, dicts); the tests decide what the bot
should answer. ``MISSING`` marks a field left out of an activity or a card submit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

MISSING: Any = object()


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each chosen in proportion to its weight.

    (``st.one_of`` treats a strategy given twice as one branch, so repeating is no weight.)
    """
    strategies = [strategy for _, strategy in choices]
    index = st.sampled_from([i for i, (weight, _) in enumerate(choices) for _ in range(weight)])

    @st.composite
    def pick(draw: st.DrawFn) -> Any:
        return draw(strategies[draw(index)])

    return pick()


# ------------------------------------------------------------------------------- text

# Any code point (lone surrogates included), and the odd ones on their own: control and
# format characters, surrogates, private use, separators. Plain alphabets draw quickly.
_ANY_CHAR = st.characters(exclude_categories=())
_ODD_CHAR = st.characters(categories=["Cc", "Cf", "Cs", "Co", "Zl", "Zp", "Zs"])
_SPECIAL = "æøåÆØÅ\u00a0\u200b\u202e\ufeff\ufffd<>&\"'\\{}[]"


def _mixed(size: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, b, c: a + b + c,
        st.text(_ANY_CHAR, max_size=size),
        st.text(_ODD_CHAR, max_size=max(size // 6, 2)),
        st.text(_SPECIAL, max_size=max(size // 6, 2)),
    )


unicode_text = st.one_of(st.text(_ANY_CHAR, max_size=60), _mixed(40))
"""Short random text of any code points (lone surrogates and control characters included)."""

short_text = st.one_of(st.text(_ANY_CHAR, max_size=12), _mixed(8))

id_text = st.text(st.characters(), max_size=20)
"""Text without lone surrogates (which the form models refuse before anything else)."""


def repeated(lengths: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """A random short unit repeated to an exact length drawn from ``lengths`` (cheap to draw)."""

    def build(unit: str, length: int) -> str:
        return (unit * (length // len(unit) + 1))[:length]

    return st.builds(build, st.text(_ANY_CHAR, min_size=1, max_size=4), lengths)


# ------------------------------------------------------------------------------- JSON

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    short_text,
)

json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(short_text, inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value (small)."""

json_junk = st.one_of(
    json_scalars,
    st.lists(json_values, max_size=3),
    st.dictionaries(short_text, json_values, max_size=3),
)
"""A value of the wrong type for most fields (a dict, a list, a number, null, text)."""

flat_junk = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.dictionaries(short_text, json_scalars, max_size=3),
)
"""Like :data:`json_junk`, but never nested (quicker to draw)."""


def not_an_activity() -> st.SearchStrategy[Any]:
    """JSON that is no activity: not an object, or an object without a string ``type``."""
    no_type = st.dictionaries(short_text.filter(lambda k: k != "type"), json_values, max_size=5)
    wrong_type = st.builds(
        lambda d, t: {**d, "type": t},
        st.dictionaries(short_text, json_values, max_size=4),
        st.one_of(
            st.none(), st.booleans(), st.integers(), st.lists(json_scalars, max_size=2), no_type
        ),
    )
    return st.one_of(json_scalars, st.lists(json_values, max_size=5), no_type, wrong_type)


def deeply_nested() -> st.SearchStrategy[bytes]:
    """Arrays or objects nested ``depth`` times: small bodies that are valid JSON."""
    depth = st.integers(min_value=1, max_value=3000)
    arrays = depth.map(lambda n: b"[" * n + b"]" * n)
    objects = depth.map(lambda n: b'{"type":' * n + b'"message"' + b"}" * n)
    return st.one_of(arrays, objects)


@st.composite
def broken_json(draw: st.DrawFn, valid: bytes, keep: bytes = b"") -> bytes:
    """``valid`` JSON cut short, with a byte changed, or with junk added.

    The bytes ``keep`` (the service URL) are never changed: a changed address could point
    anywhere on the network.
    """
    how = draw(st.sampled_from(["cut", "flip", "insert", "append", "prepend"]))
    at = draw(st.integers(min_value=0, max_value=max(len(valid) - 1, 0)))
    start = valid.find(keep) if keep else -1
    if start >= 0 and start <= at <= start + len(keep):
        at = start + len(keep) + 1
    junk = draw(st.binary(min_size=1, max_size=6))
    if how == "cut":
        return valid[:at]
    if how == "flip":
        return valid[:at] + junk[:1] + valid[at + 1 :]
    if how == "insert":
        return valid[:at] + junk + valid[at:]
    if how == "append":
        return valid + b"," + junk
    return junk + valid


# ------------------------------------------------------------------------------- headers

JSON_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "APPLICATION/JSON",
)
WRONG_TYPES = (
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonp",
    "application/json-patch+json",
    "application/octet-stream",
    "json",
    "",
)
ODD_CHARSETS = (
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
    "application/json; charset=ascii",
    "application/json; charset=no-such-charset",
)

header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)

content_types: st.SearchStrategy[str | None] = st.one_of(
    st.sampled_from(JSON_TYPES),
    st.sampled_from(WRONG_TYPES),
    st.sampled_from(ODD_CHARSETS),
    st.none(),  # no Content-Type header at all
    header_text,
    header_text.map(lambda t: f"application/json; {t}"),
)
"""Content-Type header values, ``None`` for none."""


# ------------------------------------------------------------------------------- bodies


@dataclass(frozen=True)
class Body:
    """One request body and its Content-Type (``None``: no header)."""

    raw: bytes
    content_type: str | None
    label: str


def encode(
    value: Any, *, ensure_ascii: bool = True, encoding: str = "utf-8", allow_nan: bool = True
) -> bytes:
    """``value`` as JSON bytes; lone surrogates survive only as escapes or with surrogatepass."""
    text = json.dumps(value, ensure_ascii=ensure_ascii, allow_nan=allow_nan)
    return text.encode(encoding, "surrogatepass")


ENCODINGS = ("utf-8-sig", "utf-16", "utf-16-le", "utf-32", "utf-32-be")


_json_types = weighted(
    (12, st.just("application/json")),
    (3, st.just("application/json; charset=utf-8")),
    (1, st.sampled_from(JSON_TYPES)),
)
_mostly_json_types = weighted((16, _json_types), (1, content_types))
_encodings = weighted((24, st.just("utf-8")), (1, st.sampled_from(ENCODINGS)))
_ascii = st.sampled_from([True, True, True, False])  # raw UTF-8 (surrogates break it) 1 in 4


def encoded(values: st.SearchStrategy[Any], label: str) -> st.SearchStrategy[Body]:
    """Values of ``values`` encoded one way or another, the Content-Type mostly saying JSON."""

    @st.composite
    def build(draw: st.DrawFn) -> Body:
        value = draw(values)
        encoding = draw(_encodings)
        raw = encode(value, ensure_ascii=draw(_ascii), encoding=encoding)
        return Body(raw, draw(_mostly_json_types), f"{label}/{encoding}")

    return build()


def raw_bodies(valid_activity: bytes, service_url: str) -> st.SearchStrategy[Body]:
    """Bodies that are not activities: bytes, broken JSON, JSON of other shapes."""
    broken = broken_json(valid_activity, service_url.encode())
    json_type = st.one_of(st.sampled_from(JSON_TYPES), content_types)
    return st.one_of(
        st.builds(Body, st.binary(max_size=200), json_type, st.just("bytes")),
        st.builds(Body, broken, json_type, st.just("broken-json")),
        st.builds(Body, deeply_nested(), json_type, st.just("nested")),
        encoded(not_an_activity(), "not-an-activity"),
        st.builds(Body, st.just(valid_activity), content_types, st.just("valid-activity-any-type")),
    )


# ------------------------------------------------------------------------------- activities

HANDLED = ("message", "conversationUpdate", "installationUpdate", "invoke", "messageReaction",
           "event")  # fmt: skip
OTHER_TYPES = ("typing", "endOfConversation", "contactRelationUpdate", "trace", "handoff",
               "Message", "MESSAGE", "suggestion", "delete", "messageUpdate", "messageDelete",
               "command", "commandResult")  # fmt: skip


def maybe(strategy: st.SearchStrategy[Any], weight: int = 4) -> st.SearchStrategy[Any]:
    """Mostly ``strategy``; otherwise the field is missing, null, empty or of another type."""
    odd = st.one_of(st.just(MISSING), st.none(), st.just(""), json_junk)
    return weighted((weight, strategy), (1, odd))


@dataclass(frozen=True)
class People:
    """Accounts and conversations an activity may use, in Teams' JSON shape."""

    users: Sequence[Mapping[str, Any]]
    bot: Mapping[str, Any]
    conversations: Sequence[Mapping[str, Any]]
    service_url: str


def _conversation_variants(people: People) -> st.SearchStrategy[Any]:
    known = st.sampled_from(list(people.conversations))
    odd_fields = st.builds(
        lambda base, key, junk: {**base, key: junk},
        known,
        st.sampled_from(["id", "conversationType", "tenantId", "isGroup", "name"]),
        json_junk,
    )
    random_id = st.builds(
        lambda base, ident: {**base, "id": ident}, known, unicode_text.filter(bool)
    )
    return weighted((4, known), (1, random_id), (1, odd_fields))


def _mention(account: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "mention", "mentioned": dict(account), "text": "<at>Strategibot</at>"}


def _entity_variants(people: People) -> st.SearchStrategy[Any]:
    mention = st.just([_mention(people.bot)])
    other = st.sampled_from(list(people.users)).map(lambda u: [_mention(u)])
    junk_entities = st.lists(st.dictionaries(short_text, json_values, max_size=3), max_size=3)
    odd_mention = st.builds(
        lambda m: [{"type": "mention", "mentioned": m}], json_junk
    )  # mentioned of any type
    return st.one_of(st.just([]), mention, other, junk_entities, odd_mention)


texts = weighted(
    (4, unicode_text),
    (1, st.just("")),
    (2, st.sampled_from(["Hvad er TRIO?", "hjælp", "målsætning 2.3", "pejlemærke 9", "status",
                         "mine data", "slet mine data", "ret udvalg", "mine udvalg", "help",
                         "statusrunder", "rapport", "<at>Strategibot</at> hej", "\x00",
                         "\ud800"])),
    (1, repeated(st.integers(min_value=990, max_value=1010))),  # the 1000-character limit
    (1, repeated(st.integers(min_value=1011, max_value=20_000))),
)  # fmt: skip
"""Message texts: random Unicode, empty, commands, and around the length limit."""


def huge_texts(limit: int) -> st.SearchStrategy[str]:
    """Texts that make the body end just under or over ``limit`` bytes."""
    return repeated(st.integers(min_value=limit - 3000, max_value=limit + 3000))


ESSENTIAL = ("serviceUrl", "from", "recipient", "conversation", "channelId")


def activities(people: People, limit: int) -> st.SearchStrategy[dict[str, Any]]:
    """Activities as Teams would send them, with fields missing, odd or of the wrong type."""
    kinds = weighted(
        (12, st.just("message")),
        (2, st.sampled_from(HANDLED)),
        (1, st.sampled_from(OTHER_TYPES)),
        (1, unicode_text),
    )
    all_texts = weighted((12, texts), (1, huge_texts(limit)), (1, json_junk), (1, st.just(MISSING)))
    candidates: dict[str, st.SearchStrategy[Any]] = {
        "channelId": maybe(st.sampled_from(["msteams", "emulator", "webchat"])),
        "serviceUrl": maybe(st.just(people.service_url), weight=12),
        "from": maybe(st.sampled_from(list(people.users)), weight=8),
        "recipient": maybe(st.just(dict(people.bot)), weight=8),
        "conversation": maybe(_conversation_variants(people), weight=10),
        "channelData": maybe(st.just({"tenant": {"id": "tenant-norddjurs"}})),
        "entities": maybe(_entity_variants(people)),
        "value": weighted((6, st.just(MISSING)), (1, json_values), (1, card_like())),
        "locale": maybe(st.sampled_from(["da-DK", "en-US"]), weight=2),
        "textFormat": maybe(st.sampled_from(["plain", "markdown", "xml"]), weight=1),
        "timestamp": maybe(st.just("2026-11-23T09:00:00.000Z"), weight=2),
        "attachments": maybe(st.just([]), weight=2),
        "membersAdded": maybe(st.just([dict(people.bot)]), weight=2),
        "name": maybe(st.sampled_from(["adaptiveCard/action", "task/fetch", "x"]), weight=2),
        "action": maybe(st.sampled_from(["add", "remove"]), weight=2),
        "deliveryMode": maybe(st.sampled_from(["normal", "notification", "expectReplies"]), 2),
    }
    rarely = st.integers(0, 9)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        body: dict[str, Any] = {"type": draw(kinds)}
        text = draw(all_texts)
        if text is not MISSING:
            body["text"] = text
        # The essentials are there most of the time; the rest only now and then.
        for name, strategy in candidates.items():
            if name in ESSENTIAL or draw(rarely) == 0:
                value = draw(strategy)
                if value is not MISSING:
                    body[name] = value
        return body

    return build()


def card_like() -> st.SearchStrategy[dict[str, Any]]:
    """A ``value`` that looks like a card submit with a random action."""
    return st.builds(
        lambda action, rest: {**rest, "action": action},
        st.one_of(short_text, json_scalars),
        st.dictionaries(short_text, json_values, max_size=3),
    )


# ------------------------------------------------------------------------------- card data


def card_values(
    actions: Sequence[str],
    fields: Mapping[str, st.SearchStrategy[Any]],
    *,
    unknown_actions: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Card submit data: an action (known, unknown, missing or not a string) and some fields.

    Each field's value comes from ``fields`` (known ids and well-formed values) or is junk.
    """
    known = st.sampled_from(list(actions))
    unknown = st.one_of(st.just(MISSING), json_scalars, known.map(lambda a: a.upper()))
    action_strategy = weighted((8, known), (1 if unknown_actions else 0, unknown))
    chosen = st.lists(st.sampled_from(sorted(fields)), max_size=8, unique=True)
    per_field = {name: weighted((3, strategy), (1, flat_junk)) for name, strategy in fields.items()}
    extra = st.dictionaries(short_text, flat_junk, max_size=2)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value: dict[str, Any] = {}
        action = draw(action_strategy)
        if action is not MISSING:
            value["action"] = action
        for name in draw(chosen):
            value[name] = draw(per_field[name])
        for key, junk in draw(extra).items():
            value.setdefault(key, junk)
        return value

    return build()


def one_of_values(*values: Any) -> st.SearchStrategy[Any]:
    """One of ``values``, or a small change of one (case, white space, an extra character)."""
    base = st.sampled_from(list(values))
    changes: list[Callable[[Any], Any]] = [
        lambda v: v,
        lambda v: str(v).upper(),
        lambda v: f" {v} ",
        lambda v: f"{v}x",
        lambda v: str(v)[:-1],
    ]
    return st.builds(lambda v, change: change(v), base, st.sampled_from(changes))


# ------------------------------------------------------------------------------- invokes

INVOKE_NAMES = (
    "composeExtension/query",
    "composeExtension/selectItem",
    "adaptiveCard/action",
    "composeExtension/fetchTask",
    "composeExtension/submitAction",
    "composeExtension/querySettingUrl",
    "task/fetch",
    "task/submit",
    "signin/verifyState",
    "fileConsent/invoke",
    "actionableMessage/executeAction",
)
"""What Teams invokes a bot with; the first three are the ones the bot handles."""


def search_values() -> st.SearchStrategy[Any]:
    """The ``value`` of a ``composeExtension/query``: a command, its parameters (the typed
    text, the initial run) and paging, each well-formed or not; or any JSON."""
    name = weighted((8, st.just("query")), (1, st.just("initialRun")), (1, short_text))
    typed = weighted((6, texts), (1, repeated(st.integers(190, 1200))), (1, json_junk))
    parameter = weighted((8, st.fixed_dictionaries({"name": name, "value": typed})), (1, json_junk))
    parameters = weighted((8, st.lists(parameter, max_size=3)), (1, json_junk))
    command = weighted((6, st.just("strategien")), (1, short_text), (1, json_scalars))
    paging = st.fixed_dictionaries({"skip": st.integers(-5, 50), "count": st.integers(-5, 50)})
    query = st.builds(
        lambda c, p, o: {"commandId": c, "parameters": p, "queryOptions": o},
        command,
        parameters,
        paging,
    )
    return weighted((10, query), (1, json_values))


def execute_values(data: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The ``value`` of an ``adaptiveCard/action``: an ``Action.Execute`` with a verb and
    ``data`` (card data), each well-formed or not; or any JSON."""
    kind = weighted((8, st.just("Action.Execute")), (1, short_text), (1, json_scalars))
    verb = weighted((4, st.just(MISSING)), (2, short_text), (1, json_scalars))

    @st.composite
    def action(draw: st.DrawFn) -> dict[str, Any]:
        found: dict[str, Any] = {"type": draw(kind)}
        card = draw(weighted((8, data), (1, json_junk)))
        found["data"] = card
        chosen = draw(verb)
        if isinstance(card, dict) and isinstance(card.get("action"), str) and draw(st.booleans()):
            chosen = card["action"]  # as the bot's cards do: the verb is the action
        if chosen is not MISSING:
            found["verb"] = chosen
        return found

    trigger = st.sampled_from(["manual", "automatic"])
    value = st.builds(lambda a, t: {"action": a, "trigger": t}, action(), trigger)
    return weighted((10, value), (1, json_values))


def invoke_activities(
    people: People, data: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """Invokes as Teams sends them: a search, a selection, an ``Action.Execute`` with card
    ``data``, or any other invoke; from any user, in any conversation."""
    names = weighted(
        (6, st.just("composeExtension/query")),
        (2, st.just("composeExtension/selectItem")),
        (6, st.just("adaptiveCard/action")),
        (2, st.sampled_from(INVOKE_NAMES)),
        (1, short_text),
    )
    selections = weighted(
        (4, st.fixed_dictionaries({"target": weighted((3, st.sampled_from(
            ["term:trio", "maalsaetning:2.3", "pejlemaerke:1", "about", "list:noegleord"])),
            (1, short_text))})),
        (1, json_values),
    )  # fmt: skip
    searches, executes = search_values(), execute_values(data)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        name = draw(names)
        if name == "composeExtension/query":
            value = draw(searches)
        elif name == "composeExtension/selectItem":
            value = draw(selections)
        elif name == "adaptiveCard/action":
            value = draw(executes)
        else:
            value = draw(json_values)
        return {
            "type": "invoke",
            "name": name,
            "value": value,
            "channelId": "msteams",
            "serviceUrl": people.service_url,
            "from": dict(draw(st.sampled_from(list(people.users)))),
            "recipient": dict(people.bot),
            "conversation": dict(draw(st.sampled_from(list(people.conversations)))),
            "channelData": {"tenant": {"id": "tenant-norddjurs"}},
            "replyToId": "card-1",
        }

    return build()
