"""Practice queue: unseen cases balanced by finding, wrong answers due again, filters, seeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from imgtrainer.library.models import FindingsAnswer
from imgtrainer.training.queue import QueueFilter, QueueItem, build_queue, leitner_states, load_library_items
from tests.training._cases import lung_case, write_case

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


@dataclass
class _Att:
    case_id: str
    score: float
    started_at: datetime
    finished_at: datetime


def _items():
    items = []
    findings = ["blines", "blines", "blines", "lung_point", "pleural_effusion", "consolidation", None, None]
    for i, f in enumerate(findings):
        case, key = lung_case(f"lung-q-{i:02d}", difficulty=1 + i % 3)
        key.answers["findings"] = FindingsAnswer(present=[f] if f else [], absent=["z_lines"])
        items.append(QueueItem(case, key))
    return items


def _att(cid, score, days_ago):
    t = NOW - timedelta(days=days_ago)
    return _Att(cid, score, t, t)


def test_deterministic_and_seed_dependent():
    items = _items()
    a = [e.case_id for e in build_queue(items, [], NOW, n=8, seed=1)]
    b = [e.case_id for e in build_queue(items, [], NOW, n=8, seed=1)]
    assert a == b and sorted(a) == sorted(i.case.id for i in items)
    orders = {tuple(e.case_id for e in build_queue(items, [], NOW, n=8, seed=s)) for s in range(8)}
    assert len(orders) > 1


def test_unseen_cases_balance_findings():
    items = _items()
    q = build_queue(items, [], NOW, n=5, seed=3)
    first_findings = [tuple(e.findings) or ("normal",) for e in q]
    # five distinct finding groups come before any repeat of B-lines
    assert len(set(first_findings)) == 5


def test_wrong_answers_come_back_when_due_and_leitner_boxes():
    items = _items()
    history = [
        _att("lung-q-00", 0.3, 3),  # wrong 3 days ago: box 1, due after 1 day
        _att("lung-q-01", 0.95, 1),  # right yesterday: box 2, due in 3 days -> ahead
        _att("lung-q-02", 0.9, 20),
        _att("lung-q-02", 0.9, 10),  # box 3, due after 7 days -> due
    ]
    states = leitner_states(history)
    assert (states["lung-q-00"].box, states["lung-q-01"].box, states["lung-q-02"].box) == (1, 2, 3)
    q = build_queue(items, history, NOW, n=8, seed=0)
    reasons = {e.case_id: e.reason for e in q}
    assert q[0].case_id == "lung-q-00" and q[0].reason == "due"  # lowest box first
    assert reasons["lung-q-02"] == "due" and reasons["lung-q-01"] == "ahead"
    assert [e.reason for e in q[:3]] == ["due", "new", "new"]  # one review, two new
    assert q[-1].case_id == "lung-q-01"
    assert "wrong" in q[0].why


def test_filters():
    items = _items()
    only = build_queue(items, [], NOW, QueueFilter(finding="blines"), n=10)
    assert {e.case_id for e in only} == {"lung-q-00", "lung-q-01", "lung-q-02"}
    assert build_queue(items, [], NOW, QueueFilter(domain="cardiac"), n=10) == []
    diff = build_queue(items, [], NOW, QueueFilter(difficulty=2), n=10)
    assert diff and all(next(i for i in items if i.case.id == e.case_id).case.difficulty == 2 for e in diff)


def test_load_library_items_reports_bad_folders(tmp_path):
    case, key = lung_case("lung-lib-01")
    write_case(tmp_path / "lung-lib-01", case, key)
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "case.json").write_text("{not json")
    items, problems = load_library_items(tmp_path)
    assert [i.case.id for i in items] == ["lung-lib-01"] and items[0].findings == [
        "pleural_line",
        "lung_sliding",
        "blines",
    ]
    assert len(problems) == 1 and "broken" in problems[0]
