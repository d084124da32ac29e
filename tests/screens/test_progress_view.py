"""What the progress screen says: the pass rate named apart from finding accuracy, rows that
stay short, one application at a time in the findings table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from imgtrainer.progress.logbook import build_logbook
from imgtrainer.screens import progress as view
from imgtrainer.screens.library import grid_columns
from imgtrainer.screens.shortcuts import SHORTCUTS, digit_for_key, key_name, option_text

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _att(dom: str, score: float, days_ago: float, i: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        case_id=f"{dom}-{i}", domain=dom, score=score, finished_at=NOW - timedelta(days=days_ago)
    )


def _finding(dom: str, fid: str, label: str, outcome: str) -> SimpleNamespace:
    return SimpleNamespace(domain=dom, finding=fid, label=label, outcome=outcome, distractor=False)


def test_a_failed_case_with_every_finding_right_is_explained_not_called_0_percent_accuracy() -> None:
    """The reported fault: "overall accuracy 0%" beside 100% per finding."""
    book = build_logbook(
        "Ana",
        [_att("airway", 0.55, 1)],
        [],
        [
            _finding("airway", "trachea", "Tracheal rings", "tp"),
            _finding("airway", "oesophagus", "Oesophagus", "tn"),
        ],
        NOW,
    )
    text, tip = view.summary(book)
    assert text == "1 case finished · 0 passed (score ≥ 80%) · mean case score 55%"
    assert "accuracy" not in text and "findings table" in tip and "80%" in tip
    rows = view.finding_rows(book, "airway")
    assert [r.cells for r in rows] == [
        ("Oesophagus", "1", "100%", "—", "100%"),
        ("Tracheal rings", "1", "100%", "100%", "—"),
    ]  # no "Airway: " prefix: the application is chosen above the table
    assert view.finding_rows(book, "lung") == []
    assert "apart from the case's pass or fail" in view.findings_note(book, "airway", 2)
    assert view.summary(build_logbook("Ana", [], [], [], NOW))[0] == "No case finished yet"


def test_logbook_rows_stay_short_and_carry_the_details_in_tooltips() -> None:
    attempts = [_att("lung", 0.9, 200 - i, i) for i in range(12)]  # mastered, then idle 189 days
    attempts += [_att("cardiac", s, 3 - i * 0.1, i) for i, s in enumerate((0.5, 0.9, 0.95))]
    book = build_logbook("Ana", attempts, [], [], NOW)
    rows = {r.domain: r for r in view.log_rows(book)}
    assert (rows["lung"].mastery, rows["lung"].mastery_tone) == ("review (189 d)", "warn")
    assert (
        "Mastered at case 10" in rows["lung"].mastery_tip and "more than 90 days" in rows["lung"].mastery_tip
    )
    assert rows["lung"].passed == "12 of 12" and rows["lung"].interpreted == (12, 20)
    assert (rows["cardiac"].mastery, rows["cardiac"].passed) == ("streak 2 of 10", "2 of 3")
    assert (rows["gastric"].mastery, rows["gastric"].mastery_tone, rows["gastric"].passed) == (
        "not started",
        "dim",
        "—",
    )
    assert max(len(r.mastery) for r in rows.values()) <= 16  # one short line in the table
    assert view.default_domain(book, None) == "lung"  # the most practised
    assert view.default_domain(book, "cardiac") == "cardiac"
    assert view.default_domain(book, "gastric") == "lung"  # nothing to show there


def test_keys_beyond_nine_and_options_numbered_once() -> None:
    keys = {s.action: s.keys for s in SHORTCUTS}
    assert keys["answer_digit_ten"] == tuple(f"Alt+{d}" for d in range(10))
    assert [digit_for_key("answer_digit_ten", k) for k in ("Alt+0", "Alt+4")] == [10, 14]
    assert digit_for_key("answer_digit", "7") == 7
    assert [key_name(n) for n in (1, 9, 10, 14, 19, 20)] == ["1", "9", "Alt+0", "Alt+4", "Alt+9", ""]
    assert option_text("1 - No recognisable structures", 1) == "No recognisable structures"
    assert option_text("2: Minimally recognisable", 2) == "Minimally recognisable"
    assert option_text("1 - No recognisable structures", 3) == "1 - No recognisable structures"  # shuffled
    assert option_text("1.5 cm or more", 1) == "1.5 cm or more"
    assert option_text("3 or more B-lines", 3) == "3 or more B-lines"


def test_library_grid_columns_fill_the_width() -> None:
    assert grid_columns(1474, 220) == (6, 245)  # 1,500 px window: was 6 x 220 and 154 px spare
    assert grid_columns(1340, 220) == (6, 222)
    assert grid_columns(1323, 220) == (5, 263)  # 6 x 220 would touch the edge: Qt wraps it
    assert grid_columns(150, 220) == (1, 220)  # narrower than one card: one column, never smaller
