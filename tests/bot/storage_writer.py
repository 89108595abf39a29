"""A process that writes to a :class:`TinyDBStore` as fast as it can, for the crash tests.

``python -m tests.bot.storage_writer PATH SEED_DOCS`` first stores ``SEED_DOCS`` documents of
about 2 KB in table ``seed`` with one ``put_many`` and prints ``seeded``, then runs
:func:`operation` 0, 1, 2 … and prints ``ok <i>`` after each one returned: a printed line is a
confirmed write. The operations write table ``t`` (one file), and every fourth one is an
``apply`` across files: table ``t`` and two others (``committees``, ``outbox``) at once.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.storage import TinyDBStore
from dialogs.store import Doc

KEYS = 120
TABLE = "t"


def document(i: int) -> Doc:
    """The document of operation ``i``: unique content, 200 bytes to 1.5 KB."""
    return {"i": i, "text": f"æøå {i} " * (20 + (i * 37) % 150)}


APPLIED = ("committees", "outbox")  # the other tables an ``apply`` writes


def operation(i: int) -> tuple[str, Any]:
    """Operation ``i``: ``("put", key)``, ``("del", key)``, ``("put_many", keys)`` or
    ``("apply", key)`` (``key`` in ``t`` and in each of :data:`APPLIED`)."""
    if i % 11 == 10:
        return "put_many", [f"k{(i * 7 + j) % KEYS}" for j in range(3)]
    if i % 5 == 4:
        return "del", f"k{(i * 31) % KEYS}"
    if i % 4 == 3:
        return "apply", f"k{(i * 13) % KEYS}"
    return "put", f"k{(i * 17) % KEYS}"


def expected(n: int) -> dict[str, dict[str, Doc]]:
    """Table ``t`` and the :data:`APPLIED` tables after operations 0 … n-1."""
    state: dict[str, dict[str, Doc]] = {TABLE: {}, **{table: {} for table in APPLIED}}
    for i in range(n):
        kind, what = operation(i)
        if kind == "put":
            state[TABLE][what] = document(i)
        elif kind == "del":
            state[TABLE].pop(what, None)
        elif kind == "apply":
            for table in (TABLE, *APPLIED):
                state[table][what] = document(i)
        else:
            state[TABLE].update({key: document(i) for key in what})
    return state


def seed_document(i: int) -> Doc:
    """About 2 KB."""
    return {"n": i, "body": f"{i:06d}" + "x" * 2000}


async def main(path: Path, seed: int) -> None:
    """Write until killed."""
    store = TinyDBStore(path)
    if seed:
        await store.put_many("seed", {f"s{i}": seed_document(i) for i in range(seed)})
    print("seeded", flush=True)
    i = 0
    while True:
        kind, what = operation(i)
        if kind == "put":
            await store.put(TABLE, what, document(i))
        elif kind == "del":
            await store.delete(TABLE, what)
        elif kind == "apply":
            await store.apply([(table, what, document(i)) for table in (TABLE, *APPLIED)])
        else:
            await store.put_many(TABLE, {key: document(i) for key in what})
        print(f"ok {i}", flush=True)
        i += 1
        await asyncio.sleep(0)  # like a request handler: the loop runs other tasks in between


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
