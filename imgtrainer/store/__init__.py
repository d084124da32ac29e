"""Storage: SQLAlchemy 2 over SQLite (WAL) by default, any SQLAlchemy URL for a department."""

from imgtrainer.store.engine import Base, make_engine, new_uuid, session_factory

__all__ = ["Base", "make_engine", "new_uuid", "session_factory"]
