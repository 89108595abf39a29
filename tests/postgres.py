"""The throw-away PostgreSQL of a test session (``tools/postgres_server.py``), for fixtures.

``make test`` runs every PostgreSQL test: where no server can be started, they fail with the
reason and what to install. Only ``STRATEGIBOT_ALLOW_NO_POSTGRES=1`` (``make unit`` sets it,
for a developer's machine without PostgreSQL) turns that into a skip.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tools.postgres_server import PostgresUnavailable, TempPostgres

ALLOW_MISSING = "STRATEGIBOT_ALLOW_NO_POSTGRES"


def unavailable(reason: str) -> None:
    """Fail (``make test``) or skip (with :data:`ALLOW_MISSING`) for want of a server."""
    message = f"PostgreSQL tests cannot run: {reason}"
    if os.environ.get(ALLOW_MISSING) == "1":
        pytest.skip(f"{message} ({ALLOW_MISSING}=1)")
    pytest.fail(
        f"{message}\nInstall PostgreSQL with 'make postgresql' (Debian package postgresql), or "
        f"set {ALLOW_MISSING}=1 to skip these tests on a developer machine (never in make test).",
        pytrace=False,
    )


def session_server() -> Iterator[TempPostgres]:
    """Start the session's server (or fail/skip), and stop it at the end."""
    try:
        import psycopg  # noqa: F401  - the driver must be installed too
    except ImportError as exc:
        unavailable(f"the driver psycopg is not installed ({exc}); run make install")
    try:
        server = TempPostgres.start()
    except PostgresUnavailable as exc:
        unavailable(str(exc))
        raise  # unreachable: unavailable() fails or skips
    try:
        yield server
    finally:
        server.stop()


def database_name(nodeid: str) -> str:
    """A database name for a test module (PostgreSQL names: at most 63 bytes)."""
    module = nodeid.split("::")[0].removesuffix(".py")
    return re.sub(r"[^a-z0-9_]", "_", module.lower())[-60:]


def fresh_database(server: TempPostgres, name: str) -> str:
    """The URL of database ``name``, created at first use and emptied (schema included)
    every time after: each test starts on a database its store has to migrate."""
    import psycopg

    if name not in server.databases:
        return server.create_database(name)
    with psycopg.connect(server.url(name), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        conn.execute("DROP TABLE IF EXISTS documents, schema_version")
    return server.url(name)
