"""The "None seen" / "Not present" controls of marks, frame-range and measurement questions record
the answer "none", and a case whose finding is absent scores 1 when the trainee says so."""

from __future__ import annotations

import pytest

from imgtrainer.gui.widgets.questions import make_question_widget
from imgtrainer.library.models import AnswerKey, FindingsAnswer
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.screens.practice import PracticeState
from imgtrainer.screens.viewer.state import Mark, ViewerState
from imgtrainer.training.questions import build_question_set
from imgtrainer.training.scoring import score_case
from tests.training._cases import lung_case

pytestmark = pytest.mark.gui


def test_none_controls_record_none_and_score(qtbot):
    case, full = lung_case()
    answers = {k: v for k, v in full.answers.items() if k in ("view", "decision")}
    answers["findings"] = FindingsAnswer(present=["pleural_line"], absent=["pleural_effusion", "lung_point"])
    key = AnswerKey(case_id=case.id, rater="expert", answers=answers)
    qset = build_question_set(case, key, load_taxonomy("lung"))
    practice, viewer = PracticeState(), ViewerState()
    practice.load(qset)
    widgets = {}
    for qid in ("effusion_outline", "lung_point_frames", "effusion_depth"):
        w = make_question_widget(qset.question(qid), 1, practice, viewer)
        qtbot.addWidget(w)
        widgets[qid] = w
    # blank: not listed as unanswered (blank counts as none)
    assert not {"effusion_outline", "lung_point_frames", "effusion_depth"} & set(practice.unanswered)

    # a mark drawn, then "None seen": the mark goes and the answer is an empty list
    outline = widgets["effusion_outline"]
    viewer.add_marks([Mark("polygon", ((1, 1), (9, 1), (9, 9)), 0, "effusion_outline")])
    assert len(practice.answers["effusion_outline"]) == 1
    outline.none_box.setChecked(True)
    assert practice.answers["effusion_outline"] == [] and not viewer.marks
    assert outline.count.text() == "None seen"

    widgets["lung_point_frames"].none_box.setChecked(True)
    assert practice.answers["lung_point_frames"] == []
    depth = widgets["effusion_depth"]
    depth.spin.setValue(2.5)
    assert practice.answers["effusion_depth"] == {"value": 2.5}
    depth.none_box.setChecked(True)
    assert practice.answers["effusion_depth"] == {"not_applicable": True}
    assert depth.spin.value() == -1  # the typed value is gone

    responses = practice.responses()
    assert responses["effusion_depth"].not_applicable and responses["lung_point_frames"].ranges == []
    result = {q.question_id: q for q in score_case(case, key, qset, responses).questions}
    for qid in widgets:
        assert result[qid].score == 1.0 and result[qid].answered, qid
        assert result[qid].expected.startswith("none (the ")

    # unticking withdraws the answer; typing a value replaces "not present"
    depth.none_box.setChecked(False)
    assert "effusion_depth" not in practice.answers
    depth.none_box.setChecked(True)
    depth.spin.setValue(1.0)
    assert practice.answers["effusion_depth"] == {"value": 1.0} and not depth.none_box.isChecked()
    for w in widgets.values():
        w.detach()


def test_marks_card_fits_a_narrow_question_column(qtbot):
    """A marks card with three tools and its count line must fit a laptop's question column
    (about 340 px): wider, the scrolled column slid sideways and cut every card's left edge."""
    case, key = lung_case()
    qset = build_question_set(case, key, load_taxonomy("lung"))
    practice, viewer = PracticeState(), ViewerState()
    practice.load(qset)
    q = qset.question("effusion_outline").model_copy(update={"mark_types": ["point", "line", "polygon"]})
    w = make_question_widget(q, 12, practice, viewer)
    qtbot.addWidget(w)
    w.count.setText("Nothing drawn yet (counts as none)")
    assert w.minimumSizeHint().width() <= 340
