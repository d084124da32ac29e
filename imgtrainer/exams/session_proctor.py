"""The proctor's side of a running attempt: resume after an interruption, add time, give
downtime back, and the candidate's whole-exam limit. A mixin of ``ExamSession`` (it uses the
session's clock, database and audit writer); the rules are in ``imgtrainer.exams.proctor``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from imgtrainer.errors import ExamError
from imgtrainer.exams.proctor import allowance_s, check_proctor


def _seconds_between(earlier: str | None, later: str) -> float:
    """Wall-clock seconds from ``earlier`` to ``later`` (ISO texts); 0 if unknown or negative."""
    try:
        return max(
            0.0, (datetime.fromisoformat(later) - datetime.fromisoformat(earlier or "")).total_seconds()
        )
    except ValueError:
        return 0.0


class ProctorTime:
    """Mixed into ``ExamSession``; see its module docstring for the time model."""

    package: Any
    candidate: str
    settings: dict[str, Any]
    state: str
    current: int
    live_since: float | None
    _db: Any
    _elapsed: float
    _item_elapsed: list[float]
    _mark: float
    _last_persist: float
    _live: bool

    def resume(self, credential: str | None = None, grant_downtime: bool = False) -> None:
        """The proctor (passphrase or PIN) continues an interrupted attempt. Elapsed time grows by
        ``heartbeat_s`` (upper bound of the unsaved time), or under ``downtime = "counts"`` by
        the wall-clock time the app was down if longer; ``grant_downtime`` gives that time back."""
        if self.state == "new":
            raise ExamError(f"{self.candidate}: no attempt to resume; the proctor must start the exam")
        if self.state == "submitted" or self._live:
            return
        by = check_proctor(self.package, credential, f"{self.candidate}: resuming the interrupted exam")
        self._lock()
        penalty = float(self.settings.get("heartbeat_s", 1.0))
        policy = self.settings.get("downtime", "paused")  # packages built before the policy: paused
        assert self._db is not None
        down_since = self._db.clock_wall()
        downtime = _seconds_between(down_since, self._wall())
        counted = max(penalty, downtime) if policy == "counts" else penalty
        persisted = self._elapsed
        self._elapsed += counted
        self._item_elapsed[self.current] += counted
        self._mark = self._last_persist = self._clock()
        self._live = True
        self.live_since = self._mark
        data = {
            "persisted_elapsed_s": round(persisted, 6),
            "penalty_s": penalty,
            "down_since": down_since,
            "downtime_s": round(downtime, 3),
            "counted_s": round(counted, 3),
            "policy": policy,
            "by": by,
        }
        self._event("resume", data)
        if grant_downtime and policy == "counts":
            self._event("grant", {"seconds": round(counted, 3), "reason": "downtime", "by": by})
        self._check_time()

    def add_time(self, credential: str | None, seconds: float, reason: str = "") -> None:
        """The proctor gives the candidate ``seconds`` more on the whole-exam clock (logged)."""
        self._proctor_time("add_time", credential, seconds, reason)

    def grant_downtime(
        self, credential: str | None, seconds: float | None = None, reason: str = "downtime"
    ) -> float:
        """Give back counted downtime not yet granted (all of it by default); returns seconds."""
        assert self._db is not None or self.state == "new"
        counted = sum(
            float(r["data"].get("counted_s", 0.0))
            for r in (self._db.audit() if self._db else [])
            if r["event"] == "resume" and r["data"].get("policy") == "counts"
        )
        granted = sum(float(r["data"]["seconds"]) for r in self._time_events() if r["event"] == "grant")
        left = max(0.0, counted - granted)
        seconds = left if seconds is None else float(seconds)
        if seconds > left + 1e-6:
            raise ExamError(f"{self.candidate}: only {left:.0f} s of counted downtime are left to grant back")
        self._proctor_time("grant", credential, seconds, reason)
        return seconds

    def _proctor_time(self, event: str, credential: str | None, seconds: float, reason: str) -> None:
        what = "adding time" if event == "add_time" else "granting downtime back"
        if self.state != "running":
            raise ExamError(f"{self.candidate}: {what} needs a running attempt (this one is {self.state})")
        if not 0 < seconds <= 24 * 3600:
            raise ExamError(f"{what}: {seconds:g} s is not within 0-24 h")
        by = check_proctor(self.package, credential, f"{self.candidate}: {what}")
        self._account()
        self._event(event, {"seconds": round(float(seconds), 3), "reason": reason, "by": by})

    def _time_events(self) -> list[dict[str, Any]]:
        return self._db.time_events() if self._db is not None else []

    def time_limit_s(self) -> float | None:
        """This candidate's whole-exam limit: the exam's plus extra time, additions and grants."""
        limit = self.settings.get("time_limit_s")
        if limit is None:
            return None
        return float(limit) + allowance_s(self.settings, self.candidate, self._time_events())
