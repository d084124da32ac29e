"""A session's progress as plain data (for the GUI's navigation panel and ``exam status``), and
the narrow view of a session that this module and the results file need.

``SessionView`` is a Protocol so that neither this module nor ``results`` imports
``imgtrainer.exams.session``: the session depends on them, never the other way round.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from imgtrainer.exams.proctor import time_log


class SessionView(Protocol):
    """What status and results read of an ``ExamSession``."""

    package: Any
    candidate: str
    attempt: int
    settings: dict[str, Any]
    state: str
    submit_reason: str | None
    current: int
    order: list[str]
    db_path: Path
    results_path: Path

    def answers(self) -> dict[str, dict[str, Any]]: ...
    def elapsed_s(self) -> float: ...
    def time_limit_s(self) -> float | None: ...
    def audit(self) -> list[dict[str, Any]]: ...

    @property
    def items_by_id(self) -> dict[str, dict[str, Any]]: ...

    @property
    def item_elapsed(self) -> list[float]: ...


def session_status(session: SessionView) -> dict[str, Any]:
    """State, time used and left, and per item: answered / questions, time spent, closed."""
    answered = session.answers()
    spent = session.item_elapsed
    limit = session.settings.get("case_time_limit_s")
    per_item = [
        {
            "item": item_id,
            "answered": sum(1 for r in answered.get(item_id, {}).values() if r is not None),
            "questions": len(session.items_by_id[item_id]["question_set"]["questions"]),
            "time_s": round(spent[i], 3),
            "closed": limit is not None and spent[i] >= float(limit),
        }
        for i, item_id in enumerate(session.order)
    ]
    total = session.time_limit_s()
    elapsed = session.elapsed_s()
    return {
        "exam_id": session.package.exam_id,
        "title": session.settings.get("title", ""),
        "candidate": session.candidate,
        "attempt": session.attempt,
        "state": session.state,
        "submit_reason": session.submit_reason,
        "elapsed_s": round(elapsed, 3),
        "time_limit_s": None if total is None else round(total, 3),
        "remaining_s": None if total is None else round(max(0.0, total - elapsed), 3),
        "downtime_policy": session.settings.get("downtime", "paused"),
        **time_log(session.settings, session.candidate, session.audit()),
        "current": session.current,
        "n_items": len(session.order),
        "answered_questions": sum(p["answered"] for p in per_item),
        "items": per_item,
        "n_questions": sum(len(it["question_set"]["questions"]) for it in session.items_by_id.values()),
        "database": str(session.db_path),
        "results": str(session.results_path) if session.results_path.is_file() else None,
    }
