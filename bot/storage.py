"""Key–document storage: an in-memory backend, and TinyDB files (the default).

Documents are JSON objects in named tables, addressed by string keys (``dialogs/store.py``).
Both backends read from memory and hand out fresh copies, so no caller can change what is
stored.

**TinyDB, through its own API.** :class:`TinyDBStore` keeps the data in TinyDB databases:
``TinyDB`` instances whose tables hold documents keyed by our string keys (a ``Table``
subclass with ``document_id_class = str``, TinyDB's documented way to choose document ids). A
put inserts (``Table.insert`` of a ``Document`` with its key), or replaces the whole document
in its place (``Table.update`` with a callable; ``upsert`` would merge fields, and a put is a
replacement); a delete is ``Table.remove(doc_ids=…)``; reads are ``Table.get(doc_id=…)`` and
iterating a table. Durability comes through TinyDB's extension point for that, a ``Storage``
subclass (:class:`AtomicJSONStorage`): it writes its whole file atomically (temporary file,
fsync, rename, fsync of the directory) and keeps the data in memory, so reads cost no I/O.
No ``CachingMiddleware``: it acknowledges writes it has not written.

**Partitions.** A TinyDB file is rewritten whole on every write, so one file for everything
would make a write cost the whole database (tens of milliseconds at 10 000 status replies).
The data is spread over many small TinyDB files in ``strategibot/`` next to
``strategibot.json`` (see :func:`partition_of`), so a write costs what its file holds:

* tables that change together share one file, so one atomic file write covers a change to
  several of them: ``status.json`` (leaders, rounds, the status ledger, meeting notes) and
  ``reminders.json`` (committees, meetings, the reminder ledger, snoozes, acknowledgements,
  settings);
* status replies: a directory per round, spread over :data:`REPLY_BUCKETS` files by leader
  (``status_replies/<round>/03.json``);
* the outbox, conversations and the question log grow with use: spread over a few files each
  by a hash of the key (``outbox/07.json``);
* any other table: a file of its own.

``keys`` and ``all`` list a table file by file, in the order its keys were first stored within
each file; a replaced document keeps its place.

**Writes.** A write takes the asyncio lock of each file it touches (in name order, so two
writes never wait for each other in a circle), makes its change with TinyDB's API against a
copy of that file's data in memory (:meth:`AtomicJSONStorage.stage`), writes the file in a
worker thread (``asyncio.to_thread``: the event loop goes on), and only then makes the new
data what readers see. So a write is durable before the coroutine returns, a failed write
changes nothing (neither memory nor the file), readers never see a change that is not on disk,
and writes to one file are serialised while different files are written in parallel. A read
waits while a write to its file (``get``) or table (``all``, ``keys``) is under way, so it sees
every write issued before it returns, as when writes did not yield: a handler's read, merge
and write (four submits of one leader at once) loses no update. A caller that is cancelled
does not cancel its write: it finishes (or fails) on its own, holding the lock until the file
is whole. A put of the document already stored writes nothing, and a file is written with the
JSON of its unchanged documents as encoded last time.

:meth:`~Store.add` checks and inserts under the file's lock: of any number of concurrent
callers exactly one gets True. :meth:`~Store.apply` (and ``put_many``) changes every document
or none: within one file that is one atomic write; across files it first writes an *intent*
(``strategibot/<time>-<id>.intent``: the changes, written atomically), then each file, then
removes the intent. If a file write fails, the files already written are written back as they
were and the intent is removed, so nothing changed. A crash in the middle leaves the intent:
the next start completes the change in every file it names (replaying whole-document puts and
deletes is idempotent). If even that undo cannot be written (the disk refuses every write), or
the intent cannot be removed, the change is kept in memory as the next start will complete
it, and those files refuse writes until the restart (:class:`StoreFrozenError`), so a later
write can never be undone by the replay.

:meth:`~Store.compact` has nothing to fold: every write already rewrote its file whole, so a
deleted document is gone from the files when the delete returns. It waits for writes in
flight and removes files left empty.

**Start-up** (the process holding the lock): temporary files left by a crash are removed (the
file each was to replace is still whole); a file that is not TinyDB JSON is moved aside as
``<name>.corrupt-<timestamp>`` (never overwritten) and the store starts with what it could read
(:attr:`TinyDBStore.quarantined`, ``stats()["quarantined"]``: the bot tells the admins); intents
are completed; a document found in another file than its own (the partitioning changed) is
moved to its own file. Opening 10 000 status replies takes about as long as reading the JSON.

**Migration.** The data of earlier versions (``strategibot.json``, a snapshot in the same
TinyDB JSON format, and ``strategibot.json.journal``, one JSON line per write since) is
migrated at the first start, once: the journal is replayed over the snapshot as that version
did (a torn last line ignored; of a damaged file, what could be read), both files are copied to
``*.pre-tinydb`` (kept: the backup of the old files), the data is written into
``strategibot.migrating/``, which is renamed to ``strategibot/`` (the commit), and then the old
files are removed (a damaged one is moved aside as ``.corrupt-<timestamp>`` and reported). A
crash at any step leaves either the old files or the new directory to start from. A
``strategibot.json`` put next to an existing ``strategibot/`` by hand is not read (the log says
so): to restore a backup, stop the bot, move ``strategibot/`` away, put the copy in place as
``strategibot.json`` and start (the copy is migrated).

**One writer.** One process writes a data directory at a time: the writer holds a POSIX lock
on ``strategibot.json.lock`` (the name earlier versions used, so an old bot still running keeps
a new one out). A second process (a command-line tool while the bot runs) opens the data
read-only: it reads everything, repairs nothing, and a write raises :class:`StoreBusyError`
instead of fighting the owner. It takes the lock (and reloads) at its first write once the
other process has let go. POSIX locks belong to a process: two stores on one directory in the
same process do not exclude each other (opening a second one is like restarting after a crash
of the first). :func:`read_data` reads the files without any of this, as one consistent copy,
for tools, tests and ``python -m bot backup``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import glob
import json
import logging
import os
import re
import shutil
import time
import uuid
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
    fcntl = None  # type: ignore[assignment]

from bot.settings import DATA_FILE
from dialogs.store import Change, Doc, Store

log = logging.getLogger(__name__)

Tables = dict[str, dict[str, Doc]]  # table -> key -> document: a TinyDB file's data

# --------------------------------------------------------------------------- documents


def doc_text(doc: Mapping[str, Any]) -> str:
    """The compact JSON text of ``doc``, as every backend stores it; raises TypeError for
    what JSON cannot hold."""
    if not isinstance(doc, Mapping):
        raise TypeError(f"a document is a mapping, not {type(doc).__name__}")
    plain = doc if isinstance(doc, dict) else dict(doc)
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: keep them as \u escapes
        text = json.dumps(plain, separators=(",", ":"))
    return text


def _plain(doc: Mapping[str, Any]) -> Doc:
    """A deep copy of ``doc`` as plain JSON data (tuples become lists, keys strings);
    TypeError for what JSON cannot hold."""
    if not isinstance(doc, Mapping):
        raise TypeError(f"a document is a mapping, not {type(doc).__name__}")
    plain: Doc = json.loads(json.dumps(doc if isinstance(doc, dict) else dict(doc)))
    return plain


def _clone(value: Any) -> Any:
    """A deep copy of stored JSON data (dicts, lists and immutable scalars)."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def _loads(text: str) -> Doc:
    doc: Doc = json.loads(text)
    return doc


