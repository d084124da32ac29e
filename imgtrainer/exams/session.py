"""A candidate's timed exam attempt: a Qt-free state object the GUI (or a script) drives.

Lifecycle: ``ExamSession.open(package, candidate)`` opens the candidate's latest attempt ->
``state`` is "new", "running" or "submitted". A new attempt needs the proctor: ``start(passphrase)``.
A running one (after a crash, a power cut or a kill) is paused until the proctor resumes it with
``resume(passphrase or PIN)``. Then ``answer``, ``goto``, ``remaining_s``, ``heartbeat`` and
finally ``submit`` (automatic at the time limit: any call after expiry submits). A re-take is a
new numbered attempt under the same candidate id (``ExamSession.retake``); all are kept.

Time: only an injected monotonic clock measures live time, as elapsed seconds that are persisted
with every answer and at least every ``heartbeat_s`` (when the caller polls). On resume the
elapsed time is the last persisted value plus ``heartbeat_s`` (an upper bound of the time that ran
after the last write, so a crash never gains time) or, under the exam's ``downtime = "counts"``
policy, plus the wall-clock time the app was down if that is longer; the proctor can grant it
back (``grant_downtime``) and add time (``add_time``), all logged (``imgtrainer.exams.proctor``).
Otherwise the wall clock is only written into the audit log: changing it gains 0 s.

The sealed answer key is never decrypted here: the proctor's passphrase only unseals the results
secret, from which the per-attempt MAC key is derived and stored in the session database.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.errors import ExamError, ResponseFormatError, TamperError
from imgtrainer.exams import crypto
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.placement import (
    CANDIDATE_PATTERN,
    attempt_numbers,
    attempt_stem,
    candidate_order,
    lock_attempt,
    sessions_dir,
    shuffled_options,
)
from imgtrainer.exams.responses import check_response, normalise_decision
from imgtrainer.exams.results import results_document, write_results_file
from imgtrainer.exams.session_db import SessionDB
from imgtrainer.exams.session_proctor import ProctorTime
from imgtrainer.exams.session_status import session_status

_MAX_RESPONSE_BYTES = 256 * 1024


def _wall_now() -> str:
    return datetime.now(UTC).isoformat()


class ExamSession(ProctorTime):
    """One candidate's attempt at one exam package."""

    def __init__(
        self,
        package: ExamPackage,
        candidate: str,
        home: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], str] = _wall_now,
        attempt: int | None = None,
    ) -> None:
        if not CANDIDATE_PATTERN.match(candidate or ""):
            raise ExamError(f"candidate id {candidate!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
        self.package = package
        self.candidate = candidate
        self.settings = package.settings
        self.folder = sessions_dir(home) / package.exam_id
        if attempt is None:  # the latest attempt, or the first
            attempt = max(attempt_numbers(self.folder, candidate), default=1)
        if attempt < 1:
            raise ExamError(f"attempt numbers start at 1, not {attempt}")
        self.attempt = attempt
        self.stem = attempt_stem(candidate, attempt)
        self.db_path = self.folder / f"{self.stem}.sqlite"
        self.results_path = self.folder / f"{self.stem}.results.json"
        self.department_note: str | None = None  # set at submission (exams.department.land_quietly)
        self._clock = clock
        self._wall = wall
        self._items = {it["item_id"]: it for it in package.items}
        ids = list(self._items)
        if self.settings.get("randomise_cases"):
            ids = [ids[i] for i in candidate_order(package.exam_id, candidate, "cases", len(ids))]
        self.order: list[str] = ids
        self._db: SessionDB | None = None
        self._elapsed = 0.0
        self._item_elapsed = [0.0] * len(ids)
        self.current = 0
        self._mark = 0.0
        self._last_persist = 0.0
        self.state = "new"
        self._live = False  # True once start() or resume() ran in this process: time is counting
        self.live_since: float | None = None  # clock value when this process started counting
        self.submit_reason: str | None = None
        if self.db_path.is_file():
            self._load()

    @classmethod
    def open(cls, package: ExamPackage | Path | str, candidate: str, **kwargs: Any) -> ExamSession:
        pkg = package if isinstance(package, ExamPackage) else ExamPackage.open(package)
        return cls(pkg, candidate, **kwargs)

    @classmethod
    def retake(cls, package: ExamPackage | Path | str, candidate: str, **kwargs: Any) -> ExamSession:
        """A new, numbered attempt for a candidate whose latest attempt was submitted (the
        earlier attempts are kept). Returns the latest attempt itself if it was never started."""
        latest = cls.open(package, candidate, **kwargs)
        if latest.state == "new":
            return latest
        if latest.state == "running":
            latest.close()
            raise ExamError(
                f"{candidate}: attempt {latest.attempt} is still running; resume and submit it before a re-take"
            )
        latest.close()
        return cls(latest.package, candidate, attempt=latest.attempt + 1, **kwargs)

    # ------------------------------------------------------------------ lifecycle

    def _load(self) -> None:
        db = SessionDB(self.db_path)
        meta = db.meta()
        if not meta:
            db.close()  # created but never committed: the start did not happen
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
            return
        if (
            meta.get("exam_id") != self.package.exam_id
            or meta.get("candidate") != self.candidate
            or int(meta.get("attempt", "1")) != self.attempt
        ):
            raise ExamError(f"{self.db_path}: session belongs to another exam or candidate")
        if meta.get("package_sha256") != self.package.sha256:
            raise TamperError(f"{self.db_path}: the exam package changed since this attempt started")
        db.set_key(bytes.fromhex(meta["attempt_key"]))
        self._db = db
        self.attempt_id = meta["attempt_id"]
        clock = db.clock()
        assert clock is not None
        self._elapsed, self.current, self._item_elapsed = clock
        self.state = "submitted" if meta.get("status") == "submitted" else "running"
        self.submit_reason = meta.get("submit_reason")
        if self.state == "submitted" and not self.results_path.is_file():
            self.write_results()  # the process died between the submit commit and the file

    def start(self, passphrase: str) -> None:
        """The proctor starts a new attempt (the passphrase proves the package is theirs)."""
        if self.state != "new":
            raise ExamError(f"{self.candidate}: this attempt was already started ({self.state}); use resume")
        master = self.package.check_passphrase(passphrase)
        secret = self.package.results_secret(master=master)
        self._lock()
        self.attempt_id = uuid.uuid4().hex
        key = crypto.attempt_key(secret, self.package.exam_id, self.candidate, self.attempt_id)
        db = SessionDB(self.db_path)
        db.set_key(key)
        meta = {
            "exam_id": self.package.exam_id,
            "candidate": self.candidate,
            "attempt_id": self.attempt_id,
            "attempt_key": key.hex(),
            "package_sha256": self.package.sha256,
            "order": json.dumps(self.order),
            "status": "running",
            "attempt": str(self.attempt),
        }
        start = {"order": self.order, "settings": self.settings, "attempt": self.attempt}
        db.create(meta, len(self.order), self._wall(), start)
        self._db = db
        self.state = "running"
        self._mark = self._last_persist = self._clock()
        self._live = True
        self.live_since = self._mark

    def _lock(self) -> None:
        self._lock_file = lock_attempt(self.folder, self.candidate)

    def close(self) -> None:
        lock = getattr(self, "_lock_file", None)
        if lock is not None:
            lock.close()
            self._lock_file = None
        if self._db is not None:
            self._db.close()
            self._db = None

    # ------------------------------------------------------------------ time

    def _account(self) -> None:
        if not self._live:
            return
        now = self._clock()
        dt = max(0.0, now - self._mark)
        self._mark = now
        self._elapsed += dt
        self._item_elapsed[self.current] += dt

    def elapsed_s(self) -> float:
        if self.state == "running":
            self._account()
        return self._elapsed

    def remaining_s(self) -> float | None:
        """Seconds left for the whole exam (None without a limit); submits at 0."""
        self.heartbeat()
        limit = self.time_limit_s()
        return None if limit is None else max(0.0, limit - self._elapsed)

    def item_remaining_s(self, index: int | None = None) -> float | None:
        limit = self.settings.get("case_time_limit_s")
        if limit is None:
            return None
        self.heartbeat()
        return max(0.0, float(limit) - self._item_elapsed[self.current if index is None else index])

    def heartbeat(self) -> None:
        """Account the time and persist it if due; the GUI calls this (via remaining_s) often."""
        if self.state != "running" or not self._live:
            return
        self._account()
        if self._check_time():
            return
        hb = float(self.settings.get("heartbeat_s", 1.0))
        if self._mark - self._last_persist >= hb / 2:
            assert self._db is not None
            self._write(
                self._db.save_clock, None, self._elapsed, self.current, self._item_elapsed, self._wall()
            )
            self._last_persist = self._mark

    def _check_time(self) -> bool:
        """Submit when the exam time is up; move on when a case's time is up. True if submitted."""
        limit = self.time_limit_s()
        if limit is not None and self._elapsed >= limit:
            self._submit("time_limit")
            return True
        case_limit = self.settings.get("case_time_limit_s")
        if case_limit is None or self._item_elapsed[self.current] < float(case_limit):
            return False
        forward = self.settings.get("navigation") == "forward"
        last = self.current + 1 >= len(self.order)
        if (forward and last) or all(t >= float(case_limit) for t in self._item_elapsed):
            self._submit("case_time_limit")
            return True
        if forward:
            self._event(
                "case_time_up",
                {"item": self.order[self.current], "to": self.current + 1},
                current=self.current + 1,
            )
        return False

    # ------------------------------------------------------------------ navigation and answers

    def _require_running(self) -> None:
        if self.state == "running" and not self._live:
            raise ExamError(f"{self.candidate}: the attempt was interrupted; call resume() first")
        if self.state == "running":
            self._account()
            if self._check_time():
                raise ExamError("time is up: the exam was submitted automatically")
        if self.state == "new":
            raise ExamError(f"{self.candidate}: the exam has not been started by the proctor yet")
        if self.state != "running":
            raise ExamError(f"{self.candidate}: the exam is {self.state}; no more answers are accepted")

    def _item_id(self, index: int) -> str:
        if not (isinstance(index, int) and 0 <= index < len(self.order)):
            raise ExamError(f"no case {index!r} (positions are 0..{len(self.order) - 1})")
        return self.order[index]

    def item(self, index: int) -> dict[str, Any]:
        """The item shown at position ``index``: ``item_id``, ``case`` (indication, patient, probe,
        media) and ``question_set`` (options in this candidate's order). Holds no answers."""
        item = self._items[self._item_id(index)]
        if not self.settings.get("randomise_options"):
            return json.loads(json.dumps(item))
        return shuffled_options(item, self.package.exam_id, self.candidate)

    def media_folder(self, index: int) -> Path:
        """Folder holding the item's media (``media/m0.<ext>``...), extracted from the verified
        package; ``item(index)["case"]["media"]`` lists them (paths relative to the package)."""
        return self.package.extract_item(self._item_id(index), self.folder / "media")

    def media_paths(self, index: int) -> list[Path]:
        """The item's media files on disk (primary first), ready for ``open_clip``."""
        folder = self.media_folder(index)
        item_id = self.order[index]
        return [
            folder / m["path"].removeprefix(f"items/{item_id}/")
            for m in self._items[item_id]["case"]["media"]
        ]

    def plays(self, index: int) -> int:
        """How often item ``index``'s clip was played in this attempt (from the audit log)."""
        return self._db.played(self._item_id(index)) if self._db is not None else 0

    def play(self, index: int) -> bool:
        """Ask to play item ``index``'s clip: False when replay is off and it was played already.
        Each play is written to the audit log (the viewer enforces the answer)."""
        self._require_running()
        played = self.plays(index)
        if played and not self.settings.get("replay_loops", True):
            return False
        self._event("play", {"item": self.order[index], "n": played + 1})
        return True

    def goto(self, index: int) -> None:
        self._require_running()
        self._item_id(index)
        if self.settings.get("navigation") == "forward" and index < self.current:
            raise ExamError("this exam is forward-only: earlier cases cannot be revisited")
        if index != self.current:
            self._event("goto", {"from": self.current, "to": index}, current=index)

    def answer(self, index: int, question: str, response: Any) -> int:
        """Commit one answer now (one transaction, fsynced); returns its sequence number."""
        self._require_running()
        item_id = self._item_id(index)
        limit = self.settings.get("case_time_limit_s")
        if limit is not None and self._item_elapsed[index] >= float(limit):
            raise ExamError(f"the time for case {index + 1} is up; its answers are closed")
        if self.settings.get("navigation") == "forward" and index != self.current:
            raise ExamError(f"this exam is forward-only: case {index + 1} is not the current case")
        qdef = next(
            (q for q in self._items[item_id]["question_set"]["questions"] if q["id"] == question), None
        )
        if qdef is None:
            raise ResponseFormatError(f"case {index + 1}: no question {question!r} in this exam")
        check_response(qdef, response)
        if qdef["kind"] == "decision":
            response = normalise_decision(response)
        text = crypto.canonical_json(response).decode()
        if len(text) > _MAX_RESPONSE_BYTES:
            raise ResponseFormatError(f"case {index + 1}, question {question!r}: the answer is too large")
        assert self._db is not None
        seq = self._write(
            self._db.answer,
            item_id,
            question,
            text,
            self._elapsed,
            self.current,
            self._item_elapsed,
            self._wall(),
        )
        self._last_persist = self._mark
        return seq

    def committed_count(self) -> int:
        """How many answers this attempt has committed (scripts resume after the last one)."""
        return 0 if self._db is None else self._db.count_answers()

    def answers(self) -> dict[str, dict[str, Any]]:
        """The latest answer to each question, by item id then question id."""
        out: dict[str, dict[str, Any]] = {}
        if self._db is not None:
            for row in self._db.answers():
                out.setdefault(row["item"], {})[row["question"]] = row["response"]
        return out

    def _write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A committed write; its duration becomes the lead of the next stored clock value."""
        assert self._db is not None
        t0 = self._clock()
        out = fn(*args)
        self._db.lead = min(max(0.0, self._clock() - t0), 5.0)
        return out

    def _event(
        self, name: str, data: dict[str, Any], current: int | None = None, meta: dict[str, str] | None = None
    ) -> None:
        assert self._db is not None
        if current is not None:
            self.current = current
        self._write(
            self._db.event, name, data, self._elapsed, self.current, self._item_elapsed, self._wall(), meta
        )
        self._last_persist = self._mark

    # ------------------------------------------------------------------ submission

    def submit(self, reason: str = "candidate") -> Path:
        """Close the attempt and write the signed results file; returns its path."""
        if self.state == "running":
            self._account()
            if not self._check_time():
                self._submit(reason)
        if self.state != "submitted":
            raise ExamError(f"{self.candidate}: the exam was never started")
        return self.write_results()

    def _submit(self, reason: str) -> None:
        self._event(
            "submit",
            {"reason": reason, "elapsed_s": round(self._elapsed, 6)},
            meta={"status": "submitted", "submit_reason": reason},
        )
        self.state = "submitted"
        self.submit_reason = reason
        path = self.write_results()
        # with a department store configured, the signed results land there now (never blocks)
        from imgtrainer.exams.department import land_quietly

        self.department_note = land_quietly(path, str(self.package.settings.get("title", "")))

    def write_results(self) -> Path:
        """(Re)write the results file from the database; idempotent, atomic."""
        assert self._db is not None
        doc = results_document(self, self._db)
        write_results_file(self.results_path, doc, self._db.key)
        return self.results_path

    @property
    def items_by_id(self) -> dict[str, dict[str, Any]]:
        return self._items

    @property
    def item_elapsed(self) -> list[float]:
        """Seconds spent on each item, in this candidate's order (as last accounted)."""
        return list(self._item_elapsed)

    def audit(self) -> list[dict[str, Any]]:
        """The attempt's audit rows (empty before the start)."""
        return self._db.audit() if self._db is not None else []

    def status(self) -> dict[str, Any]:
        """Plain-data progress for a navigation panel or ``imgtrainer exam status``."""
        if self.state == "running":
            self.heartbeat()
        return session_status(self)
