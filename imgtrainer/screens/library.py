"""Library browser state, with no Qt: the filters, the matching cases and the trainee's marks.

The browser widget binds to ``changed`` and calls ``set_filter``; the query itself runs through
``gui.services`` on a worker thread, and its result comes back through ``set_results``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imgtrainer.screens.signal import Signal

STATUS_CHOICES = ("all", "undone", "done", "wrong")
STATUS_LABELS = {"all": "All cases", "undone": "Not done yet", "done": "Done", "wrong": "Wrong last time"}


@dataclass
class LibraryFilters:
    text: str = ""
    domain: str | None = None
    view: str | None = None
    finding: str | None = None
    difficulty: int | None = None
    status: str = "all"

    def criteria(self) -> dict[str, Any]:
        """Keyword arguments for the index search (``status`` 'wrong' is applied afterwards)."""
        out: dict[str, Any] = {
            "text": self.text.strip() or None,
            "domain": self.domain,
            "view": self.view,
            "finding": self.finding,
            "difficulty": self.difficulty,
        }
        if self.status in ("done", "undone"):
            out["done"] = self.status == "done"
        return out


@dataclass
class LibraryState:
    filters: LibraryFilters = field(default_factory=LibraryFilters)
    cases: list[Any] = field(default_factory=list)  # CaseSummary rows shown
    last_correct: dict[str, bool] = field(default_factory=dict)  # case id -> last attempt correct
    busy: bool = False
    error: str = ""
    changed: Signal = field(default_factory=Signal)

    def set_filter(self, name: str, value: Any) -> None:
        if not hasattr(self.filters, name):
            raise ValueError(f"unknown filter {name!r}")
        if name == "status" and value not in STATUS_CHOICES:
            raise ValueError(f"status must be one of {STATUS_CHOICES}")
        if getattr(self.filters, name) != value:
            setattr(self.filters, name, value)
            if name == "domain":
                self.filters.view = None  # views belong to one application
            self.changed.emit("filters")

    def set_results(self, cases: list[Any], last_correct: dict[str, bool]) -> None:
        """Store a query's result, applying the 'wrong last time' filter the index cannot."""
        self.last_correct = dict(last_correct)
        if self.filters.status == "wrong":
            cases = [c for c in cases if self.last_correct.get(c.id) is False]
        self.cases = list(cases)
        self.busy, self.error = False, ""
        self.changed.emit("results")

    def set_error(self, message: str) -> None:
        self.busy, self.error = False, message
        self.changed.emit("results")

    def badge(self, case_id: str) -> str:
        """'' (not done), 'correct' or 'wrong' for the trainee's last attempt."""
        if case_id not in self.last_correct:
            return ""
        return "correct" if self.last_correct[case_id] else "wrong"


def grid_columns(viewport_w: int, min_cell_w: int) -> tuple[int, int]:
    """(columns, cell width) that fill ``viewport_w`` pixels with grid cells at least
    ``min_cell_w`` wide, the strip a fixed cell leaves at the right shared out between the
    columns. 4 px stay free: a Qt icon grid wraps a row whose cells reach the very edge."""
    usable = max(1, viewport_w - 4)
    cols = max(1, usable // min_cell_w)
    return cols, max(min_cell_w, usable // cols)
