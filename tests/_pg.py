"""A throwaway PostgreSQL cluster for the test session, and the ``db_url`` fixture that runs a
test once on SQLite and once on PostgreSQL.

The cluster: ``initdb`` in a fresh folder under /tmp, a free port on 127.0.0.1, ``pg_ctl
start``; stopped and deleted at the end of the session. PostgreSQL refuses to run as root, so
when the tests run as root (CI) the server runs as the ``postgres`` user that Debian's package
creates, else as ``nobody``; the folder is handed to that user. Each test gets its own database,
copied from a template that was migrated once (``CREATE DATABASE ... TEMPLATE``: ~50 ms).
Set ``IMGTRAINER_TEST_PG=0`` to run the SQLite half only (a machine without PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ADMIN = "imgt_admin"
TEMPLATE = "imgt_template"


def pg_bin() -> Path | None:
    env = os.environ.get("IMGTRAINER_PG_BIN")
    if env:
        return Path(env)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> str | None:
    """The unprivileged user to run the server as (None: we are not root, run directly)."""
    if os.geteuid() != 0:
        return None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


@dataclass
class PgServer:
    root: Path
    port: int
    bindir: Path
    user: str | None
    _n: itertools.count

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{ADMIN}@127.0.0.1:{self.port}/{database}"

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [str(c) for c in cmd]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=120)

    def admin_sql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=ADMIN, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def fresh_database(self, migrated: bool = True) -> str:
        """A new empty database (``migrated``: copied from the migrated template)."""
        name = f"t{os.getpid()}_{next(self._n)}"
        template = f" TEMPLATE {TEMPLATE}" if migrated else ""
        if migrated:  # a pooled connection left by the migration would block the copy
            self.admin_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{TEMPLATE}'"
            )
        self.admin_sql(f"CREATE DATABASE {name}{template}")
        return self.url(name)

    def stop(self) -> None:
        self.run(self.bindir / "pg_ctl", "-D", self.root / "data", "-m", "immediate", "stop", check=False)


def start_pg(fsync: bool = False) -> PgServer:
    """``fsync=False`` for tests (speed; the cluster is thrown away), True for benchmarks."""
    bindir = pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql")
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="imgt-pg-"))
    if user:
        pw = pwd.getpwnam(user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    srv = PgServer(root, port, bindir, user, itertools.count())
    srv.run(bindir / "initdb", "-D", root / "data", "-U", ADMIN, "-A", "trust", "-E", "UTF8", "--no-sync")
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not fsync:
        opts += " -c fsync=off"
    r = srv.run(
        bindir / "pg_ctl", "-D", root / "data", "-l", root / "log", "-w", "-o", opts, "start", check=False
    )
    if r.returncode:
        log = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()[-300:]} {log}")
    return srv


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if os.environ.get("IMGTRAINER_TEST_PG", "1") == "0":
        pytest.skip("IMGTRAINER_TEST_PG=0: PostgreSQL tests switched off")
    srv = start_pg()
    try:
        from imgtrainer.store.engine import make_engine

        srv.admin_sql(f"CREATE DATABASE {TEMPLATE}")
        t0 = time.monotonic()
        engine = make_engine(srv.url(TEMPLATE), upgrade=True)
        engine.dispose()
        srv.template_s = time.monotonic() - t0  # type: ignore[attr-defined]
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    srv: PgServer = request.getfixturevalue("pg_server")
    return srv.fresh_database()
