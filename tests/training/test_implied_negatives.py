"""Which questions appear must not give the answer away: a finding question is asked whenever the
key assesses its finding (present or absent), and an absent finding's implied answer is "none"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgtrainer.errors import ResponseFormatError
from imgtrainer.library.models import AnswerKey, CategoryAnswer, FindingsAnswer, MeasurementAnswer
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.training.questions import (
    IMPLIED_KINDS,
    ImpliedAbsent,
    build_question_set,
    effective_key,
    finding_status,
)
from imgtrainer.training.responses import parse_answers, parse_response, responses_from_key
from imgtrainer.training.scoring import score_case
from tests.training._cases import lung_case

FINDING_QUESTIONS = {  # lung finding questions of the implied kinds, by finding
    "blines": {"b_line_count", "b_line_marks"},
    "pleural_line": {"pleural_line_mark"},
    "lung_point": {"lung_point_frames"},
    "pleural_effusion": {"effusion_outline", "effusion_depth"},
}


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy("lung")


def _key(present: list[str], absent: list[str], extra: dict | None = None) -> tuple:
    """The test lung case with a key that assesses only ``present``/``absent`` and answers no
    finding question explicitly (plus ``extra`` answers)."""
    case, full = lung_case()
    answers = {k: v for k, v in full.answers.items() if k in ("view", "acep_quality", "decision")}
    answers["findings"] = FindingsAnswer(present=present, absent=absent)
    answers.update(extra or {})
    return case, AnswerKey(case_id=case.id, rater="expert", answers=answers)


def test_question_is_asked_for_an_absent_finding_and_not_for_an_unassessed_one(tax):
    case, key = _key(["pleural_line"], ["pleural_effusion", "lung_point"])
    qset = build_question_set(case, key, tax)
    assert {"effusion_outline", "effusion_depth", "lung_point_frames"} <= set(qset.ids)
    assert not {"b_line_count", "b_line_marks"} & set(qset.ids)  # B-lines not assessed
    answers = effective_key(case, key, qset.questions)
    implied = answers["effusion_depth"]
    assert isinstance(implied, ImpliedAbsent) and implied.finding == "pleural_effusion"
    assert implied.expected_text == "none (the pleural effusion is absent)"
    # pleural line present but not drawn by the key: asked (no leak) but not scored
    result = score_case(case, key, qset, {})
    line = next(q for q in result.questions if q.question_id == "pleural_line_mark")
    assert not line.scored and line.weight == 0


def test_perfect_none_answers_score_one_blank_counts_as_none(tax):
    case, key = _key(["pleural_line"], ["pleural_effusion", "lung_point", "blines"])
    qset = build_question_set(case, key, tax)
    explicit = parse_answers(
        {
            "effusion_outline": [],
            "effusion_depth": None,
            "lung_point_frames": [],
            "b_line_marks": [],
            "b_line_count": 0,
        },
        qset,
    )
    for responses in (explicit, {"b_line_count": parse_response(qset.question("b_line_count"), 0)}):
        result = {q.question_id: q for q in score_case(case, key, qset, responses).questions}
        for qid in (
            "effusion_outline",
            "effusion_depth",
            "lung_point_frames",
            "b_line_marks",
            "b_line_count",
        ):
            assert result[qid].score == 1.0, (qid, result[qid].reason)
            assert result[qid].expected.startswith("none (the ")
    assert result["effusion_depth"].expected == "none (the pleural effusion is absent)"
    assert not result["effusion_depth"].answered  # blank: counted as none, still reported as blank
    # an unanswered count is not "none": the trainee must give 0
    assert score_case(case, key, qset, {}).questions[qset.ids.index("b_line_count")].score == 0.0


def test_anything_given_when_none_is_expected_scores_zero(tax):
    case, key = _key(["pleural_line"], ["pleural_effusion", "lung_point", "blines"])
    qset = build_question_set(case, key, tax)
    bad = parse_answers(
        {
            "effusion_outline": [{"type": "polygon", "points": [[1, 1], [9, 1], [9, 9]]}],
            "effusion_depth": {"value": 1.8, "unit": "cm"},
            "lung_point_frames": [[3, 5]],
            "b_line_marks": [{"type": "line", "points": [[5, 5], [6, 50]], "frame": 0}],
            "b_line_count": 2,
        },
        qset,
    )
    result = {q.question_id: q for q in score_case(case, key, qset, bad).questions}
    for qid in ("effusion_outline", "effusion_depth", "lung_point_frames", "b_line_marks", "b_line_count"):
        assert result[qid].score == 0.0, qid
    assert result["effusion_depth"].reason == "no pleural effusion to measure"
    assert result["effusion_depth"].given == "1.8 cm"
    assert "drew 1 mark" in result["effusion_outline"].reason
    one = score_case(case, key, qset, {"b_line_count": parse_response(qset.question("b_line_count"), 1)})
    assert one.questions[qset.ids.index("b_line_count")].score == pytest.approx(0.5)  # count rule vs 0


def test_not_applicable_measurement_forms_and_explicit_key(tax):
    case, key = lung_case()  # the key measures an effusion of 2.0 cm
    qset = build_question_set(case, key, tax)
    q = qset.question("effusion_depth")
    for raw in (None, "not_applicable", {"not_applicable": True}, {"value": None}):
        assert parse_response(q, raw).not_applicable
    with pytest.raises(ResponseFormatError, match="effusion_depth"):
        parse_response(q, {"value": 2.0, "not_applicable": True})
    result = score_case(case, key, qset, {"effusion_depth": parse_response(q, {"not_applicable": True})})
    depth = result.questions[qset.ids.index("effusion_depth")]
    assert depth.score == 0.0 and depth.reason == "expected 2 cm; you answered not present"


def test_binary_category_question_assesses_a_finding():
    """FAST: "free fluid in this view?" keyed "no" makes the free-fluid outline an implied none."""
    from imgtrainer.library.models import Case, DecisionAnswer, DecisionQuestion, MediaRef

    tax = load_taxonomy("fast")
    case = Case(
        id="fast-t-01",
        title="t",
        domain="fast",
        media=[MediaRef(path="media/clip.dcm")],
        decision=DecisionQuestion(stem="Next?", options=["CT", "Theatre"]),
    )
    key = AnswerKey(
        case_id=case.id,
        rater="x",
        answers={"free_fluid": CategoryAnswer(value="no"), "decision": DecisionAnswer(correct=0)},
    )
    assert finding_status(key.answers, tax.questions) == {"free_fluid": False}
    qset = build_question_set(case, key, tax)
    assert "fluid_outline" in qset.ids
    assert score_case(case, key, qset, {}).score < 1.0
    perfect = responses_from_key(effective_key(case, key, qset.questions), qset)
    assert perfect["fluid_outline"].marks == []
    assert score_case(case, key, qset, perfect).score == pytest.approx(1.0)


def test_every_finding_question_names_a_finding_in_its_taxonomy():
    """Finding-specific questions (outlines, counts, depths, CSA) carry their ``finding`` link."""
    expected = {
        ("lung", "b_line_count"): "blines",
        ("lung", "effusion_outline"): "pleural_effusion",
        ("lung", "effusion_depth"): "pleural_effusion",
        ("lung", "lung_point_frames"): "lung_point",
        ("gastric", "antral_csa"): "gastric_antrum",
        ("fast", "fluid_outline"): "free_fluid",
        ("cardiac", "effusion_outline"): "pericardial_effusion",
        ("airway", "ctm_depth"): "cricothyroid_membrane",
    }
    for (domain, qid), finding in expected.items():
        t = load_taxonomy(domain)
        assert t.question(qid).finding == finding, (domain, qid)
        assert finding in {f.id for f in t.findings}


_FINDINGS = sorted(FINDING_QUESTIONS)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["present", "absent", None]), min_size=len(_FINDINGS), max_size=len(_FINDINGS))
)
def test_property_question_list_does_not_depend_on_presence(states):
    """For any assessment of the lung findings: the finding questions asked are exactly those of
    the assessed findings, flipping present <-> absent asks the same questions (nothing leaks),
    and the key's own (implied) answers score 1."""
    tax = load_taxonomy("lung")
    present = [f for f, s in zip(_FINDINGS, states, strict=True) if s == "present"]
    absent = [f for f, s in zip(_FINDINGS, states, strict=True) if s == "absent"]
    case, key = _key(present, absent)
    qset = build_question_set(case, key, tax)
    asked = {q.id for q in qset.questions if q.kind in IMPLIED_KINDS}
    assert asked == set().union(*(FINDING_QUESTIONS[f] for f in present + absent))
    flipped_case, flipped = _key(absent, present)
    assert build_question_set(flipped_case, flipped, tax).ids == qset.ids
    perfect = responses_from_key(effective_key(case, key, qset.questions), qset)
    raw = {qid: r.model_dump(mode="json", exclude_none=True) for qid, r in perfect.items()}
    result = score_case(case, key, qset, parse_answers(raw, qset))
    assert result.score == pytest.approx(1.0)
    scored = {q.question_id for q in result.questions if q.scored}
    assert set().union(*(FINDING_QUESTIONS[f] for f in absent)) <= scored


def test_measurement_answer_key_value_not_applicable_is_not_confused():
    """An explicit key answer wins over the implied negative (a key may measure 0)."""
    case, key = _key(
        ["pleural_line"], ["pleural_effusion"], {"effusion_depth": MeasurementAnswer(value=0.0, unit="cm")}
    )
    qset = build_question_set(case, key, load_taxonomy("lung"))
    assert isinstance(effective_key(case, key, qset.questions)["effusion_depth"], MeasurementAnswer)
    assert isinstance(effective_key(case, key, qset.questions)["effusion_outline"], ImpliedAbsent)
