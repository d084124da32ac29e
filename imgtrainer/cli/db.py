"""``imgtrainer db``: the store's schema: ``status`` (which revision, what is pending) and
``upgrade`` (run the pending Alembic migrations; never drops a data table). URLs are shown with
the password masked."""

from __future__ import annotations

import argparse


def _open(args: argparse.Namespace):
    from imgtrainer.store.config import resolve_db_url
    from imgtrainer.store.engine import load_table_modules, open_engine

    load_table_modules()
    return open_engine(resolve_db_url(args.db))


def _status(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.store import migrate

    engine = _open(args)
    st = migrate.status(engine)
    engine.dispose()
    if args.json:
        print_json(st.to_dict())
        return 0
    print(f"database: {st.url} ({st.dialect})")
    print(f"schema:   {st.current or 'empty'}; newest {st.head}")
    if st.up_to_date:
        print("up to date")
    else:
        print(f"pending:  {', '.join(st.pending) or '-'}  (run `imgtrainer db upgrade --db {st.url}`)")
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.store import migrate

    engine = _open(args)
    before = migrate.status(engine)
    after = migrate.upgrade(engine)
    engine.dispose()
    if args.json:
        print_json({**after.to_dict(), "applied": before.pending})
        return 0
    if before.pending:
        print(f"{after.url}: applied {', '.join(before.pending)}; now at {after.current}")
    else:
        print(f"{after.url}: already at {after.current}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("db", help="the store's schema: status, upgrade (Alembic migrations)")
    sub = p.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    for name, handler, text in (
        ("status", _status, "schema revision of the store and the migrations pending"),
        ("upgrade", _upgrade, "run the pending migrations (take a backup of a department store first)"),
    ):
        s = sub.add_parser(name, help=text, description=text)
        s.add_argument(
            "--db",
            metavar="URL",
            help="database URL or SQLite path (default: $IMGTRAINER_DB_URL, the config file, or the "
            "SQLite file in the user data folder)",
        )
        s.add_argument("--json", action="store_true")
        s.set_defaults(handler=handler)
