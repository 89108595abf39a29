"""A throw-away PostgreSQL server for tests and benches: ``initdb`` into a temporary directory,
``pg_ctl`` on a Unix socket in that directory, gone when stopped.

    with TempPostgres.start() as server:
        url = server.create_database("contract")   # postgresql://postgres@/contract?host=…

The server binaries are those of the Debian package ``postgresql`` (``make postgresql``
installs it): :func:`find_bindir` looks at ``PG_BINDIR``, then ``pg_config --bindir``, then
the newest ``/usr/lib/postgresql/*/bin``, then ``initdb`` on ``PATH``. PostgreSQL refuses to
run as root, so as root the server runs as the ``postgres`` system user the package creates
(the temporary directory is given to it).

It listens on no TCP port (``listen_addresses=''``), only on the socket in its own directory,
so parallel runs never clash and nothing outside this machine can reach it. Authentication is
``trust`` for the one local user ``postgres``. ``durable=False`` (tests) turns ``fsync`` off: a
test kills bot processes, never the server, so nothing it checks depends on the disk; benches
keep the defaults, so their figures include the fsync of each commit. Starting takes about a
second (``initdb --no-sync`` and ``pg_ctl start -w``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

SERVER_USER = "postgres"  # the system user of the Debian package; also the database superuser


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started here (the message says why and what to do)."""


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(versions)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL's server programs (initdb, pg_ctl, postgres) were not found in PG_BINDIR, "
        "pg_config --bindir, /usr/lib/postgresql/*/bin or on PATH. Install them with "
        "'make postgresql' (Debian package postgresql; as root: apt-get install -y postgresql)."
    )


def _server_user() -> str | None:
    """Who runs the server: ``postgres`` when we are root (initdb refuses root), else us."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresUnavailable(
            "running as root, and there is no 'postgres' system user to run the server as "
            "(the Debian package postgresql creates it: apt-get install -y postgresql)"
        ) from None
    return SERVER_USER


@dataclass
class TempPostgres:
    """One running throw-away server (see the module docstring)."""

    bindir: Path
    root: Path  # the temporary directory: data/, the socket and the log
    user: str | None  # the system user the server runs as (None: this process's)
    port: int = 5432  # only names the socket file: .s.PGSQL.<port>
    databases: list[str] = field(default_factory=list)
    start_seconds: float = 0.0

    @property
    def socket_dir(self) -> Path:
        """The directory of the server's Unix socket."""
        return self.root

    @property
    def log_path(self) -> Path:
        """The server's log."""
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for ``database`` over the Unix socket."""
        return (
            f"postgresql://{SERVER_USER}@/{quote(database)}"
            f"?host={quote(str(self.socket_dir), safe='')}&port={self.port}"
        )

    @classmethod
    def start(cls, *, durable: bool = False, max_connections: int = 200) -> Self:
        """initdb, then start the server and wait until it accepts connections."""
        started = time.perf_counter()
        bindir = find_bindir()
        user = _server_user()
        root = Path(tempfile.mkdtemp(prefix="strategibot-pg-"))
        server = cls(bindir, root, user)
        try:
            if user is not None:
                entry = pwd.getpwnam(user)
                os.chown(root, entry.pw_uid, entry.pw_gid)
            os.chmod(root, 0o700)
            server._run(
                "initdb", "-D", str(root / "data"), "-U", SERVER_USER, "--auth=trust",
                "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions",
            )  # fmt: skip
            options = [
                "-c listen_addresses=''",
                f"-c unix_socket_directories='{root}'",
                f"-c max_connections={max_connections}",
                "-c shared_buffers=128MB",
            ]
            if not durable:
                options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
            server._run(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(root / "data"),
                "-l", str(server.log_path), "-o", " ".join(options),
            )  # fmt: skip
        except BaseException as exc:
            log = server.log_tail()
            server.stop()
            if isinstance(exc, subprocess.CalledProcessError):
                detail = (exc.stderr or exc.stdout or "").strip()
                raise PostgresUnavailable(
                    f"PostgreSQL did not start ({exc.cmd[0]}): {detail}\n{log}"
                ) from exc
            raise
        server.start_seconds = time.perf_counter() - started
        return server

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / tool), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.root,
            user=self.user,
            env={**os.environ, "LC_ALL": "C", "PGTZ": "UTC"},
        )

    def log_tail(self, limit: int = 3000) -> str:
        """The end of the server's log ("" if there is none)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-limit:]
        except OSError:
            return ""

    def create_database(self, name: str) -> str:
        """Create (or empty and recreate) database ``name``; its URL."""
        import psycopg  # here, so that finding the server needs no driver

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and remove its directory."""
        if (self.root / "data" / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.root / "data"))
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextlib.contextmanager
def temp_postgres(*, durable: bool = False) -> Iterator[TempPostgres]:
    """A :class:`TempPostgres` for the ``with`` block."""
    server = TempPostgres.start(durable=durable)
    try:
        yield server
    finally:
        server.stop()
