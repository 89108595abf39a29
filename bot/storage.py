"""Key–document storage: a small interface with an in-memory and a TinyDB-file backend.

Documents are JSON objects in named tables, addressed by string keys. Reads come from memory
and return fresh copies; both backends keep each document as its JSON text, so a read is one
``json.loads`` and no caller can change what is stored.

:class:`TinyDBStore` keeps two files next to each other:

* the **snapshot** ``strategibot.json``: the whole database in TinyDB's JSON format
  (``{"table": {"key": {...}}}``), only ever replaced atomically (temporary file, fsync,
  rename, fsync of the directory);
* the **journal** ``strategibot.json.journal``: one JSON line per write since that snapshot,
  ``{"op":"put","t":T,"k":K,"d":DOC}``, ``{"op":"del","t":T,"k":K}`` or, for
  :meth:`~Store.put_many`, ``{"op":"put_many","t":T,"d":{K:DOC,...}}`` (all or nothing).

Why: rewriting the whole file per write costs O(database) — tens of milliseconds at 10 000
status replies. Appending one line and fsyncing it costs O(document), so a write is durable
(it survives SIGKILL and power loss) before ``put`` returns, at any database size.

A write appends its line and fsyncs it right in the coroutine, then changes memory, with no
``await`` in between: writes are serialised by the event loop itself (no lock, no writer
task), a cancelled caller cannot leave half a write, and memory only ever holds what is on
disk. The fsync of one small append takes well under a millisecond on a local disk (the old
whole-file rewrite blocked the loop for tens); a thread hop per write would cost about as
much and make write latency depend on thread scheduling. If the append fails, the journal is
cut back to its last good length and the caller gets the error; memory is unchanged. A put
of the document already stored writes nothing.

Compaction writes a new snapshot and restarts the journal when it holds ``compact_entries``
lines or more bytes than ``max(compact_bytes, snapshot size)`` (so the snapshot is rewritten
at most once per snapshot's worth of journal, and start-up replays at most about that much),
and on :meth:`~TinyDBStore.close`. It does not stop writes: a consistent copy of memory is taken
(a shallow copy; stored texts are immutable strings), the snapshot is written from it in a
thread while writes go on, then the lines written meanwhile become the new journal (temporary
file, fsync, rename). Compaction is a task: it makes progress whenever the writing code yields
to the event loop, as request handlers do. A crash between the snapshot's rename and the
journal's replacement leaves the new snapshot and the old journal; replaying whole-document
puts and deletes over a state that already contains them changes nothing, so nothing is lost
or doubled.

Start-up reads the journal, then the snapshot (so a compaction by the owner in between can
only pair a newer snapshot with an older journal, which is harmless as above), and replays:

* a snapshot that cannot be read is moved aside as ``<name>.corrupt-<timestamp>`` (never
  overwritten) and the journal is replayed over an empty database;
* a torn **last** journal line (a crash in the middle of an append; that write was never
  acknowledged) is ignored, logged and cut off;
* a bad line with valid lines after it is corruption: the entries before it are kept and
  written to a new snapshot, then the journal is moved aside as ``.corrupt-<timestamp>`` with
  an error log; the lines from it on are not applied but kept in that file;
* temporary files left by a crash are removed (the file they were to replace is still whole).

Moved-aside files are listed in :attr:`TinyDBStore.quarantined` and in :meth:`stats`.

One process writes a data file at a time: the writer holds a POSIX lock on
``strategibot.json.lock``. A second process (a command-line tool while the bot runs) opens the
file read-only: it reads everything, repairs nothing, and a write raises
:class:`StoreBusyError` instead of silently losing data to the owner's next compaction. It
takes the lock (and reloads) at its first write once the other process has let go. POSIX
locks belong to a process: two stores on one file in the same process do not exclude each
other (opening a second one is like restarting after a crash of the first). :func:`read_data`
reads the files without any of this, for tools and tests.
"""

