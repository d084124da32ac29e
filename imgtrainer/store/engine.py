"""Engine factory. Table modules (``imgtrainer.store.*_tables``) register on ``Base``.

SQLite gets WAL, foreign keys and ``synchronous=FULL`` so that a committed answer survives a
power cut. Tables are created on first use; ``schema_meta`` records the schema version.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from imgtrainer.errors import StoreError

SCHEMA_VERSION = 1


class Base(DeclarativeBase):
    pass


class SchemaMeta(Base):
    __tablename__ = "schema_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


def _load_table_modules() -> None:
    """Import every ``imgtrainer.store.*_tables`` module so its tables join ``Base.metadata``."""
    import imgtrainer.store as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.endswith("_tables"):
            importlib.import_module(f"imgtrainer.store.{mod.name}")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Per-connection SQLite settings (DBAPI connect event)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str | Path | None = None) -> Engine:
    """Create (and migrate) the store at ``url``: a SQLAlchemy URL or a SQLite file path."""
    from imgtrainer.resources import default_db_url

    if url is None:
        url = default_db_url()
    url = str(url)
    if "://" not in url:  # a file path given by the user: like any output file, its folder must exist
        parent = Path(url).parent
        if Path(url).is_dir():
            raise StoreError(f"{url}: is a folder; give the database a file name (e.g. imgtrainer.sqlite)")
        if not parent.is_dir():
            raise StoreError(f"{parent}: folder for the database does not exist (create it first)")
        url = f"sqlite:///{url}"
    elif url.startswith("sqlite:///"):  # the default lives in the per-user data folder
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, future=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        _load_table_modules()
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            row = session.get(SchemaMeta, "schema_version")
            if row is None:
                session.add(SchemaMeta(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(row.value) > SCHEMA_VERSION:
                raise StoreError(f"{url}: database schema {row.value} is newer than this imgtrainer")
    except SQLAlchemyError as exc:
        raise StoreError(f"{url}: cannot open the database: {getattr(exc, 'orig', None) or exc}") from exc
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def schema_version(engine: Engine) -> int:
    with Session(engine) as session:
        value = session.scalar(select(SchemaMeta.value).where(SchemaMeta.key == "schema_version"))
    return int(value or 0)