def _check_names(table: str, key: str) -> None:
    if not isinstance(table, str) or not isinstance(key, str):
        raise TypeError("table and key are strings")


# --------------------------------------------------------------------------- MemoryStore


class MemoryStore(Store):
    """A store that lives and dies with the process (tests, benchmarks)."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}  # table -> key -> the document's JSON

    async def get(self, table: str, key: str) -> Doc | None:
        text = self._tables.get(table, {}).get(key)
        return None if text is None else _loads(text)

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        _check_names(table, key)
        self._tables.setdefault(table, {})[key] = doc_text(doc)

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        texts: dict[str, str] = {}
        for key, doc in items.items():
            _check_names(table, key)
            texts[key] = doc_text(doc)
        if texts:
            self._tables.setdefault(table, {}).update(texts)

    async def delete(self, table: str, key: str) -> bool:
        return self._tables.get(table, {}).pop(key, None) is not None

    async def apply(self, changes: Sequence[Change]) -> None:
        """Every change or none: all documents are checked before the first is stored."""
        texts: list[tuple[str, str, str | None]] = []
        for table, key, doc in changes:
            _check_names(table, key)
            texts.append((table, key, None if doc is None else doc_text(doc)))
        for table, key, text in texts:
            if text is None:
                self._tables.get(table, {}).pop(key, None)
            else:
                self._tables.setdefault(table, {})[key] = text

    async def all(self, table: str) -> dict[str, Doc]:
        return {key: _loads(text) for key, text in self._tables.get(table, {}).items()}

    async def keys(self, table: str) -> list[str]:
        return list(self._tables.get(table, {}))

    def stats(self) -> dict[str, Any]:
        """Document counts."""
        tables = {name: len(docs) for name, docs in self._tables.items() if docs}
        return {"backend": "memory", "documents": sum(tables.values()), "tables": tables}


class StoreBusyError(RuntimeError):
    """Another process owns the data directory; this one may only read it."""


class StoreFrozenError(RuntimeError):
    """A multi-file change could neither be finished nor undone on disk: the files it touched
    refuse writes until the next start completes it (the disk refused writes)."""


# --------------------------------------------------------------------------- partitions

REPLY_BUCKETS = 16
"""Files per status round, by leader: 10 000 replies of 14 answers over 20 rounds are ~180 KB
a file (a put of a reply, p50 with 8 files 1.6 ms, 16: 1.0–1.5 ms, 32: 0.8–1.2 ms here)."""

# The features' table names (``tests/bot/test_tinydb.py`` checks them against the features).
_GROUPS: dict[str, str] = {
    # A round and its ledger (and who gets it, and the notes it reports) change together.
    "leaders": "status",
    "status_rounds": "status",
    "status_ledger": "status",
    "meeting_notes": "status",
    # A committee and its meetings, and the ledger of reminders sent for them.
    "committees": "reminders",
    "meetings": "reminders",
    "reminder_ledger": "reminders",
    "reminder_snoozes": "reminders",
    "reminder_acks": "reminders",
    "reminder_settings": "reminders",
}
# Tables that grow with use, spread over files by a hash of the key: (directory, files).
_SPREAD: dict[str, tuple[str, int]] = {
    "outbox": ("outbox", 16),
    "conversations": ("conversations", 8),
    "personal_chats": ("conversations", 8),
    "question_log": ("questions", 8),
    "feedback": ("questions", 8),
    "question_authors": ("questions", 8),
}
REPLIES = "status_replies"  # keys ``<round>|<leader>``: a directory per round

_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def _safe(name: str) -> str:
    """``name`` as a file name: lower-case ASCII letters, digits, ``_`` and ``-``; a name
    that had to change gets a hash of the original, so two names never share a file (also on
    file systems that ignore case)."""
    slug = _UNSAFE.sub("_", name.lower())[:48]
    if slug != name or not slug:
        slug = f"{slug}-{_hash(name):08x}"
    return slug


def _hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def partition_of(table: str, key: str) -> str:
    """The file (relative to the store's directory, without ``.json``) that holds ``key``."""
    if table in _GROUPS:
        return _GROUPS[table]
    if table == REPLIES:
        round_id, sep, leader = key.partition("|")
        bucket = _hash(leader if sep else key) % REPLY_BUCKETS
        return f"{REPLIES}/{_safe(round_id if sep else '')}/{bucket:02d}"
    if table in _SPREAD:
        directory, files = _SPREAD[table]
        return f"{directory}/{_hash(key) % files:02d}"
    return _safe(table)


# --------------------------------------------------------------------------- file helpers


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    """Make renames, new and removed files in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot sync a directory
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _make_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents durably."""
    if directory.is_dir():
        return
    _make_dirs(directory.parent)
    with contextlib.suppress(FileExistsError):
        directory.mkdir()
    _fsync_dir(directory.parent)


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: temporary file, fsync, rename, fsync of the directory.
    The file is whole before or after; on an error the temporary file is removed."""
    _make_dirs(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _remove_durably(path: Path) -> None:
    path.unlink(missing_ok=True)
    _fsync_dir(path.parent)


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


TextCache = dict[tuple[str, str], tuple[Doc, bytes]]  # (table, key) -> (document, its member)


def _encode(tables: Mapping[str, Mapping[str, Doc]], cache: TextCache | None = None) -> bytes:
    """A TinyDB JSON file of ``tables`` (empty tables left out), exactly as ``json.dumps``
    writes it. With ``cache``, a document that is the very object encoded last time is not
    encoded again (a write changes a document or two of a file); ``cache`` is renewed."""
    pieces: list[bytes] = [b"{"]
    renewed: TextCache = {}
    try:
        for name, docs in tables.items():
            if not docs:
                continue
            if len(pieces) > 1:
                pieces.append(b",")
            pieces += (_dumps(name).encode(), b":{")
            for n, (key, doc) in enumerate(docs.items()):
                hit = cache.get((name, key)) if cache is not None else None
                if hit is None or hit[0] is not doc:
                    hit = (doc, f"{_dumps(key)}:{_dumps(doc)}".encode())
                renewed[(name, key)] = hit
                pieces += (b",", hit[1]) if n else (hit[1],)
            pieces.append(b"}")
    except UnicodeEncodeError:  # a lone surrogate: this file in \u escapes
        data = {name: docs for name, docs in tables.items() if docs}
        return json.dumps(data, separators=(",", ":")).encode("ascii")
    pieces.append(b"}")
    if cache is not None:
        cache.clear()
        cache.update(renewed)
    return b"".join(pieces)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _decode(raw: bytes) -> Tables | None:
    """The tables of a TinyDB JSON file, or None if it is not one."""
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (ValueError, RecursionError):  # also UnicodeDecodeError
        return None
    if not isinstance(data, dict) or not all(
        isinstance(docs, dict) and all(isinstance(d, dict) for d in docs.values())
        for docs in data.values()
    ):
        return None
    return data


def quarantine_corrupt(path: Path, now: datetime | None = None) -> Path | None:
    """Move ``path`` aside if it is not a readable TinyDB file; where it went, else None."""
    if not path.exists() or _decode(path.read_bytes()) is not None:
        return None
    return _aside(path, now)


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


def _try_lock(lock_path: Path) -> int | None:
    """A descriptor holding the write lock of the data directory, None if another process
    has it. Where the file system cannot lock, -1: this process proceeds as the writer."""
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


# --------------------------------------------------------------------------- TinyDB


class AtomicJSONStorage(Storage):
    """TinyDB's storage for one file: TinyDB JSON, written whole and atomically (temporary
    file, fsync, rename, fsync of the directory) before a write returns; the data is kept
    in memory, so a read costs no I/O.

    :meth:`stage` runs TinyDB operations as one change that is not yet written
    (:meth:`persist`, from any thread) nor seen by readers (:meth:`publish`), which is how
    :class:`TinyDBStore` writes each file once per change, off the event loop, and never lets
    a reader see what is not on disk. Used directly (``TinyDB(path, storage=…)``), every
    TinyDB write is written at once.
    """

    def __init__(self, path: str | os.PathLike[str], data: Tables | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        if data is None:
            raw = self.path.read_bytes() if self.path.exists() else b""
            decoded = _decode(raw)
            if decoded is None:
                raise ValueError(f"{self.path} is not a TinyDB JSON file")
            data = decoded
        self._data: Tables = data
        self._pending: Tables | None = None
        self._texts: TextCache = {}  # each document's JSON, as last written (persist only)
        self.size = self.path.stat().st_size if self.path.exists() else 0

    @property
    def committed(self) -> Tables:
        """The data as on disk (never change it: it is shared with readers)."""
        return self._data

    def read(self) -> Tables:
        if self._pending is not None:
            return self._pending
        return dict(self._data)  # a table TinyDB replaces in it does not change ours

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._pending is not None:
            self._pending = data
            return
        self.publish(data, self.persist(data))

    def stage(self, change: Callable[[], None]) -> Tables:
        """Run ``change`` (TinyDB calls on this storage's database) against a copy of the data;
        the data it leaves, neither written nor published. If it raises, nothing changed.

        The copy is of the top level: TinyDB builds a new dict for each table it changes, and
        ``change`` must copy a document before ``Table.update`` changes it in place
        (:meth:`detach`)."""
        self._pending = dict(self._data)
        try:
            change()
            staged = self._pending
        finally:
            self._pending = None
        return staged

    def detach(self, table: str, keys: Collection[str]) -> dict[str, Doc]:
        """In :meth:`stage`: give ``table`` its own dict with its own copies of the documents
        at ``keys``, so updating them in place changes nothing readers see; that dict."""
        assert self._pending is not None, "only in stage()"
        docs = dict(self._pending[table])
        for key in keys:
            docs[key] = dict(docs[key])
        self._pending[table] = docs
        return docs

    def persist(self, data: Tables) -> int:
        """Write ``data`` to the file atomically and durably; its size in bytes. (One call at
        a time per storage, from any thread.)"""
        raw = _encode(data, self._texts)
        _write_atomic(self.path, raw)
        return len(raw)

    def publish(self, data: Tables, size: int) -> None:
        """Make ``data`` (written) what readers see."""
        self._data = data
        self.size = size


class _KeyedTable(Table):
    """A table whose documents are keyed by our string keys."""

    document_id_class = str  # type: ignore[assignment]

    def _get_next_id(self) -> str:
        raise TypeError("documents in this store always have a key")


class _KeyedDB(TinyDB):
    table_class = _KeyedTable


@dataclass
class _Partition:
    """One TinyDB file."""

    name: str
    db: TinyDB

    @property
    def storage(self) -> AtomicJSONStorage:
        storage = self.db.storage
        assert isinstance(storage, AtomicJSONStorage)
        return storage


def _open_partition(root: Path, name: str, data: Tables) -> _Partition:
    return _Partition(name, _KeyedDB(root / f"{name}.json", data, storage=AtomicJSONStorage))


def _replacing(by_object: Mapping[int, Doc]) -> Callable[[MutableMapping[str, Any]], None]:
    """For ``Table.update``: each stored document (by identity) becomes its replacement."""

    def replace(stored: MutableMapping[str, Any]) -> None:
        doc = by_object[id(stored)]
        stored.clear()
        stored.update(doc)

    return replace


def _stage(part: _Partition, changes: Sequence[tuple[str, str, Doc | None]]) -> Tables | None:
    """The data of ``part`` after ``changes`` (the last change of a key wins), made with
    TinyDB's API; None if they change nothing."""
    wanted: dict[str, dict[str, Doc | None]] = {}
    for table, key, doc in changes:
        wanted.setdefault(table, {})[key] = doc
    changed = False

    def run() -> None:
        nonlocal changed
        db, storage = part.db, part.storage
        for name, docs in wanted.items():
            table = db.table(name)
            stored = storage.read().get(name, {})
            gone = [key for key, doc in docs.items() if doc is None and key in stored]
            new = [
                Document(doc, key)  # type: ignore[arg-type]
                for key, doc in docs.items()
                if doc is not None and key not in stored
            ]
            replaced = {
                key: doc
                for key, doc in docs.items()
                if doc is not None and key in stored and stored[key] != doc
            }
            if gone:
                table.remove(doc_ids=gone)  # type: ignore[arg-type]
            if new:
                table.insert_multiple(new)
            if replaced:
                # One pass over the table: each stored document (a copy) becomes its
                # replacement, in its place.
                current = storage.detach(name, replaced)
                by_object = {id(current[key]): doc for key, doc in replaced.items()}
                table.update(_replacing(by_object), doc_ids=list(replaced))  # type: ignore[arg-type]
            if gone or new or replaced:
                changed = True
                if not storage.read().get(name):
                    db.drop_table(name)

    staged = part.storage.stage(run)
    return staged if changed else None


# --------------------------------------------------------------------------- loading


@dataclass
class _Loaded:
    """What was found on disk: each file's data, and what start-up must do about it."""

    parts: dict[str, Tables] = field(default_factory=dict)
    quarantined: list[Path] = field(default_factory=list)
    gained: set[str] = field(default_factory=set)  # files that gained or changed documents
    lost: set[str] = field(default_factory=set)  # files that held documents of other files
    intents: list[Path] = field(default_factory=list)  # to remove once the files are written

    @property
    def to_write(self) -> list[str]:
        """The files to write, those that lost documents last (a crash in between leaves a
        document in two files, never in none)."""
        return sorted(self.gained - self.lost) + sorted(self.lost)


def _route(files: Mapping[str, Tables], loaded: _Loaded) -> None:
    """Every document into its own file's data; a file that lost or gained documents (the
    partitioning changed) is to be written. The name ``""`` is data from no file."""
    misplaced: list[tuple[str, str, str, Doc]] = []
    for name, data in files.items():
        own: Tables = {}
        for table, docs in data.items():
            for key, doc in docs.items():
                if partition_of(table, key) == name:
                    own.setdefault(table, {})[key] = doc
                else:
                    misplaced.append((name, table, key, doc))
        if name:
            loaded.parts[name] = own
    for source, table, key, doc in misplaced:
        if source:
            loaded.lost.add(source)
        target = partition_of(table, key)
        docs = loaded.parts.setdefault(target, {}).setdefault(table, {})
        if key not in docs:  # a copy in its own file wins
            docs[key] = doc
            loaded.gained.add(target)


def _decode_intent(raw: bytes) -> list[tuple[str, str, Doc | None]] | None:
    try:
        data = json.loads(raw.decode("utf-8"))
        changes = [(str(t), str(k), d) for t, k, d in data["changes"]]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    if not all(d is None or isinstance(d, dict) for _, _, d in changes):
        return None
    return changes


def _apply_intent(loaded: _Loaded, changes: Sequence[tuple[str, str, Doc | None]]) -> None:
    for table, key, doc in changes:
        name = partition_of(table, key)
        docs = loaded.parts.setdefault(name, {}).setdefault(table, {})
        if doc is None:
            docs.pop(key, None)
        else:
            docs[key] = doc
        loaded.gained.add(name)


def _load_directory(root: Path, *, repair: bool) -> _Loaded:
    """Read every TinyDB file under ``root`` and the intents left by a crash; with
    ``repair``, remove temporary files and move unreadable files aside."""
    loaded = _Loaded()
    if not root.is_dir():
        return loaded
    if repair:
        for leftover in sorted(root.rglob("*.tmp")):
            log.info("removing %s left by an interrupted write", leftover)
            leftover.unlink()
    files: dict[str, Tables] = {}
    for path in sorted(root.rglob("*.json")):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:  # removed meanwhile (a reader of a running bot's files)
            continue
        data = _decode(raw)
        if data is None:
            if repair:
                aside = _aside(path)
                loaded.quarantined.append(aside)
                log.error("data file %s was unreadable; kept as %s", path, aside)
            else:
                log.error("data file %s is unreadable; reading the others", path)
            continue
        files[path.relative_to(root).with_suffix("").as_posix()] = data
    _route(files, loaded)
    for intent in sorted(root.glob("*.intent")):
        try:
            changes = _decode_intent(intent.read_bytes())
        except FileNotFoundError:  # completed meanwhile
            continue
        if changes is None:
            if repair:
                aside = _aside(intent)
                loaded.quarantined.append(aside)
                log.error("change file %s was unreadable; kept as %s", intent, aside)
            continue
        log.warning("completing a change interrupted by a crash (%d documents)", len(changes))
        _apply_intent(loaded, changes)
        loaded.intents.append(intent)
    return loaded


LEGACY_BACKUP = ".pre-tinydb"


def _read_legacy(path: Path) -> tuple[Tables, list[Path]]:
    """The data of an earlier version's snapshot ``path`` and its journal, replayed as that
    version did, and which of the two are damaged: a torn last line is ignored; of an
    unreadable snapshot or a journal corrupt in the middle, what could be read is kept."""
    tables: Tables = {}
    damaged: list[Path] = []
    if path.exists():
        data = _decode(path.read_bytes())
        if data is None:
            log.error("data file %s is unreadable; reading its journal only", path)
            damaged.append(path)
        else:
            tables = data
    journal = path.with_name(path.name + ".journal")
    raw = journal.read_bytes() if journal.exists() else b""
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line and number == len(lines):
            break
        entry = _legacy_entry(line) if number < len(lines) else None
        if entry is None:
            if b"\n".join(lines[number:]).strip(b"\x00 \t\r\n"):
                log.error(
                    "journal %s corrupt at line %d; read the lines before it", journal, number
                )
                damaged.append(journal)
            else:
                log.warning("journal %s: ignored a torn last entry (never acknowledged)", journal)
            break
        for table, key, doc in entry:
            docs = tables.setdefault(table, {})
            if doc is None:
                docs.pop(key, None)
            else:
                docs[key] = doc
    return {table: docs for table, docs in tables.items() if docs}, damaged


def _legacy_entry(line: bytes) -> list[tuple[str, str, Doc | None]] | None:
    """The changes of one journal line of an earlier version, or None."""
    try:
        entry = json.loads(line.decode("utf-8"))
        op, table = entry["op"], entry["t"]
        if not isinstance(table, str):
            return None
        if op == "put_many" and isinstance(entry["d"], dict):
            docs = entry["d"]
            if all(isinstance(d, dict) for d in docs.values()):
                return [(table, key, doc) for key, doc in docs.items()]
        elif op in ("put", "del") and isinstance(entry["k"], str):
            if op == "del":
                return [(table, entry["k"], None)]
            if isinstance(entry["d"], dict):
                return [(table, entry["k"], entry["d"])]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return None


def _legacy_files(path: Path) -> list[Path]:
    return [p for p in (path, path.with_name(path.name + ".journal")) if p.exists()]


def _backups(legacy: Path) -> list[Path]:
    """The ``<name>.pre-tinydb[-n]`` copies of ``legacy``."""
    pattern = re.compile(re.escape(legacy.name + LEGACY_BACKUP) + r"(-\d+)?")
    found = legacy.parent.glob(glob.escape(legacy.name) + LEGACY_BACKUP + "*")
    return sorted(p for p in found if pattern.fullmatch(p.name) and p.is_file())


def _backup_of(legacy: Path) -> Path | None:
    """A ``*.pre-tinydb`` copy with the same bytes as ``legacy``, if there is one."""
    raw = legacy.read_bytes()
    return next((p for p in _backups(legacy) if p.read_bytes() == raw), None)


def _keep_backup(legacy: Path) -> Path:
    """Copy ``legacy`` to a new ``<name>.pre-tinydb[-n]`` (durably); the copy."""
    existing = _backup_of(legacy)
    if existing is not None:
        return existing
    backup = legacy.with_name(legacy.name + LEGACY_BACKUP)
    n = 1
    while backup.exists():
        n += 1
        backup = legacy.with_name(f"{legacy.name}{LEGACY_BACKUP}-{n}")
    _write_atomic(backup, legacy.read_bytes())
    return backup


def _snapshot_files(root: Path, legacy: Path) -> list[tuple[str, int, int, int]]:
    """Every data file with its inode, size and time: any write changes this."""
    paths = [*(root.rglob("*.json") if root.is_dir() else ()), *root.glob("*.intent")]
    paths += _legacy_files(legacy)
    found = []
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            st = path.stat()
            found.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return sorted(found)


def _merge(parts: Mapping[str, Tables]) -> Tables:
    merged: Tables = {}
    for name in sorted(parts):
        for table, docs in parts[name].items():
            if docs:
                merged.setdefault(table, {}).update(docs)
    return merged


def read_data(path: Path) -> dict[str, dict[str, Doc]]:
    """Everything the store named ``path`` holds on disk now, as one consistent copy (read
    again while the bot wrote meanwhile); changes no file."""
    root = _root_of(path)
    for attempt in range(100):
        before = _snapshot_files(root, path)
        try:
            if root.is_dir():
                data = _merge(_load_directory(root, repair=False).parts)
            else:
                data = _read_legacy(path)[0]
        except FileNotFoundError:  # the owner migrated meanwhile
            continue
        if _snapshot_files(root, path) == before:
            return data
        time.sleep(0.001 * attempt)
    raise RuntimeError(f"the data in {root} kept changing while it was read; try again")


def _root_of(path: Path) -> Path:
    """The directory of the TinyDB files of the store named ``path`` (``strategibot/``)."""
    return path.with_name(path.stem if path.suffix else path.name + ".d")


# --------------------------------------------------------------------------- TinyDBStore


class TinyDBStore(Store):
    """The default store: TinyDB files in ``strategibot/`` next to ``path`` (the data
    directory's ``strategibot.json``). See the module docstring for the design."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.root = _root_of(path)
        self.quarantined: list[Path] = []
        """Files moved aside as unreadable, for the admins."""
        self.migrated: list[Path] = []
        """Backups of an earlier version's files, when this start migrated them."""
        self._lock_path = path.with_name(path.name + ".lock")
        self._lock_fd = _try_lock(self._lock_path)
        if self._lock_fd is None:
            log.warning("%s is in use by another process; opened read-only", self.root)
        self._parts: dict[str, _Partition] = {}
        self._frozen: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: set[asyncio.Task[bool]] = set()
        # Writes issued and not yet finished, by "p:<file>" and "t:<table>" they touch: a read
        # waits for those issued before it (see _change).
        self._writing: dict[str, set[asyncio.Task[bool]]] = {}
        self._open()

    @property
    def owner(self) -> bool:
        """True while this store holds the write lock of its data directory."""
        return self._lock_fd is not None

    # ----------------------------------------------------------------- opening

    def _open(self) -> None:
        repair = self.owner
        if repair:
            self._migrate()
        if self.root.is_dir() or repair:
            loaded = _load_directory(self.root, repair=repair)
        else:  # read-only, before the owner migrated: the old files, in memory
            loaded = _Loaded()
            if _legacy_files(self.path):
                _route({"": _read_legacy(self.path)[0]}, loaded)
        self.quarantined.extend(loaded.quarantined)
        self._parts = {
            name: _open_partition(self.root, name, data)
            for name, data in sorted(loaded.parts.items())
        }
        if repair:
            for name in loaded.to_write:
                part = self._parts[name]
                part.storage.publish(
                    part.storage.committed, part.storage.persist(part.storage.committed)
                )
            for intent in loaded.intents:
                _remove_durably(intent)
            if loaded.to_write:
                log.info("start-up rewrote %d data files", len(loaded.to_write))

    def _migrate(self) -> None:
        """Move an earlier version's ``strategibot.json`` and journal into TinyDB files, once
        (see the module docstring)."""
        legacy = _legacy_files(self.path)
        prefix = glob.escape(self.path.name)
        for leftover in self.path.parent.glob(f"{prefix}*.tmp"):
            log.info("removing %s left by an interrupted write", leftover)
            leftover.unlink()
        if self.root.is_dir():
            for old in legacy:  # left by a migration that stopped before its last step
                if _backup_of(old) is not None:
                    _remove_durably(old)
                else:
                    log.warning(
                        "ignoring %s: the data lives in %s (to restore a copy, stop the bot, "
                        "move %s away and put the copy in place as %s)",
                        old,
                        self.root,
                        self.root.name,
                        self.path.name,
                    )
            return
        staging = self.root.with_name(self.root.name + ".migrating")
        if staging.exists():
            shutil.rmtree(staging)
        if not legacy:
            return
        tables, damaged = _read_legacy(self.path)
        backups = [_keep_backup(old) for old in legacy]
        loaded = _Loaded()
        _route({"": tables}, loaded)
        for name, data in loaded.parts.items():
            if data:
                _write_atomic(staging / f"{name}.json", _encode(data))
        _make_dirs(staging)
        os.replace(staging, self.root)  # the commit: from here on the data is in root
        _fsync_dir(self.root.parent)
        for old in legacy:
            if old in damaged:  # kept aside for the admins, as any unreadable file
                aside = _aside(old)
                self.quarantined.append(aside)
                log.error("%s was damaged; kept as %s", old, aside)
            else:
                _remove_durably(old)
        self.migrated = backups
        documents = sum(len(docs) for docs in tables.values())
        log.warning(
            "migrated %d documents from %s to TinyDB files in %s; the old files are kept as %s",
            documents,
            self.path.name,
            self.root,
            ", ".join(p.name for p in backups) or "-",
        )

    def _ensure_owner(self) -> None:
        """Take the write lock if another process had it at start, and reload what it wrote."""
        if self.owner:
            return
        fd = _try_lock(self._lock_path)
        if fd is None:
            raise StoreBusyError(
                f"{self.root} is in use by another process; stop it before changing data"
            )
        self._lock_fd = fd
        try:
            self._open()
        except BaseException:
            self._release_lock()
            raise
        log.info("%s: now writing (the other process let go)", self.root)

    # ----------------------------------------------------------------- reads

    def _holding(self, table: str) -> Iterator[_Partition]:
        """The files that hold documents of ``table``."""
        if table in _GROUPS or (table not in _SPREAD and table != REPLIES):
            part = self._parts.get(partition_of(table, ""))
            if part is not None and part.storage.committed.get(table):
                yield part
            return
        for name in sorted(self._parts):
            part = self._parts[name]
            if part.storage.committed.get(table):
                yield part

    async def _after_writes(self, mark: str) -> None:
        """Wait until no write that touches ``mark`` (a file or a table) is under way, also
        one issued while waiting: the caller then reads, and issues its own write, without
        yielding in between."""
        while pending := self._writing.get(mark):
            await asyncio.wait(set(pending))

    async def get(self, table: str, key: str) -> Doc | None:
        _check_names(table, key)
        name = partition_of(table, key)
        await self._after_writes(f"p:{name}")
        part = self._parts.get(name)
        if part is None:
            return None
        doc = part.db.table(table).get(doc_id=key)  # type: ignore[call-overload]
        return None if doc is None else _clone(doc)

    async def all(self, table: str) -> dict[str, Doc]:
        await self._after_writes(f"t:{table}")
        found: dict[str, Doc] = {}
        for part in self._holding(table):
            for doc in part.db.table(table):
                found[str(doc.doc_id)] = _clone(doc)
        return found

    async def keys(self, table: str) -> list[str]:
        await self._after_writes(f"t:{table}")
        return [key for part in self._holding(table) for key in part.storage.committed[table]]

    def stats(self) -> dict[str, Any]:
        """Directory, files and sizes, document counts, quarantined files, migration."""
        tables: dict[str, int] = {}
        sizes = [part.storage.size for part in self._parts.values()]
        for part in self._parts.values():
            for name, docs in part.storage.committed.items():
                if docs:
                    tables[name] = tables.get(name, 0) + len(docs)
        return {
            "backend": "tinydb",
            "path": str(self.path),
            "directory": str(self.root),
            "read_only": not self.owner,
            "files": sum(1 for size in sizes if size),
            "size_bytes": sum(sizes),
            "largest_file_bytes": max(sizes, default=0),
            "documents": sum(tables.values()),
            "tables": tables,
            "quarantined": [str(p) for p in self.quarantined],
            "migrated_from": [str(p) for p in self.migrated],
            "frozen": sorted(self._frozen),
        }

    # ----------------------------------------------------------------- writes

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        _check_names(table, key)
        await self._change([(table, key, _plain(doc))])

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        """Insert or replace every ``key: document``: all or none."""
        changes: list[tuple[str, str, Doc | None]] = []
        for key, doc in items.items():
            _check_names(table, key)
            changes.append((table, key, _plain(doc)))
        if changes:
            await self._change(changes)

    async def delete(self, table: str, key: str) -> bool:
        _check_names(table, key)
        return await self._change([(table, key, None)], when=lambda: self._has(table, key))

    async def add(self, table: str, key: str, doc: Mapping[str, Any]) -> bool:
        """Insert ``doc`` if ``key`` is free, checked and written under the file's lock."""
        _check_names(table, key)
        plain = _plain(doc)
        return await self._change([(table, key, plain)], when=lambda: not self._has(table, key))

    async def apply(self, changes: Sequence[Change]) -> None:
        """Every change or none, across tables and files (see the module docstring)."""
        prepared: list[tuple[str, str, Doc | None]] = []
        for table, key, doc in changes:
            _check_names(table, key)
            prepared.append((table, key, None if doc is None else _plain(doc)))
        if prepared:
            await self._change(prepared)

    def _has(self, table: str, key: str) -> bool:
        part = self._parts.get(partition_of(table, key))
        return part is not None and key in part.storage.committed.get(table, {})

    def _lock(self, name: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (asyncio.run again): new locks
            self._loop, self._locks = loop, {}
        return self._locks.setdefault(name, asyncio.Lock())

    async def _change(
        self, changes: list[tuple[str, str, Doc | None]], when: Callable[[], bool] | None = None
    ) -> bool:
        """Make ``changes`` durably, all or none; False (and nothing written) if ``when`` says
        no under the locks. A cancelled caller leaves the write to finish on its own.

        The write is registered before this coroutine first yields, and a read of what it
        touches waits until no such write is under way: a read sees every write issued before
        it returns, as if writes were applied at once (as they were when writes did not yield).
        So a handler's read, merge and write (one leader's four submits at once) never loses
        an update that another handler issued meanwhile."""
        self._ensure_owner()
        task = asyncio.ensure_future(self._locked_change(changes, when))
        marks = {f"p:{partition_of(t, k)}" for t, k, _ in changes} | {
            f"t:{t}" for t, _, _ in changes
        }
        for mark in marks:
            self._writing.setdefault(mark, set()).add(task)
        self._inflight.add(task)
        task.add_done_callback(lambda done: self._settled(done, marks))
        return await asyncio.shield(task)

    def _settled(self, task: asyncio.Task[bool], marks: set[str]) -> None:
        self._inflight.discard(task)
        for mark in marks:
            pending = self._writing.get(mark)
            if pending is not None:
                pending.discard(task)
                if not pending:
                    del self._writing[mark]
        if not task.cancelled():
            task.exception()  # retrieved: its caller may have been cancelled

    async def _locked_change(
        self, changes: list[tuple[str, str, Doc | None]], when: Callable[[], bool] | None
    ) -> bool:
        by_name: dict[str, list[tuple[str, str, Doc | None]]] = {}
        for change in changes:
            by_name.setdefault(partition_of(change[0], change[1]), []).append(change)
        async with contextlib.AsyncExitStack() as locks:
            for name in sorted(by_name):
                await locks.enter_async_context(self._lock(name))
            frozen = self._frozen.intersection(by_name)
            if frozen:
                raise StoreFrozenError(
                    f"{', '.join(sorted(frozen))} must be completed by a restart before it can "
                    "be written again"
                )
            if when is not None and not when():
                return False
            staged: list[tuple[_Partition, Tables]] = []
            for name in sorted(by_name):
                part = self._parts.get(name) or _open_partition(self.root, name, {})
                data = _stage(part, by_name[name])
                if data is not None:
                    staged.append((part, data))
            if len(staged) == 1:
                part, data = staged[0]
                size = await asyncio.to_thread(part.storage.persist, data)
                self._publish(part, data, size)
            elif staged:
                touched = {part.name for part, _ in staged}
                await self._commit_many(
                    staged, [c for c in changes if partition_of(c[0], c[1]) in touched]
                )
        return True

    def _publish(self, part: _Partition, data: Tables, size: int) -> None:
        self._parts.setdefault(part.name, part)
        part.storage.publish(data, size)

    async def _commit_many(
        self, staged: list[tuple[_Partition, Tables]], changes: list[tuple[str, str, Doc | None]]
    ) -> None:
        """Write several files as one change: intent, files, intent removed."""
        intent = self.root / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.intent"
        payload = json.dumps({"changes": changes}, separators=(",", ":")).encode("ascii")
        await asyncio.to_thread(_write_atomic, intent, payload)
        written: list[_Partition] = []
        sizes: list[int] = []
        try:
            for part, data in staged:
                sizes.append(await asyncio.to_thread(part.storage.persist, data))
                written.append(part)
        except Exception:
            if not await self._undo(written, intent):
                self._freeze(staged, sizes)
            raise
        for (part, data), size in zip(staged, sizes, strict=True):
            self._publish(part, data, size)
        try:
            await asyncio.to_thread(_remove_durably, intent)
        except OSError:
            log.exception("could not remove %s after writing every file", intent.name)
            self._freeze(staged, sizes)

    async def _undo(self, written: list[_Partition], intent: Path) -> bool:
        """Write back the files already written as they were, then remove the intent; False
        if that failed too."""
        try:
            for part in written:
                before = part.storage.committed
                part.storage.size = await asyncio.to_thread(part.storage.persist, before)
            await asyncio.to_thread(_remove_durably, intent)
        except Exception:
            log.exception("could not undo a change to %d files", len(written))
            return False
        return True

    def _freeze(self, staged: list[tuple[_Partition, Tables]], sizes: list[int]) -> None:
        """The change stays in its intent: the next start completes it. Until then memory
        shows it, and its files refuse writes that the replay could undo."""
        for n, (part, data) in enumerate(staged):
            self._publish(part, data, sizes[n] if n < len(sizes) else part.storage.size)
            self._frozen.add(part.name)
        log.error(
            "files %s refuse writes until the bot is restarted (it completes the change)",
            ", ".join(part.name for part, _ in staged),
        )

    # ----------------------------------------------------------------- the rest

    async def _drain(self) -> None:
        while self._inflight:
            await asyncio.wait(set(self._inflight))

    async def compact(self) -> bool:
        """Nothing to fold: every write rewrote its file whole. Waits for writes in flight and
        removes files left empty; False if a removal failed (logged)."""
        await self._drain()
        if not self.owner:
            return True
        ok = True
        for name in sorted(self._parts):
            async with self._lock(name):
                part = self._parts.get(name)
                if part is None or any(part.storage.committed.values()) or name in self._frozen:
                    continue
                try:
                    await asyncio.to_thread(_remove_durably, part.storage.path)
                except OSError:
                    log.exception("could not remove the empty data file %s", name)
                    ok = False
                    continue
                del self._parts[name]
        return ok

    async def redact(self, traces: Collection[str]) -> int:
        """Cut ``traces`` out of the files kept aside (``*.corrupt-*``, from this or an earlier
        start, and the ``*.pre-tinydb`` copies of an earlier version's files), each replaced
        atomically; how many files changed.

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
        kept = {*self.quarantined, *self.migrated}
        prefix = glob.escape(self.path.name)
        for pattern in (f"{prefix}*.corrupt-*", f"{prefix}*{LEGACY_BACKUP}*"):
            kept.update(p for p in self.path.parent.glob(pattern) if p.is_file())
        if self.root.is_dir():
            kept.update(p for p in self.root.rglob("*.corrupt-*") if p.is_file())
        return sum([await asyncio.to_thread(_redact_file, path, forms) for path in sorted(kept)])

    async def close(self) -> None:
        """Wait for writes in flight, then let go of the lock; the store stays readable (and
        writable again: it takes the lock and reloads at the next write)."""
        await self._drain()
        self._release_lock()

    def __del__(self) -> None:
        # Dropped without close(): let go of the lock (everything written is on disk).
        with contextlib.suppress(AttributeError, OSError):
            self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None and self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing the descriptor releases the lock
        self._lock_fd = None


def open_tinydb(data_dir: Path) -> TinyDBStore:
    """The TinyDB store of a data directory (``DATA_DIR``): the default backend."""
    return TinyDBStore(data_dir / DATA_FILE)
