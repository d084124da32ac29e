"""The per-candidate session database: one SQLite file per (exam, candidate) attempt.

Plain ``sqlite3`` (no ORM) so that the candidate side starts fast. ``synchronous=FULL`` with
``journal_mode=WAL`` means a commit is on disk before the call returns; every answer is one
transaction holding the answer row, its audit row and the clock. ``answers`` and ``audit`` are
append-only (triggers refuse UPDATE and DELETE). Audit rows form an HMAC chain under the
attempt key: ``hash = HMAC(k, prev_hash || canonical(row))``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from imgtrainer.errors import ExamError, TamperError
from imgtrainer.exams import crypto

GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clock(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    elapsed_s REAL NOT NULL,
    current INTEGER NOT NULL,
    item_elapsed TEXT NOT NULL,
    wall TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answers(
    seq INTEGER PRIMARY KEY,
    item TEXT NOT NULL,
    question TEXT NOT NULL,
    response TEXT NOT NULL,
    elapsed_s REAL NOT NULL,
    wall TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit(
    seq INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    elapsed_s REAL NOT NULL,
    wall TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS answers_append_only_u BEFORE UPDATE ON answers
    BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
CREATE TRIGGER IF NOT EXISTS answers_append_only_d BEFORE DELETE ON answers
    BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def audit_row_bytes(row: dict[str, Any]) -> bytes:
    """What the audit chain MACs: every field of the row except its own hash."""
    return crypto.canonical_json({k: row[k] for k in ("seq", "event", "data", "elapsed_s", "wall", "prev")})


def chain_hash(key: bytes, row: dict[str, Any]) -> str:
    return crypto.mac_hex(key, row["prev"].encode() + audit_row_bytes(row))


def verify_chain(key: bytes, rows: list[dict[str, Any]], what: str) -> None:
    """Raise TamperError unless rows are 1..n, each linked to the previous and correctly MACed."""
    prev = GENESIS
    for i, row in enumerate(rows, 1):
        if row.get("seq") != i or row.get("prev") != prev:
            raise TamperError(f"{what}: audit row {i}: rows were deleted, inserted or reordered")
        if not crypto.mac_ok(key, row["prev"].encode() + audit_row_bytes(row), row.get("hash", "")):
            raise TamperError(f"{what}: audit row {i} ({row.get('event')}) was altered")
        prev = row["hash"]


class SessionDB:
    """Thin storage layer; the timing and rules live in ``ExamSession``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():  # it holds the attempt's MAC key: owner-only
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        try:
            self.conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=10.0)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ExamError(f"{self.path}: cannot open the exam session database ({exc})") from None
        self._key: bytes | None = None
        # the stored clock runs ahead by the last commit's duration, so that the value on disk
        # still covers the time that passes while it is being written (fsync can stall)
        self.lead = 0.0

    def close(self) -> None:
        self.conn.close()

    # ----------------------------------------------------------------- meta

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def set_key(self, key: bytes) -> None:
        self._key = key

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise ExamError(f"{self.path}: the session has no attempt key (not started)")
        return self._key

    def clock(self) -> tuple[float, int, list[float]] | None:
        row = self.conn.execute("SELECT elapsed_s, current, item_elapsed FROM clock WHERE id = 1").fetchone()
        return None if row is None else (float(row[0]), int(row[1]), [float(x) for x in json.loads(row[2])])

    def clock_wall(self) -> str | None:
        """Wall time (ISO) of the last stored clock value: when the attempt was last known alive."""
        row = self.conn.execute("SELECT wall FROM clock WHERE id = 1").fetchone()
        return None if row is None else str(row[0])

    def time_events(self) -> list[dict[str, Any]]:
        """Audit rows that change the time allowance (proctor add-time and grants)."""
        rows = self.conn.execute(
            "SELECT event, data, wall FROM audit WHERE event IN ('add_time', 'grant') ORDER BY seq"
        )
        return [{"event": e, "data": json.loads(d), "wall": w} for e, d, w in rows]

    # ----------------------------------------------------------------- writes (one transaction each)

    def create(self, meta: dict[str, str], n_items: int, wall: str, start_event: dict[str, Any]) -> None:
        """Write the attempt's metadata, clock and 'start' audit row in one transaction."""
        with self._tx() as cur:
            cur.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", sorted(meta.items()))
            cur.execute(
                "INSERT INTO clock(id, elapsed_s, current, item_elapsed, wall) VALUES (1, 0, 0, ?, ?)",
                (json.dumps([0.0] * n_items), wall),
            )
            self._audit(cur, "start", start_event, 0.0, wall)

    def save_clock(
        self, cur: sqlite3.Cursor | None, elapsed: float, current: int, items: list[float], wall: str
    ) -> None:
        sql = "UPDATE clock SET elapsed_s = ?, current = ?, item_elapsed = ?, wall = ? WHERE id = 1"
        items = list(items)
        items[current] += self.lead
        args = (elapsed + self.lead, current, json.dumps([round(x, 6) for x in items]), wall)
        if cur is not None:
            cur.execute(sql, args)
        else:
            with self._tx() as c:
                c.execute(sql, args)

    def event(
        self,
        event: str,
        data: dict[str, Any],
        elapsed: float,
        current: int,
        items: list[float],
        wall: str,
        meta: dict[str, str] | None = None,
    ) -> None:
        """An audit event (resume, goto, submit...) with the clock, in one transaction."""
        with self._tx() as cur:
            self._audit(cur, event, data, elapsed, wall)
            self.save_clock(cur, elapsed, current, items, wall)
            for k, v in (meta or {}).items():
                cur.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (k, v))

    def answer(
        self,
        item: str,
        question: str,
        response_json: str,
        elapsed: float,
        current: int,
        items: list[float],
        wall: str,
    ) -> int:
        """Commit one answer (answer row + audit row + clock) and return its sequence number."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO answers(item, question, response, elapsed_s, wall) VALUES (?, ?, ?, ?, ?)",
                (item, question, response_json, round(elapsed, 6), wall),
            )
            seq = int(cur.lastrowid or 0)
            data = {"answer": seq, "item": item, "question": question, "response": json.loads(response_json)}
            self._audit(cur, "answer", data, elapsed, wall)
            self.save_clock(cur, elapsed, current, items, wall)
        return seq

    def _audit(
        self, cur: sqlite3.Cursor, event: str, data: dict[str, Any], elapsed: float, wall: str
    ) -> None:
        last = cur.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        row = {
            "seq": 1 if last is None else int(last[0]) + 1,
            "event": event,
            "data": json.loads(crypto.canonical_json(data)),
            "elapsed_s": round(float(elapsed), 6),
            "wall": wall,
            "prev": GENESIS if last is None else str(last[1]),
        }
        row["hash"] = chain_hash(self.key, row)
        cur.execute(
            "INSERT INTO audit(seq, event, data, elapsed_s, wall, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                row["seq"],
                event,
                crypto.canonical_json(row["data"]).decode(),
                row["elapsed_s"],
                wall,
                row["prev"],
                row["hash"],
            ),
        )

    def _tx(self) -> _Tx:
        return _Tx(self.conn, self.path)

    # ----------------------------------------------------------------- reads

    def answers(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT seq, item, question, response, elapsed_s, wall FROM answers ORDER BY seq"
        )
        return [
            {"seq": s, "item": i, "question": q, "response": json.loads(r), "elapsed_s": e, "wall": w}
            for s, i, q, r, e, w in rows
        ]

    def audit(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT seq, event, data, elapsed_s, wall, prev, hash FROM audit ORDER BY seq"
        )
        return [
            {"seq": s, "event": ev, "data": json.loads(d), "elapsed_s": e, "wall": w, "prev": p, "hash": h}
            for s, ev, d, e, w, p, h in rows
        ]

    def played(self, item: str) -> int:
        """How often the item's clip was played (audit 'play' events)."""
        rows = self.conn.execute("SELECT data FROM audit WHERE event = 'play'").fetchall()
        return sum(1 for (d,) in rows if json.loads(d).get("item") == item)

    def count_answers(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT; on any error ROLLBACK and re-raise as ExamError."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def __enter__(self) -> sqlite3.Cursor:
        self.cur = self.conn.cursor()
        self.cur.execute("BEGIN IMMEDIATE")
        return self.cur

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is None:
            try:
                self.cur.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                self.cur.execute("ROLLBACK")
                raise ExamError(f"{self.path}: commit failed ({err})") from None
            return False
        self.cur.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError):
            raise ExamError(f"{self.path}: database write failed ({exc})") from None
        return False