from __future__ import annotations

import asyncio
import errno
import glob
import json
import logging
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
    fcntl = None  # type: ignore[assignment]

from dialogs.store import Doc, Store

log = logging.getLogger(__name__)

Texts = dict[str, dict[str, str]]  # table -> key -> the document's JSON text
Change = tuple[str, str, str | None]  # (table, key, JSON text or None for a delete)

MiB = 1024 * 1024


def _doc_text(doc: Mapping[str, Any]) -> str:
    """The compact JSON text of ``doc``; raises TypeError for what JSON cannot hold."""
    if not isinstance(doc, Mapping):
        raise TypeError(f"a document is a mapping, not {type(doc).__name__}")
    plain = doc if isinstance(doc, dict) else dict(doc)
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: keep them as \u escapes
        text = json.dumps(plain, separators=(",", ":"))
    return text


def _check_names(table: str, key: str) -> None:
    if not isinstance(table, str) or not isinstance(key, str):
        raise TypeError("table and key are strings")


class MemoryStore(Store):
    """A store that lives and dies with the process (tests, benchmarks)."""

    def __init__(self) -> None:
        self._tables: Texts = {}

    async def get(self, table: str, key: str) -> Doc | None:
        text = self._tables.get(table, {}).get(key)
        return None if text is None else _loads(text)

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        _check_names(table, key)
        self._tables.setdefault(table, {})[key] = _doc_text(doc)

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        texts: dict[str, str] = {}
        for key, doc in items.items():
            _check_names(table, key)
            texts[key] = _doc_text(doc)
        if texts:
            self._tables.setdefault(table, {}).update(texts)

    async def delete(self, table: str, key: str) -> bool:
        return self._tables.get(table, {}).pop(key, None) is not None

    async def all(self, table: str) -> dict[str, Doc]:
        return {key: _loads(text) for key, text in self._tables.get(table, {}).items()}

    async def keys(self, table: str) -> list[str]:
        return list(self._tables.get(table, {}))

    def stats(self) -> dict[str, Any]:
        """Document counts."""
        tables = {name: len(docs) for name, docs in self._tables.items() if docs}
        return {"backend": "memory", "documents": sum(tables.values()), "tables": tables}


def _loads(text: str) -> Doc:
    doc: Doc = json.loads(text)
    return doc


class StoreBusyError(RuntimeError):
    """Another process owns the data file; this one may only read it."""


# --------------------------------------------------------------------------- file helpers


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    """Make renames and new files in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot sync a directory
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _aside(path: Path, now: datetime | None = None) -> Path:
    """Move ``path`` to ``<name>.corrupt-<timestamp>`` (never over an existing file)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    os.replace(path, aside)
    _fsync_dir(path.parent)
    return aside


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_ENTRY = re.compile(r'\{"op":"(put|del|put_many)","t":')

# A small scanner for the two shapes this module reads back: a snapshot and a journal line.
# Documents are parsed once (to check them) and their text is cut out as it is, so loading
# costs about one ``json.loads`` of the file instead of a parse plus a dump per document.
# Every function raises ValueError or IndexError where the text is not what it must be.


def _skip(text: str, i: int) -> int:
    """Past any whitespace at ``i``."""
    return _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]  # always matches


def _after(text: str, i: int, char: str) -> int:
    """Past ``char`` at ``i`` and any whitespace after it."""
    if text[i] != char:
        raise ValueError(f"expected {char!r} at {i}")
    return _skip(text, i + 1)


def _string(text: str, i: int) -> tuple[str, int]:
    if text[i] != '"':
        raise ValueError(f"expected a string at {i}")
    value, end = _DECODER.raw_decode(text, i)
    return value, end


def _name(text: str, i: int) -> tuple[str, int]:
    """An object member's name, and the position of its value."""
    value, end = _string(text, i)
    return value, _after(text, _skip(text, end), ":")


