"""Engine factory. Table modules (``imgtrainer.store.*_tables``) register on ``Base``; the schema
is owned by the Alembic migrations in ``imgtrainer/store/migrations`` (``store.migrate``).

SQLite gets WAL, foreign keys, ``synchronous=FULL`` (a committed answer survives a power cut),
a 30 s busy timeout and ``BEGIN IMMEDIATE`` transactions: a writer waits for the lock instead
of failing with "database is locked" when it upgrades a read lock. A SQLite file is migrated to
the newest schema on open; a PostgreSQL database that is behind is refused with one line naming
``imgtrainer db upgrade`` (a department upgrades deliberately, after a backup).
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, create_engine, event
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from imgtrainer.errors import StoreError

SQLITE_BUSY_TIMEOUT_S = 30.0


class Base(DeclarativeBase):
    pass


def new_uuid() -> str:
    """A random (version 4) UUID as 36 characters of text: the global id of a row that travels."""
    return str(uuid.uuid4())


class SchemaMeta(Base):
    """Kept from the pre-Alembic schema (version 1); Alembic's ``alembic_version`` now rules."""

    __tablename__ = "schema_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


def load_table_modules() -> None:
    """Import every ``imgtrainer.store.*_tables`` module so its tables join ``Base.metadata``."""
    import imgtrainer.store as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.endswith("_tables"):
            importlib.import_module(f"imgtrainer.store.{mod.name}")


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    """Per-connection SQLite settings; the driver's own transaction handling is switched off so
    that ``_sqlite_begin`` decides how a transaction starts."""
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL (None for other engines or in-memory)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def normalise_url(url: str | Path) -> str:
    """A plain path becomes a ``sqlite:///`` URL; ``postgresql://`` uses psycopg 3."""
    text = str(url).strip()
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser()}"
    if text.startswith(("postgresql://", "postgres://")):
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def _sqlite_folder(path: Path) -> None:
    """Only the per-user data folder is created; a SQLite file named by the user needs an
    existing folder, like every output file (a typo must not create folders)."""
    from imgtrainer.resources import data_dir

    if path.is_dir():
        raise StoreError(f"{path}: is a folder; give the database a file name (e.g. imgtrainer.sqlite)")
    if path.parent.is_dir():
        return
    home = data_dir().resolve()
    if path.resolve().parent == home or home in path.resolve().parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        raise StoreError(f"{path.parent}: folder for the database does not exist (create it first)")


def open_engine(url: str) -> Engine:
    """An engine with the per-engine settings, without touching the schema."""
    from imgtrainer.store.config import mask_url

    try:
        path = sqlite_path(url)
        if path is not None:
            _sqlite_folder(path)
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(url, pool_recycle=1800)  # no pre-ping: one round trip less per transaction
    except (ArgumentError, SQLAlchemyError, ImportError, OSError) as exc:
        raise StoreError(f"cannot open database {mask_url(url)}: {_short(exc)}") from None
    return engine


def make_engine(url: str | Path | None = None, upgrade: bool | None = None) -> Engine:
    """Open the store at ``url`` (a SQLAlchemy URL or a SQLite file path; default: the configured
    store, see ``store.config``) with its schema at the newest revision.

    ``upgrade=None``: SQLite files are upgraded in place, other engines must already be current.
    """
    from imgtrainer.store import migrate
    from imgtrainer.store.config import resolve_db_url

    text = normalise_url(url) if url is not None else resolve_db_url(None)
    engine = open_engine(text)
    load_table_modules()
    if upgrade is None:
        upgrade = engine.dialect.name == "sqlite"
    migrate.ensure_current(engine, upgrade=upgrade)
    return engine


def _short(exc: BaseException) -> str:
    """First line of a driver error, without SQL or parameters (they can hold data)."""
    msg = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {msg[0] if msg else ''}".rstrip(": ")


def describe_db_error(exc: BaseException) -> str:
    """One line for a database error met mid-command, without the SQL or its parameters (they
    hold data): e.g. a role without the right to write a table."""
    text = _short(exc).split(": ", 1)[-1]
    if "permission denied" in text or "InsufficientPrivilege" in type(getattr(exc, "orig", exc)).__name__:
        return f"database: {text} (the database role lacks this right; see README 'The department store')"
    return f"database error: {text}"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
