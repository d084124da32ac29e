"""Case selection for practice: due reviews (Leitner spaced repetition), unseen cases balanced
across findings, then cases ahead of schedule. Deterministic for a given seed and clock.

Leitner boxes per case, replayed from the trainee's finished attempts in time order: the first
attempt puts a case in box 2 when correct (score >= threshold), else box 1; each correct answer
moves it up one box (max 5), a wrong one back to box 1. A case is due ``INTERVAL_DAYS[box]``
after its last attempt (box 1: 1 day, 2: 3, 3: 7, 4: 14, 5: 30).

The queue interleaves one due case (lowest box, longest overdue first) with two unseen cases.
Unseen cases are chosen greedily so that the finding the trainee has seen least comes next
(exposure = attempts on cases whose key has that finding present; a key with no finding present
counts as "normal"), ties broken by difficulty then a seeded shuffle. Then cases not yet due.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.gate import is_shareable
from imgtrainer.library.models import AnswerKey, Case, FindingsAnswer
from imgtrainer.training.scoring import CORRECT_THRESHOLD

INTERVAL_DAYS: dict[int, float] = {1: 1, 2: 3, 3: 7, 4: 14, 5: 30}
MAX_BOX = 5
NORMAL = "normal"


@dataclass(frozen=True)
class QueueItem:
    """A case available for practice (key needed for findings balance and scoring)."""

    case: Case
    key: AnswerKey | None = None
    path: Path | None = None

    @property
    def findings(self) -> list[str]:
        if self.key is None:
            return []
        out: list[str] = []
        for a in self.key.answers.values():
            if isinstance(a, FindingsAnswer):
                out.extend(f for f in a.present if f not in out)
        return out


@dataclass(frozen=True)
class QueueFilter:
    domain: str | None = None
    finding: str | None = None
    difficulty: int | None = None

    def accepts(self, item: QueueItem) -> bool:
        c = item.case
        if self.domain and c.domain != self.domain:
            return False
        if self.difficulty and c.difficulty != self.difficulty:
            return False
        return not (self.finding and self.finding not in item.findings)


@dataclass
class QueueEntry:
    case_id: str
    domain: str
    reason: str  # "due" | "new" | "ahead"
    box: int  # 0 for unseen
    due_at: datetime | None
    why: str
    findings: list[str] = field(default_factory=list)
    path: Path | None = None

    def to_dict(self) -> dict:
        return {
            "case_id": self.case_id,
            "domain": self.domain,
            "reason": self.reason,
            "box": self.box,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "why": self.why,
            "findings": self.findings,
            "path": str(self.path) if self.path else None,
        }


@dataclass
class _CaseState:
    box: int
    last: datetime
    last_correct: bool
    n: int


def leitner_states(history: Iterable[object], threshold: float = CORRECT_THRESHOLD) -> dict[str, _CaseState]:
    """Box per case from finished attempts (objects with case_id, started_at/finished_at, score)."""
    rows = sorted(
        (h for h in history if getattr(h, "score", None) is not None),
        key=lambda h: getattr(h, "finished_at", None) or h.started_at,  # type: ignore[attr-defined]
    )
    states: dict[str, _CaseState] = {}
    for h in rows:
        ok = h.score >= threshold  # type: ignore[attr-defined]
        when = getattr(h, "finished_at", None) or h.started_at  # type: ignore[attr-defined]
        st = states.get(h.case_id)  # type: ignore[attr-defined]
        if st is None:
            states[h.case_id] = _CaseState(2 if ok else 1, when, ok, 1)  # type: ignore[attr-defined]
        else:
            st.box = min(MAX_BOX, st.box + 1) if ok else 1
            st.last, st.last_correct, st.n = when, ok, st.n + 1
    return states


def build_queue(
    items: Sequence[QueueItem],
    history: Iterable[object],
    now: datetime,
    flt: QueueFilter | None = None,
    n: int = 10,
    seed: int = 0,
    threshold: float = CORRECT_THRESHOLD,
    include_ahead: bool = True,
) -> list[QueueEntry]:
    """The next ``n`` cases to practise (see module docstring)."""
    if n < 0:
        raise ImgTrainerError(f"queue length must be >= 0, got {n}")
    flt = flt or QueueFilter()
    history = list(history)
    states = leitner_states(history, threshold)
    rng = random.Random(int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], "big"))
    # the review gate: only approved, public, keyed cases ever reach a trainee's queue
    pool = [it for it in items if flt.accepts(it) and is_shareable(it.case, it.key is not None)]
    rng.shuffle(pool)  # seeded tie-break order
    by_id = {it.case.id: it for it in items}
    exposure: Counter[str] = Counter()
    for h in history:
        it = by_id.get(h.case_id)  # type: ignore[attr-defined]
        if it is not None:
            exposure.update(it.findings or [NORMAL])

    due, ahead, unseen = [], [], []
    for it in pool:
        st = states.get(it.case.id)
        if st is None:
            unseen.append(it)
            continue
        due_at = st.last + timedelta(days=INTERVAL_DAYS[st.box])
        verdict = "correct" if st.last_correct else "wrong"
        why = f"last answered {verdict} on {st.last.date().isoformat()}, box {st.box}"
        entry = QueueEntry(it.case.id, it.case.domain, "due", st.box, due_at, why, it.findings, it.path)
        if due_at <= now:
            due.append(entry)
        else:
            entry.reason = "ahead"
            ahead.append(entry)
    due.sort(key=lambda e: (e.box, e.due_at))
    ahead.sort(key=lambda e: e.due_at)

    new_entries: list[QueueEntry] = []
    remaining = list(unseen)
    while remaining and len(new_entries) < n:

        def need(it: QueueItem) -> tuple[float, int]:
            fs = it.findings or [NORMAL]
            return (min(exposure[f] for f in fs), it.case.difficulty)

        best = min(range(len(remaining)), key=lambda i: need(remaining[i]))
        it = remaining.pop(best)
        fs = it.findings or [NORMAL]
        # The reason must not name the case's findings: the trainee has not seen the case yet.
        why = "unseen; picked to balance practice across findings"
        exposure.update(fs)
        new_entries.append(QueueEntry(it.case.id, it.case.domain, "new", 0, None, why, it.findings, it.path))

    out: list[QueueEntry] = []
    di = ni = 0
    while len(out) < n and (di < len(due) or ni < len(new_entries)):
        if di < len(due) and (len(out) % 3 == 0 or ni >= len(new_entries)):
            out.append(due[di])
            di += 1
        else:
            out.append(new_entries[ni])
            ni += 1
    if include_ahead:
        out.extend(ahead[: max(0, n - len(out))])
    return out


def load_items(folders: Iterable[Path | str]) -> tuple[list[QueueItem], list[str]]:
    """Case folders (e.g. ``Path(s.path)`` of ``LibraryIndex.search`` results) as queue items;
    unreadable ones are reported, not fatal. Cases held back by the review gate are left out
    silently (naming them would show trainees what faculty have not released)."""
    from imgtrainer.library.case_io import load_case, load_key

    items: list[QueueItem] = []
    problems: list[str] = []
    for d in folders:
        d = Path(d)
        try:
            case = load_case(d)
            key = load_key(d) if (d / "key.json").is_file() else None
        except ImgTrainerError as exc:
            problems.append(str(exc))
            continue
        if is_shareable(case, key is not None):
            items.append(QueueItem(case, key, d))
    return items, problems


def load_library_items(folder: Path) -> tuple[list[QueueItem], list[str]]:
    """Every case folder under ``folder`` (recursively)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImgTrainerError(f"{folder}: library folder not found")
    return load_items(p.parent for p in sorted(folder.rglob("case.json")))
