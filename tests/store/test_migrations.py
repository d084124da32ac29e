"""Alembic migrations: a database written by the pre-Alembic schema upgrades with every row
kept (SQLite file and PostgreSQL), the models equal what the migrations build on both engines,
a PostgreSQL database that is behind is refused with one line."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from imgtrainer.errors import StoreError
from imgtrainer.progress.attempts import AttemptStore
from imgtrainer.progress.logbook import logbook_for
from imgtrainer.store import migrate
from imgtrainer.store.engine import load_table_modules, make_engine, open_engine

FIXTURE = Path(__file__).parent / "fixtures" / "schema_v1.sqlite"
REPO = Path(__file__).resolve().parents[2]
DATA_TABLES = ("trainees", "attempts", "attempt_answers", "finding_outcomes", "scan_log")
V1_COUNTS = {"trainees": 3, "attempts": 13, "attempt_answers": 155, "finding_outcomes": 116, "scan_log": 3}


def _rows(conn, table: str) -> list[tuple]:
    """Every v1 column of every row, in id order (the columns the fixture was written with)."""
    cols = [r[1] for r in sqlite3.connect(FIXTURE).execute(f"PRAGMA table_info({table})")]
    q = sa.text(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {cols[0]}")
    return [tuple(_plain(v) for v in r) for r in conn.execute(q)]


def _plain(v):
    """Compare values across engines: datetimes as naive UTC text, booleans as ints."""
    import datetime as dt

    if isinstance(v, dt.datetime):
        return (v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v).isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str) and len(v) == 26 and v[4] == "-" and v[10] == " ":
        return dt.datetime.fromisoformat(v).isoformat(sep=" ")
    return v


def _fixture_rows() -> dict[str, list[tuple]]:
    eng = sa.create_engine(f"sqlite:///{FIXTURE}")
    with eng.connect() as conn:
        out = {t: _rows(conn, t) for t in (*DATA_TABLES, "library_cases")}
    eng.dispose()
    return out


def _check_upgraded(url: str, before: dict[str, list[tuple]]) -> None:
    engine = make_engine(url, upgrade=True)
    assert migrate.status(engine).up_to_date
    with engine.connect() as conn:
        for table in DATA_TABLES:
            assert _rows(conn, table) == before[table], table
            n, distinct, nulls = conn.execute(
                sa.text(
                    f"SELECT count(*), count(DISTINCT uuid), sum(CASE WHEN uuid IS NULL THEN 1 ELSE 0 END) FROM {table}"
                )
            ).one()
            assert (n, distinct, nulls or 0) == (V1_COUNTS[table], V1_COUNTS[table], 0), table
        assert conn.execute(sa.text("SELECT count(*) FROM library_cases")).scalar() == 42
    store = AttemptStore(engine)
    assert store.trainees() == ["Ana Silva", "Ben Okoro", "Chloé Martin"]
    from datetime import UTC, datetime

    book = logbook_for(store, "Ben Okoro", datetime(2026, 6, 1, tzinfo=UTC))
    assert book.attempts == 4 and sum(d.bedside_scans for d in book.domains) == 1
    assert len(store.attempts("Ana Silva", status="in_progress")) == 1
    engine.dispose()


def test_fixture_has_rows_in_every_table() -> None:
    con = sqlite3.connect(FIXTURE)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert set(tables) == {*DATA_TABLES, "library_cases", "schema_meta"}
    for t in tables:
        assert con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] > 0, t


def test_v1_sqlite_file_upgrades_on_open_keeping_every_row(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, db)
    before = _fixture_rows()
    engine = make_engine(db)  # the app upgrades a SQLite file by itself
    assert migrate.status(engine).current == migrate.head()
    engine.dispose()
    _check_upgraded(f"sqlite:///{db}", before)


def test_v1_postgresql_upgrades_keeping_every_row(pg_server) -> None:
    """A PostgreSQL store at the v1 schema (baseline revision) with the fixture's rows in it."""
    url = pg_server.fresh_database(migrated=False)
    engine = open_engine(url)
    migrate.upgrade(engine, "0001_baseline")
    before = _fixture_rows()
    src = sa.create_engine(f"sqlite:///{FIXTURE}")
    meta = sa.MetaData()
    meta.reflect(engine)
    with src.connect() as s, engine.begin() as d:
        for table in (
            "trainees",
            "attempts",
            "attempt_answers",
            "finding_outcomes",
            "scan_log",
            "library_cases",
        ):
            rows = [dict(r._mapping) for r in s.execute(sa.text(f"SELECT * FROM {table}"))]
            d.execute(meta.tables[table].insert(), rows)
    src.dispose()
    with pytest.raises(StoreError, match=r"run `imgtrainer db upgrade --db postgresql\+psycopg://"):
        make_engine(url)  # behind: refused, not silently upgraded
    _check_upgraded(url, before)
    engine.dispose()


def test_models_equal_the_migrated_schema(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from imgtrainer.store.engine import Base

    load_table_modules()
    engine = make_engine(db_url, upgrade=True)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_empty_postgresql_is_refused_with_one_line_naming_the_command(pg_server, tmp_path) -> None:
    url = pg_server.fresh_database(migrated=False).replace(f"{'imgt_admin'}@", "imgt_admin:s3cret-pw@")
    p = subprocess.run(
        [sys.executable, "-m", "imgtrainer", "progress", "--trainee", "x", "--db", url],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "imgtrainer db upgrade --db" in lines[0], p.stderr
    assert "s3cret-pw" not in p.stderr and "***" in p.stderr


def test_status_and_upgrade_cli(pg_server) -> None:
    import json

    url = pg_server.fresh_database(migrated=False)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "imgtrainer", *args], capture_output=True, text=True, cwd=REPO
        )

    st = json.loads(cli("db", "status", "--db", url, "--json").stdout)
    assert st["current"] is None and st["up_to_date"] is False and st["pending"][-1] == st["head"]
    up = cli("db", "upgrade", "--db", url)
    assert up.returncode == 0, up.stderr
    st = json.loads(cli("db", "status", "--db", url, "--json").stdout)
    assert st["up_to_date"] and st["current"] == migrate.head() and st["pending"] == []
    assert cli("db", "upgrade", "--db", url).returncode == 0  # a second upgrade changes nothing


def test_many_processes_opening_a_new_sqlite_file_migrate_it_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    code = "import sys; from imgtrainer.store.engine import make_engine; make_engine(sys.argv[1]).dispose()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=REPO, stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    errs = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errs
    assert migrate.status(open_engine(f"sqlite:///{db}")).up_to_date


def test_fast_path_head_is_alembics_head() -> None:
    assert migrate.head() == migrate.HEAD