def _next_member(text: str, i: int) -> int:
    """After a member: at a closing brace, stay; past a comma, another member must follow."""
    if text[i] == "}":
        return i
    i = _after(text, i, ",")
    if text[i] != '"':
        raise ValueError(f"expected a name at {i}")
    return i


def _docs(text: str, i: int) -> tuple[dict[str, str], int]:
    """``{"key": {...}, ...}`` at ``i``: each document's text, and the position after it."""
    i = _after(text, i, "{")
    docs: dict[str, str] = {}
    while text[i] != "}":
        key, i = _name(text, i)
        if text[i] != "{":
            raise ValueError(f"document {key!r} is not an object")
        end = _DECODER.raw_decode(text, i)[1]
        docs[key] = text[i:end]
        i = _next_member(text, _skip(text, end))
    return docs, _skip(text, i + 1)


def _parse_snapshot(raw: bytes) -> Texts | None:
    """The snapshot's tables as document texts, or None if it is not a TinyDB file."""
    try:
        text = raw.decode("utf-8")
        if not text.strip():
            return {}
        tables: Texts = {}
        i = _after(text, _skip(text, 0), "{")
        while text[i] != "}":
            table, i = _name(text, i)
            tables[table], i = _docs(text, i)
            i = _next_member(text, i)
        if _skip(text, i + 1) != len(text):
            raise ValueError("data after the end")
    except (ValueError, IndexError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return {table: docs for table, docs in tables.items() if docs}


def quarantine_corrupt(path: Path, now: datetime | None = None) -> Path | None:
    """If ``path`` is not a readable TinyDB file, move it aside and return the new path."""
    if not path.exists() or _parse_snapshot(path.read_bytes()) is not None:
        return None
    aside = _aside(path, now)
    log.error("data file %s was unreadable; kept as %s", path, aside)
    return aside


def _journal_changes(raw: bytes) -> list[Change]:
    """The changes of one journal line, exactly as :func:`_line` writes it; else ValueError."""
    line = raw.decode("utf-8")
    head = _ENTRY.match(line)
    if head is None:
        raise ValueError("not a journal entry")
    op = head.group(1)
    table, i = _string(line, head.end())
    changes: list[Change]
    if op == "put_many":
        if not line.startswith(',"d":', i):
            raise ValueError("expected documents")
        docs, i = _docs(line, i + 5)
        changes = [(table, key, text) for key, text in docs.items()]
    else:
        if not line.startswith(',"k":', i):
            raise ValueError("expected a key")
        key, i = _string(line, i + 5)
        if op == "del":
            changes = [(table, key, None)]
        else:
            if not line.startswith(',"d":{', i):
                raise ValueError("expected a document")
            end = _DECODER.raw_decode(line, i + 5)[1]
            changes = [(table, key, line[i + 5 : end])]
            i = end
    if line[i:] != "}":
        raise ValueError("data after the entry")
    return changes


def _apply(tables: Texts, changes: list[Change]) -> bool:
    """Apply ``changes`` in order; True if the last one replaced or removed a document."""
    existed = False
    for table, key, text in changes:
        docs = tables.get(table)
        if text is None:
            existed = docs is not None and docs.pop(key, None) is not None
            if docs is not None and not docs:
                del tables[table]
        else:
            if docs is None:
                docs = tables[table] = {}
            existed = key in docs
            docs[key] = text
    return existed


def _line(op: str, table: str, key: str | None, payload: str | None) -> bytes:
    parts = ['{"op":"', op, '","t":', json.dumps(table)]
    if key is not None:
        parts += [',"k":', json.dumps(key)]
    if payload is not None:
        parts += [',"d":', payload]
    parts.append("}\n")
    return "".join(parts).encode("utf-8")


def _write_snapshot(path: Path, tables: Texts) -> int:
    """Write ``tables`` to ``path`` atomically (temp file, fsync, rename, fsync dir); its size."""
    tmp = path.with_name(path.name + ".tmp")
    size = 0
    try:
        with open(tmp, "wb") as handle:
            parts: list[str] = ["{"]
            pending = 0
            for t, (name, docs) in enumerate(tables.items()):
                parts.append(f"{',' if t else ''}{json.dumps(name)}:{{")
                for d, (key, text) in enumerate(docs.items()):
                    parts.append(f"{',' if d else ''}{json.dumps(key)}:{text}")
                    pending += len(text)
                    if pending > MiB:  # bounded chunks: the GIL is never held for long
                        size += handle.write("".join(parts).encode("utf-8"))
                        parts, pending = [], 0
                parts.append("}")
            parts.append("}")
            size += handle.write("".join(parts).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return size


REDACTED = b"[slettet]"


def _trace_forms(trace: str) -> set[bytes]:
    """The bytes ``trace`` can appear as in a data file: raw, and JSON-escaped."""
    forms = {trace.encode("utf-8", "surrogatepass")}
    for ascii_only in (False, True):
        forms.add(json.dumps(trace, ensure_ascii=ascii_only)[1:-1].encode("utf-8", "surrogatepass"))
    return {form for form in forms if form}


def _redact_file(path: Path, forms: list[bytes]) -> bool:
    """Replace every form in ``path`` by :data:`REDACTED`, atomically; True if it changed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False
    cleaned = raw
    for form in forms:
        cleaned = cleaned.replace(form, REDACTED)
    if cleaned == raw:
        return False
    tmp = path.with_name(f"{path.name}.{os.getpid()}.redacting")
    try:
        with open(tmp, "wb") as handle:
            handle.write(cleaned)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return True


@dataclass
class _Loaded:
    """What start-up found on disk."""

    tables: Texts
    journal_bytes: int = 0  # the good length of the journal
    journal_entries: int = 0
    snapshot_bytes: int = 0
    snapshot_time: datetime | None = None
    quarantined: list[Path] = field(default_factory=list)


def _load(path: Path, journal: Path, *, repair: bool) -> _Loaded:
    """Read the snapshot and replay the journal; with ``repair``, fix what a crash left."""
    if repair:
        for leftover in (
            path.with_name(path.name + ".tmp"),
            journal.with_name(journal.name + ".tmp"),
        ):
            if leftover.exists():
                log.info("removing %s left by an interrupted write", leftover)
                leftover.unlink()
    # Journal first: a compaction in between pairs an older journal with a newer snapshot.
    raw_journal = journal.read_bytes() if journal.exists() else b""
    raw_snapshot = path.read_bytes() if path.exists() else None
    loaded = _Loaded({})
    if raw_snapshot is not None:
        tables = _parse_snapshot(raw_snapshot)
        if tables is None:
            if repair:
                aside = _aside(path)
                loaded.quarantined.append(aside)
                log.error("data file %s was unreadable; kept as %s", path, aside)
            else:
                log.error("data file %s is unreadable; reading the journal only", path)
        else:
            loaded.tables = tables
            loaded.snapshot_bytes = len(raw_snapshot)
            loaded.snapshot_time = datetime.fromtimestamp(path.stat().st_mtime, UTC)

    pos, number, corrupt_at, torn = 0, 0, 0, b""
    while pos < len(raw_journal):
        end = raw_journal.find(b"\n", pos)
        if end < 0:  # no newline: the append never finished
            torn = raw_journal[pos:]
            break
        number += 1
        try:
            changes = _journal_changes(raw_journal[pos:end])
        except (ValueError, IndexError):
            if raw_journal[end + 1 :].strip(b"\x00 \t\r\n"):
                corrupt_at = number  # valid-looking data follows: not a torn append
            else:
                torn = raw_journal[pos:]
            break
        _apply(loaded.tables, changes)
        loaded.journal_entries += 1
        pos = end + 1
    loaded.journal_bytes = pos

    if corrupt_at:
        if not repair:
            log.error(
                "journal %s corrupt at line %d; read the entries before it", journal, corrupt_at
            )
            return loaded
        # Keep the good entries in a snapshot first, then move the journal aside.
        loaded.snapshot_bytes = _write_snapshot(path, loaded.tables)
        loaded.snapshot_time = datetime.now(UTC)
        aside = _aside(journal)
        loaded.quarantined.append(aside)
        loaded.journal_bytes = loaded.journal_entries = 0
        log.error(
            "journal %s corrupt at line %d; kept as %s, loaded the %d entries before it",
            journal,
            corrupt_at,
            aside,
            number - 1,
        )
    elif torn and repair:
        fd = os.open(journal, os.O_WRONLY)
        try:
            os.ftruncate(fd, pos)
            os.fsync(fd)
        finally:
            os.close(fd)
        log.warning(
            "journal %s: ignored a torn last entry (%d bytes at offset %d, never acknowledged)",
            journal,
            len(torn),
            pos,
        )
    return loaded


def read_data(path: Path) -> dict[str, dict[str, Doc]]:
    """Everything a :class:`TinyDBStore` at ``path`` holds on disk now; changes no file."""
    tables = _load(path, path.with_name(path.name + ".journal"), repair=False).tables
    return {
        name: {key: _loads(text) for key, text in docs.items()} for name, docs in tables.items()
    }


def _try_lock(lock_path: Path) -> int | None:
    """A descriptor holding the write lock of the data file, None if another process has it.

    Where the file system cannot lock, -1: this process proceeds as the writer.
    """
    if fcntl is None:  # pragma: no cover
        return -1
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        log.warning("cannot open %s (%s); opening the data read-only", lock_path, exc)
        return None
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return None
        log.warning("cannot lock %s (%s); writing without a lock", lock_path, exc)
        return -1
    return fd


# --------------------------------------------------------------------------- TinyDBStore


class TinyDBStore(Store):
    """The default store: a TinyDB snapshot plus a journal in the data directory.

    See the module docstring for the design. ``compact_entries`` and ``compact_bytes`` set
    how long the journal grows before a new snapshot is written.
    """

    def __init__(
        self,
        path: Path,
        *,
        compact_entries: int = 10_000,
        compact_bytes: int = 8 * MiB,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.journal_path = path.with_name(path.name + ".journal")
        self.compact_entries = compact_entries
        self.compact_bytes = compact_bytes
        self.quarantined: list[Path] = []
        """Files moved aside as unreadable (snapshot and/or journal), for admins."""

        self._lock_path = path.with_name(path.name + ".lock")
        self._lock_fd = _try_lock(self._lock_path)
        if self._lock_fd is None:
            log.warning("%s is in use by another process; opened read-only", path)
        self._tables: Texts = {}
        self._fd: int | None = None  # the journal, opened for appending at the first write
        self._dirty = False  # the journal may hold bytes past ``_journal_bytes``
        self._journal_bytes = 0
        self._journal_entries = 0
        self._snapshot_bytes = 0
        self._last_compaction: datetime | None = None
        self._use(_load(path, self.journal_path, repair=self.owner))
        self._retry_entries = 0  # after a failed compaction: wait for this many more
        self._retry_bytes = 0
        self._compaction: asyncio.Task[bool] | None = None
        self._tail: list[bytes] | None = None  # lines appended while a snapshot is written
        self._tail_entries = 0

    @property
    def owner(self) -> bool:
        """True while this store holds the write lock of its file."""
        return self._lock_fd is not None

    def _use(self, loaded: _Loaded) -> None:
        self._tables = loaded.tables
        self._journal_bytes = loaded.journal_bytes
        self._journal_entries = loaded.journal_entries
        self._snapshot_bytes = loaded.snapshot_bytes
        self._last_compaction = loaded.snapshot_time
        self.quarantined.extend(loaded.quarantined)

    # ----------------------------------------------------------------- reads

    async def get(self, table: str, key: str) -> Doc | None:
        text = self._tables.get(table, {}).get(key)
        return None if text is None else _loads(text)

    async def all(self, table: str) -> dict[str, Doc]:
        return {key: _loads(text) for key, text in self._tables.get(table, {}).items()}

    async def keys(self, table: str) -> list[str]:
        return list(self._tables.get(table, {}))

    def stats(self) -> dict[str, Any]:
        """File, sizes, document counts, journal length, last compaction, quarantined files."""
        tables = {name: len(docs) for name, docs in self._tables.items()}
        last = self._last_compaction
        return {
            "backend": "tinydb",
            "path": str(self.path),
            "read_only": not self.owner,
            "size_bytes": self._snapshot_bytes + self._journal_bytes,
            "snapshot_bytes": self._snapshot_bytes,
            "journal_bytes": self._journal_bytes,
            "journal_entries": self._journal_entries,
            "documents": sum(tables.values()),
            "tables": tables,
            "last_compaction": last.isoformat(timespec="seconds") if last else None,
            "compacting": self._compacting(),
            "quarantined": [str(p) for p in self.quarantined],
        }

    # ----------------------------------------------------------------- writes
    # No ``await`` between the append and the change in memory: writes are serialised by the
    # event loop itself, and a cancelled caller cannot leave one half done.

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        _check_names(table, key)
        text = _doc_text(doc)
        self._ensure_owner()
        if self._tables.get(table, {}).get(key) != text:  # else it is on disk already
            self._write(_line("put", table, key, text), [(table, key, text)])

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        """Insert or replace every ``key: document``: one journal line, all or none."""
        changes: list[Change] = []
        for key, doc in items.items():
            _check_names(table, key)
            changes.append((table, key, _doc_text(doc)))
        if changes:
            payload = "{" + ",".join(f"{json.dumps(k)}:{text}" for _, k, text in changes) + "}"
            self._write(_line("put_many", table, None, payload), changes)

    async def delete(self, table: str, key: str) -> bool:
        self._ensure_owner()
        if key not in self._tables.get(table, {}):
            return False
        self._write(_line("del", table, key, None), [(table, key, None)])
        return True

    def _write(self, line: bytes, changes: list[Change]) -> None:
        """Append ``line`` durably, then apply ``changes`` to memory."""
        self._ensure_owner()
        self._append(line)
        _apply(self._tables, changes)
        self._journal_entries += 1
        if self._tail is not None:  # a snapshot is being written: this line stays
            self._tail.append(line)
            self._tail_entries += 1
        if self._should_compact():
            self._compaction = asyncio.get_running_loop().create_task(
                self._compact(), name="store-compaction"
            )

    def _ensure_owner(self) -> None:
        """Take the write lock if another process had it at start, and reload what it wrote."""
        if self.owner:
            return
        fd = _try_lock(self._lock_path)
        if fd is None:
            raise StoreBusyError(
                f"{self.path} is in use by another process; stop it before changing data"
            )
        self._lock_fd = fd
        try:
            self._use(_load(self.path, self.journal_path, repair=True))
        except BaseException:
            self._release_lock()
            raise
        log.info("%s: now writing (the other process let go)", self.path)

    def _append(self, data: bytes) -> None:
        """Append ``data`` to the journal and fsync it; on failure cut the journal back."""
        if self._fd is None:
            created = not self.journal_path.exists()
            self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if created:
                _fsync_dir(self.journal_path.parent)
        if self._dirty:  # an earlier append failed halfway and could not be cut back then
            os.ftruncate(self._fd, self._journal_bytes)
            self._dirty = False
        try:
            _write_all(self._fd, data)
            os.fsync(self._fd)
        except BaseException:
            try:  # a half-written line must never end up in the middle of the journal
                os.ftruncate(self._fd, self._journal_bytes)
            except OSError:
                self._dirty = True
            raise
        self._journal_bytes += len(data)

    # ----------------------------------------------------------------- compaction

    def _compacting(self) -> bool:
        task = self._compaction
        return task is not None and not task.done() and not task.get_loop().is_closed()

    def _should_compact(self) -> bool:
        if not self.owner or self._journal_entries == 0 or self._compacting():
            return False
        entries = self._journal_entries - self._retry_entries
        size = self._journal_bytes - self._retry_bytes
        return entries >= self.compact_entries or size >= max(
            self.compact_bytes, self._snapshot_bytes
        )

    async def compact(self) -> bool:
        """Write a new snapshot and restart the journal now; False if that failed (logged)."""
        while self._compacting():
            assert self._compaction is not None
            await asyncio.wait([self._compaction])
        self._compaction = asyncio.get_running_loop().create_task(
            self._compact(), name="store-compaction"
        )
        return await self._compaction

    async def _compact(self) -> bool:
        if not self.owner:
            return False
        # No await since the last write: memory is exactly snapshot + journal.
        view = {name: dict(docs) for name, docs in self._tables.items()}
        self._tail, self._tail_entries = [], 0
        try:
            size = await asyncio.to_thread(_write_snapshot, self.path, view)
            self._replace_journal(b"".join(self._tail), self._tail_entries)
        except Exception:
            log.exception("compaction of %s failed; the journal keeps every write", self.path)
            self._retry_entries, self._retry_bytes = self._journal_entries, self._journal_bytes
            return False
        finally:
            self._tail = None
        self._snapshot_bytes = size
        self._last_compaction = datetime.now(UTC)
        self._retry_entries = self._retry_bytes = 0
        log.debug(
            "compacted %s: %d bytes, %d entries carried over",
            self.path,
            size,
            self._journal_entries,
        )
        return True

    async def redact(self, traces: Collection[str]) -> int:
        """Cut ``traces`` out of the files kept aside as unreadable (``*.corrupt-*``, from this
        or an earlier start), each replaced atomically; how many files changed.

        A trace is cut as written raw and as JSON writes it (escaped, with or without
        ``ensure_ascii``). Files stay kept aside for the admins, only without those bytes.
        """
        forms = sorted(
            {form for trace in traces if trace for form in _trace_forms(trace)},
            key=len,
            reverse=True,
        )
        if not forms:
            return 0
        kept = {*self.quarantined}
        for name in (self.path.name, self.journal_path.name):
            kept.update(self.path.parent.glob(f"{glob.escape(name)}.corrupt-*"))
        return sum([await asyncio.to_thread(_redact_file, path, forms) for path in sorted(kept)])

    def _replace_journal(self, tail: bytes, entries: int) -> None:
        """Make ``tail`` (the lines written during the snapshot) the whole journal."""
        tmp = self.journal_path.with_name(self.journal_path.name + ".tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(tail)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.journal_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if self._fd is not None:  # it points at the replaced file
            os.close(self._fd)
            self._fd = None
        self._journal_bytes, self._journal_entries, self._dirty = len(tail), entries, False
        _fsync_dir(self.journal_path.parent)

    # ----------------------------------------------------------------- closing

    async def close(self) -> None:
        """Compact, then release the files; the store stays readable (and writable again)."""
        if self.owner and self._journal_entries:
            await self.compact()
        elif self._compacting():
            assert self._compaction is not None
            await asyncio.wait([self._compaction])
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._release_lock()

    def __del__(self) -> None:
        # Dropped without close(): let go of the files (everything written is on disk).
        try:
            if self._fd is not None:
                os.close(self._fd)
            self._release_lock()
        except (AttributeError, OSError):
            pass

    def _release_lock(self) -> None:
        if self._lock_fd is not None and self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing the descriptor releases the lock
        self._lock_fd = None
