"""Alembic, driven from code: the migration scripts ship inside the package
(``imgtrainer/store/migrations``), so they run from an installed wheel without an alembic.ini.

A database made before Alembic (tables created by ``create_all``, ``schema_meta`` version 1)
has no ``alembic_version`` table: the baseline revision creates only the tables it lacks, then
the later revisions run as for any database.
Upgrades take a lock so that several processes opening one store at once migrate it once:
a file lock beside a SQLite file, ``pg_advisory_lock`` on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from imgtrainer.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x696D6774  # "imgt"
# The newest revision, so that opening a current store needs one SELECT and no Alembic import
# (Alembic loads every script: ~0.5 s per command). A test keeps it equal to Alembic's head.
HEAD = "0003_qa_reviews"


@dataclass(frozen=True)
class SchemaStatus:
    url: str  # masked
    dialect: str
    current: str | None  # None: empty database
    head: str
    legacy: bool  # tables made before Alembic (the baseline keeps them)
    pending: list[str]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "dialect": self.dialect,
            "current": self.current,
            "head": self.head,
            "legacy": self.legacy,
            "pending": self.pending,
            "up_to_date": self.up_to_date,
        }


def _config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head() -> str:
    return _script().get_current_head()  # type: ignore[return-value]


def _current(engine: Engine) -> tuple[str | None, bool]:
    """(revision, legacy) of the database."""
    names = set(inspect(engine).get_table_names())
    if "alembic_version" in names:
        with engine.connect() as conn:
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return rev, False
    return None, bool(names)


def status(engine: Engine) -> SchemaStatus:
    from imgtrainer.store.config import mask_url

    script = _script()
    hd = script.get_current_head()
    try:
        cur, legacy = _current(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read {mask_url(str(engine.url))}: {_first_line(exc)}") from None
    known = {s.revision for s in script.walk_revisions()}
    if cur is not None and cur not in known:
        pending: list[str] = []
    else:
        pending = [s.revision for s in script.iterate_revisions(hd, cur)][::-1]
    return SchemaStatus(mask_url(str(engine.url)), engine.dialect.name, cur, hd, legacy, pending)  # type: ignore[arg-type]


def _first_line(exc: BaseException) -> str:
    msg = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {msg[0] if msg else ''}"


@contextlib.contextmanager
def _lock(engine: Engine) -> Iterator[None]:
    from imgtrainer.store.engine import sqlite_path

    path = sqlite_path(str(engine.url))
    if engine.dialect.name == "sqlite":
        if path is None:
            yield
            return
        lock = path.with_name(path.name + ".migrate-lock")
        with open(lock, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
        return
    yield


def upgrade(engine: Engine, target: str = "head") -> SchemaStatus:
    """Bring the database to ``target`` (default: newest). Never drops a data table."""
    from alembic import command

    with _lock(engine):
        st = status(engine)
        if st.current is not None and st.current not in {s.revision for s in _script().walk_revisions()}:
            raise StoreError(
                f"{st.url}: database schema {st.current} is newer than this imgtrainer; upgrade imgtrainer"
            )
        try:
            with engine.connect() as conn:
                if engine.dialect.name == "sqlite":
                    # table rebuilds (batch mode) must not cascade deletes or check half-built tables
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
                command.upgrade(_config(conn), target)
                conn.commit()
                if engine.dialect.name == "sqlite":
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
        except SQLAlchemyError as exc:
            raise StoreError(f"{st.url}: upgrade failed, nothing was changed: {_first_line(exc)}") from None
    engine.dispose()  # connections opened with foreign keys off must not be reused
    return status(engine)


def _fast_current(engine: Engine) -> str | None:
    """``alembic_version`` read directly (None when it cannot be read)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def ensure_current(engine: Engine, upgrade: bool) -> None:
    """Upgrade (``upgrade=True``) or refuse a database whose schema is not the newest."""
    if _fast_current(engine) == HEAD:
        return
    st = status(engine)
    if st.up_to_date:
        return
    if st.current is not None and not st.pending and st.current != st.head:
        raise StoreError(
            f"{st.url}: database schema {st.current} is newer than this imgtrainer; upgrade imgtrainer"
        )
    if upgrade:
        globals()["upgrade"](engine)
        return
    what = (
        "has no imgtrainer tables yet"
        if st.current is None
        else f"is at schema {st.current}, behind {st.head}"
    )
    raise StoreError(f"the database {st.url} {what}: run `imgtrainer db upgrade --db {st.url}`")
