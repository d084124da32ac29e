"""Alembic environment: the connection is handed in by ``imgtrainer.store.migrate``."""

from __future__ import annotations

from alembic import context

from imgtrainer.store.engine import Base, load_table_modules

load_table_modules()
target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only imgtrainer.store.migrate runs these scripts
    raise RuntimeError("run migrations with `imgtrainer db upgrade`, not the alembic command")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=True,  # SQLite: ALTERs it cannot do are table rebuilds
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
