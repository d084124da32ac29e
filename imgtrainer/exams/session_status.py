"""A session's progress as plain data (for the GUI's navigation panel and ``exam status``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imgtrainer.exams.session import ExamSession


def session_status(session: ExamSession) -> dict[str, Any]:
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
    return {
        "exam_id": session.package.exam_id,
        "candidate": session.candidate,
        "state": session.state,
        "submit_reason": session.submit_reason,
        "elapsed_s": round(session.elapsed_s(), 3),
        "remaining_s": None
        if session.settings.get("time_limit_s") is None
        else round(max(0.0, float(session.settings["time_limit_s"]) - session.elapsed_s()), 3),
        "current": session.current,
        "n_items": len(session.order),
        "answered_questions": sum(p["answered"] for p in per_item),
        "items": per_item,
        "n_questions": sum(len(it["question_set"]["questions"]) for it in session.items_by_id.values()),
        "database": str(session.db_path),
        "results": str(session.results_path) if session.results_path.is_file() else None,
    }
