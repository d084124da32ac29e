"""Adjudication into a consensus key, and agreement over a small library."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgtrainer.annotate.adjudicate import Adjudication
from imgtrainer.annotate.marks import frame_ranges_iou, marks_f1
from imgtrainer.annotate.report import library_agreement
from imgtrainer.cli import main
from imgtrainer.errors import CaseFormatError
from imgtrainer.library.case_io import load_key, load_rater_keys, save_key
from imgtrainer.library.models import AnswerKey, Mark


def _key(rater: str, count: int, sliding: str, marks: list[Mark]) -> AnswerKey:
    return AnswerKey.model_validate(
        {
            "case_id": "lung-test-01",
            "rater": rater,
            "role": "rater",
            "answers": {
                "b_line_count": {"kind": "count", "value": count},
                "lung_sliding": {"kind": "category", "value": sliding},
                "b_line_marks": {"kind": "marks", "marks": [m.model_dump() for m in marks]},
            },
        }
    )


LINE_A = Mark(type="line", points=[(40, 20), (42, 110)], frame=0)
LINE_B = Mark(type="line", points=[(90, 20), (91, 110)], frame=0)


def test_consensus_keeps_accepted_items_and_who_agreed(case_folder: Path) -> None:
    save_key(case_folder, _key("dr_a", 2, "present", [LINE_A, LINE_B]))
    save_key(case_folder, _key("dr_b", 2, "absent", [LINE_A]))
    adj = Adjudication.start("lung-test-01", load_rater_keys(case_folder))
    # The identical count is accepted without asking; sliding and marks wait for a decision.
    assert {(i.question_id, i.rater) for i in adj.pending} >= {
        ("lung_sliding", "dr_a"),
        ("lung_sliding", "dr_b"),
    }
    with pytest.raises(CaseFormatError, match="undecided"):
        adj.consensus("chief")
    adj.decide("lung_sliding", "dr_a", True)
    adj.decide("lung_sliding", "dr_b", False)
    adj.decide("b_line_marks", "dr_a", True, 0)
    adj.decide("b_line_marks", "dr_a", True, 1)
    adj.decide("b_line_marks", "dr_b", False, 0)
    key = adj.consensus("chief")
    assert key.answers["lung_sliding"].value == "present"
    assert key.answers["lung_sliding"].agreed_by == ["dr_a"]
    assert key.answers["b_line_count"].agreed_by == ["dr_a", "dr_b"]
    assert len(key.answers["b_line_marks"].marks) == 2
    save_key(case_folder, key)
    assert load_key(case_folder).role == "consensus"
    assert set(load_rater_keys(case_folder)) == {"dr_a", "dr_b"}  # rater keys untouched


def test_agreed_by_per_mark_and_a_rejected_mark_is_no_agreement(case_folder: Path) -> None:
    """dr_b drew A and C; the adjudicator keeps dr_b's A and dr_a's B, rejects C. dr_b did not
    agree on the B-line marks (C was rejected, B missed), so not on everything either; each kept
    mark names who drew it."""
    line_c = Mark(type="line", points=[(140, 20), (141, 110)], frame=0)
    save_key(case_folder, _key("dr_a", 2, "present", [LINE_A, LINE_B]))
    save_key(case_folder, _key("dr_b", 2, "present", [LINE_A, line_c]))
    adj = Adjudication.start("lung-test-01", load_rater_keys(case_folder))
    adj.decide("b_line_marks", "dr_a", False, 0)  # the same line as dr_b's first
    adj.decide("b_line_marks", "dr_a", True, 1)
    adj.decide("b_line_marks", "dr_b", True, 0)
    adj.decide("b_line_marks", "dr_b", False, 1)
    key = adj.consensus("chief")
    marks = key.answers["b_line_marks"]
    by_line = {tuple(m.points[0]): m.agreed_by for m in marks.marks}
    assert by_line == {(40, 20): ["dr_a", "dr_b"], (90, 20): ["dr_a"]}
    assert marks.agreed_by == ["dr_a"]
    assert key.answers["b_line_count"].agreed_by == ["dr_a", "dr_b"]
    assert key.agreed_by == ["dr_a"]
    save_key(case_folder, key)  # per-mark agreement survives the file; rater keys carry none
    saved = load_key(case_folder).answers["b_line_marks"].marks
    assert {tuple(m.points[0]): m.agreed_by for m in saved} == by_line
    assert "agreed_by" not in (case_folder / "keys" / "dr_a.json").read_text().split('"marks"')[1]


def test_mark_f1_and_frame_iou() -> None:
    assert marks_f1([LINE_A, LINE_B], [LINE_A], 20) == pytest.approx(2 / 3)
    moved = Mark(type="line", points=[(70, 20), (72, 110)], frame=0)
    assert marks_f1([LINE_A], [moved], 20) == 0.0
    tilted = Mark(type="line", points=[(20, 20), (64, 110)], frame=0)  # same midpoint, ~26 deg off
    assert marks_f1([LINE_A], [tilted], 20, tolerance_deg=15) == 0.0
    assert frame_ranges_iou([(0, 9)], [(5, 14)]) == pytest.approx(5 / 15)


def test_library_agreement_cli(case_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_key(case_folder, _key("dr_a", 2, "present", [LINE_A, LINE_B]))
    save_key(case_folder, _key("dr_b", 3, "present", [LINE_A]))
    report = library_agreement(case_folder.parent)
    assert report.cases_with_multiple_raters == 1
    rows = {s.item: s for s in report.statistics}
    assert rows["b_line_marks"].value == pytest.approx(2 / 3)
    assert rows["lung_sliding"].percent_agreement == 1.0
    assert main(["agreement", str(case_folder.parent), "--json"]) == 0
    assert '"cases_with_multiple_raters": 1' in capsys.readouterr().out
