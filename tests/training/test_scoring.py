"""Scoring rules: a perfect answer scores 1, and a worse answer never scores higher (Hypothesis)."""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgtrainer.errors import ResponseFormatError
from imgtrainer.library.models import (
    CategoryAnswer,
    CountAnswer,
    DecisionAnswer,
    FindingsAnswer,
    FrameRangesAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    OrdinalAnswer,
)
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.training.marks import match_marks, region_dice
from imgtrainer.training.questions import build_question_set
from imgtrainer.training.responses import (
    CategoryResponse,
    CountResponse,
    DecisionResponse,
    FindingsResponse,
    FrameRangesResponse,
    MarksResponse,
    MeasurementResponse,
    OrdinalResponse,
    parse_answers,
)
from imgtrainer.training.scoring import (
    rule_category,
    rule_count,
    rule_decision,
    rule_findings,
    rule_frame_ranges,
    rule_marks,
    rule_measurement,
    rule_ordinal,
    score_case,
)
from tests.training._cases import lung_case, perfect_answers

# IMGTRAINER_HYPOTHESIS_EXAMPLES=1500 for a deeper local run (all rules passed 1500 examples each)
FAST = settings(max_examples=int(os.environ.get("IMGTRAINER_HYPOTHESIS_EXAMPLES", "60")), deadline=None)


@pytest.fixture(scope="module")
def lung():
    case, key = lung_case()
    qset = build_question_set(case, key, load_taxonomy("lung"))
    return case, key, qset


def _q(qset, qid):
    return qset.question(qid)


def test_perfect_case_scores_one_and_feedback_uses_labels(lung):
    case, key, qset = lung
    result = score_case(case, key, qset, parse_answers(perfect_answers(key, case), qset))
    assert result.score == pytest.approx(1.0)
    assert result.correct
    assert all(q.score == 1.0 for q in result.questions if q.scored)
    dec = next(q for q in result.questions if q.question_id == "decision")
    assert dec.expected == "Interstitial oedema" and "interstitial" in dec.explanation
    assert result.teaching_points == case.teaching_points


def test_unanswered_is_zero_with_reason_and_weighted_mean(lung):
    case, key, qset = lung
    answers = perfect_answers(key, case)
    del answers["findings"]
    result = score_case(case, key, qset, parse_answers(answers, qset))
    f = next(q for q in result.questions if q.question_id == "findings")
    assert (f.score, f.answered, f.reason) == (0.0, False, "not answered")
    assert "B-lines" in f.expected
    total = sum(q.weight for q in result.questions)
    assert result.score == pytest.approx((total - f.weight) / total)


@FAST
@given(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))
def test_ordinal_further_never_higher(lung, key_v, a, b):
    q = _q(lung[2], "lus_score")
    ans = OrdinalAnswer(value=key_v)
    sa = rule_ordinal(q, ans, OrdinalResponse(value=a)).score
    sb = rule_ordinal(q, ans, OrdinalResponse(value=b)).score
    assert rule_ordinal(q, ans, OrdinalResponse(value=key_v)).score == 1.0
    if abs(a - key_v) <= abs(b - key_v):
        assert sa >= sb
    assert 0.0 <= sb <= 1.0


def test_category_exact_and_acceptable(lung):
    q = _q(lung[2], "view")
    ans = CategoryAnswer(value="anterior_upper_blue", acceptable=["anterior_lower_blue"])
    assert rule_category(q, ans, CategoryResponse(value="anterior_lower_blue")).score == 1.0
    r = rule_category(q, ans, CategoryResponse(value="plaps"))
    assert r.score == 0.0 and "Upper BLUE point" in r.expected and "PLAPS" in r.given


@FAST
@given(st.integers(0, 30), st.integers(0, 3), st.integers(0, 40), st.integers(0, 40))
def test_count_further_never_higher(value, tol, a, b):
    ans = CountAnswer(value=value, tolerance=tol)
    q = None
    assert rule_count(q, ans, CountResponse(value=value)).score == 1.0
    sa = rule_count(q, ans, CountResponse(value=a)).score
    sb = rule_count(q, ans, CountResponse(value=b)).score
    if abs(a - value) <= abs(b - value):
        assert sa >= sb
    if abs(a - value) <= tol:
        assert sa == 1.0


def test_count_partial_credit_definition():
    ans = CountAnswer(value=4, tolerance=0)
    assert rule_count(None, ans, CountResponse(value=5)).score == pytest.approx(0.5)
    assert rule_count(None, ans, CountResponse(value=6)).score == 0.0


@FAST
@given(st.floats(0.1, 100), st.floats(0.01, 0.5), st.floats(0, 3), st.floats(0, 3))
def test_measurement_larger_error_never_higher(value, tol, e1, e2):
    ans = MeasurementAnswer(value=value, unit="cm", tolerance_rel=tol)
    q = None
    perfect = rule_measurement(_QUnit("cm"), ans, MeasurementResponse(value=value)).score
    assert perfect == 1.0
    s1 = rule_measurement(_QUnit("cm"), ans, MeasurementResponse(value=value * (1 + e1))).score
    s2 = rule_measurement(
        _QUnit("cm"), ans, MeasurementResponse(value=value * (1 - e2) if e2 < 1 else value * (1 + e2))
    ).score
    if e1 <= e2:
        assert s1 >= s2 - 1e-12
    if e1 > 3 * tol + 1e-9:
        assert s1 == 0.0
    del q


class _QUnit:
    """Minimal question stand-in for unit handling."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.id = "m"


def test_measurement_converts_mm_and_refuses_other_units(lung):
    q = _q(lung[2], "effusion_depth")
    ans = MeasurementAnswer(value=2.0, unit="cm", tolerance_rel=0.1)
    assert rule_measurement(q, ans, MeasurementResponse(value=20.0, unit="mm")).score == 1.0
    assert rule_measurement(q, ans, MeasurementResponse(value=2.5)).score == pytest.approx(0.25)
    with pytest.raises(ResponseFormatError, match=r"effusion_depth.*unit"):
        rule_measurement(q, ans, MeasurementResponse(value=2.0, unit="ml"))


@FAST
@given(
    st.lists(st.booleans(), min_size=7, max_size=7),
    st.lists(st.booleans(), min_size=7, max_size=7),
    st.integers(0, 6),
)
def test_findings_flipping_a_correct_call_never_helps(lung, truth, calls, flip):
    q = _q(lung[2], "findings")
    ids = [f.id for f in q.findings][:7]
    ans = FindingsAnswer(
        present=[f for f, t in zip(ids, truth, strict=False) if t],
        absent=[f for f, t in zip(ids, truth, strict=False) if not t],
    )
    perfect = rule_findings(q, ans, FindingsResponse(present=list(ans.present)))
    assert perfect.score == 1.0
    base = [f for f, c in zip(ids, calls, strict=False) if c]
    s_base = rule_findings(q, ans, FindingsResponse(present=base)).score
    f = ids[flip]
    right = (f in base) == (f in ans.present)
    flipped = [x for x in base if x != f] if f in base else [*base, f]
    s_flip = rule_findings(q, ans, FindingsResponse(present=flipped)).score
    if right:
        assert s_flip <= s_base + 1e-12
    else:
        assert s_flip >= s_base - 1e-12


def test_findings_outcomes_and_distractor(lung):
    q = _q(lung[2], "findings")
    ans = FindingsAnswer(present=["blines"], absent=["z_lines", "a_lines"])
    r = rule_findings(q, ans, FindingsResponse(present=["z_lines", "pleural_line"]))
    got = {o.finding: (o.outcome, o.distractor) for o in r.outcomes}
    assert got == {"blines": ("FN", False), "z_lines": ("FP", True), "a_lines": ("TN", False)}
    assert r.score == pytest.approx(0.5 * (0 + 0.5))
    assert "not assessed" in r.reason  # pleural_line is not in the key
    everything = rule_findings(q, ans, FindingsResponse(present=[f.id for f in q.findings]))
    assert everything.score == pytest.approx(0.5)


@FAST
@given(st.integers(0, 50), st.integers(0, 30), st.integers(0, 40))
def test_frame_iou_shift_never_higher(start, length, shift):
    ans = FrameRangesAnswer(ranges=[(start, start + length)])
    assert rule_frame_ranges(None, ans, FrameRangesResponse(ranges=[(start, start + length)])).score == 1.0
    s1 = rule_frame_ranges(
        None, ans, FrameRangesResponse(ranges=[(start + shift, start + length + shift)])
    ).score
    s2 = rule_frame_ranges(
        None, ans, FrameRangesResponse(ranges=[(start + shift + 1, start + length + shift + 1)])
    ).score
    assert s2 <= s1


_coord = st.floats(0, 600, allow_nan=False)


@FAST
@given(_coord, _coord, st.floats(0, 1), st.floats(0, 80), st.floats(0, 80))
def test_point_moved_further_never_higher(x, y, angle, d1, d2):
    key = MarksAnswer(marks=[Mark(type="point", points=[(x, y)])], tolerance_px=20)
    ux, uy = math.cos(angle * 6.28), math.sin(angle * 6.28)

    def s(d):
        return rule_marks(
            None, key, MarksResponse(marks=[Mark(type="point", points=[(x + d * ux, y + d * uy)])])
        ).score

    assert s(0) == 1.0
    if d1 <= d2:
        assert s(d1) >= s(d2)


@FAST
@given(_coord, _coord, st.floats(0, 60), st.floats(0, 60), st.floats(0, 40), st.floats(0, 40))
def test_line_rotated_or_shifted_further_never_higher(x, y, a1, a2, d1, d2):
    key = MarksAnswer(
        marks=[Mark(type="line", points=[(x, y), (x, y + 300)])], tolerance_px=20, tolerance_deg=15
    )

    def line(angle_deg, shift):
        t = math.radians(angle_deg)
        cx, cy = x + shift, y + 150
        dx, dy = 150 * math.sin(t), 150 * math.cos(t)
        return Mark(type="line", points=[(cx - dx, cy - dy), (cx + dx, cy + dy)])

    assert rule_marks(None, key, MarksResponse(marks=[line(0, 0)])).score == 1.0
    lo_a, hi_a = sorted((a1, a2))
    lo_d, hi_d = sorted((d1, d2))
    near = rule_marks(None, key, MarksResponse(marks=[line(lo_a, lo_d)])).score
    far = rule_marks(None, key, MarksResponse(marks=[line(hi_a, hi_d)])).score
    assert near >= far


@FAST
@given(st.floats(20, 200), st.floats(0, 150), st.floats(0, 150))
def test_region_dice_shift_never_higher(size, d1, d2):
    sq = [(100, 100), (100 + size, 100), (100 + size, 100 + size), (100, 100 + size)]
    key = MarksAnswer(marks=[Mark(type="polygon", points=sq)])

    def s(d):
        moved = [(px + d, py) for px, py in sq]
        return rule_marks(None, key, MarksResponse(marks=[Mark(type="polygon", points=moved)])).score

    assert s(0) == pytest.approx(1.0)
    lo, hi = sorted((d1, d2))
    assert s(lo) >= s(hi) - 0.02  # rasterisation jitter of at most a pixel row


def test_dice_known_values_and_ellipse():
    a = Mark(type="polygon", points=[(0, 0), (100, 0), (100, 100), (0, 100)])
    b = Mark(type="polygon", points=[(50, 0), (150, 0), (150, 100), (50, 100)])
    assert region_dice(a, b) == pytest.approx(0.5, abs=0.02)
    e = Mark(type="ellipse", points=[(0, 0), (100, 100)])
    assert region_dice(e, e) == pytest.approx(1.0)
    assert region_dice(a, e) == pytest.approx(2 * (math.pi / 4) / (1 + math.pi / 4), abs=0.02)


def test_hungarian_matching_is_one_to_one_and_f1():
    key = [Mark(type="point", points=[(0, 0)]), Mark(type="point", points=[(100, 0)])]
    # two trainee points near the first expert point: only one may match it
    m = match_marks(key, [Mark(type="point", points=[(2, 0)]), Mark(type="point", points=[(5, 0)])], 20, 15)
    assert m.matched == 1 and m.score == pytest.approx(0.5)
    # a greedy nearest match would pair (60,0) wrongly; assignment finds both
    m = match_marks(key, [Mark(type="point", points=[(15, 0)]), Mark(type="point", points=[(88, 0)])], 20, 15)
    assert m.matched == 2 and m.score == 1.0
    assert match_marks([], [], 20, 15).score == 1.0
    assert match_marks(key, [], 20, 15).score == 0.0


def test_decision_maps_shuffled_choice_back(lung):
    case, key, _ = lung
    qset = build_question_set(case, key, load_taxonomy("lung"), shuffle_seed="cand-7")
    q = qset.question("decision")
    order = qset.option_order["decision"]
    shown_correct = order.index(1)
    ans = DecisionAnswer(correct=1, explanation="x")
    assert rule_decision(q, ans, DecisionResponse(choice=shown_correct), order).score == 1.0
    wrong = (shown_correct + 1) % len(order)
    r = rule_decision(q, ans, DecisionResponse(choice=wrong), order)
    assert r.score == 0.0 and r.expected == "Interstitial oedema"


def test_gastric_decision_feedback_shows_volume_per_kg():
    from imgtrainer.library.models import AnswerKey, Case, DecisionQuestion, MediaRef, PatientContext

    case = Case(
        id="gastric-test-01",
        title="Emergency appendicectomy",
        domain="gastric",
        media=[MediaRef(path="media/clip.dcm")],
        patient=PatientContext(age_years=40, weight_kg=70),
        decision=DecisionQuestion(
            stem="Aspiration risk?", options=["Low: proceed", "High: rapid sequence induction"]
        ),
    )
    key = AnswerKey(
        case_id=case.id,
        rater="e",
        answers={
            "antral_csa": MeasurementAnswer(value=10.0, unit="cm2"),
            "decision": DecisionAnswer(correct=1, explanation="More than 1.5 mL/kg."),
        },
    )
    qset = build_question_set(case, key, load_taxonomy("gastric"))
    result = score_case(case, key, qset, parse_answers({"antral_csa": 8.0, "decision": 1}, qset))
    dec = next(q for q in result.questions if q.question_id == "decision")
    # 27.0 + 14.6 x 10 - 1.28 x 40 = 121.8 mL = 1.74 mL/kg
    assert dec.details["expert_volume_ml"] == pytest.approx(121.8)
    assert dec.details["expert_volume_ml_per_kg"] == pytest.approx(1.74)
    assert dec.details["trainee_volume_ml"] == pytest.approx(27.0 + 14.6 * 8 - 1.28 * 40, abs=0.05)
    assert "above the 1.5 mL/kg limit" in dec.details["text"]
    assert dec.score == 1.0 and dec.explanation == "More than 1.5 mL/kg."


def test_feedback_explains_with_key_note_and_finding_descriptions(lung):
    case, key, qset = lung
    key = key.model_copy(deep=True)
    key.answers["lus_score"].note = "Separated B-lines: score 1."
    result = score_case(case, key, qset, parse_answers({"lus_score": 2, "findings": ["z_lines"]}, qset))
    by = {q.question_id: q for q in result.questions}
    assert by["lus_score"].explanation == "Separated B-lines: score 1."
    assert "laser-like" in by["findings"].explanation  # missed B-lines: the taxonomy's description
    assert "do not erase A-lines" in by["findings"].explanation  # false-positive distractor
    assert by["decision"].explanation.startswith("B-lines with sliding") and not by["decision"].answered
    assert by["application"].explanation == ""


@FAST
@given(st.floats(0, 60), st.floats(0, 60))
def test_polyline_shifted_further_never_higher(d1, d2):
    curve = [(100, 100), (150, 120), (200, 110), (260, 140)]
    key = MarksAnswer(marks=[Mark(type="polyline", points=curve)], tolerance_px=15)

    def s(d):
        moved = [(x, y + d) for x, y in curve]
        return rule_marks(None, key, MarksResponse(marks=[Mark(type="polyline", points=moved)])).score

    assert s(0) == 1.0
    lo, hi = sorted((d1, d2))
    assert s(lo) >= s(hi)
    assert s(40) == 0.0


def test_marks_of_another_family_never_match():
    key = MarksAnswer(marks=[Mark(type="line", points=[(0, 0), (0, 100)])])
    resp = MarksResponse(marks=[Mark(type="point", points=[(0, 50)])])
    assert rule_marks(None, key, resp).score == 0.0


def test_kind_mismatches_are_typed_errors(lung):
    from imgtrainer.errors import CaseFormatError
    from imgtrainer.training.scoring import score_question

    q = _q(lung[2], "lus_score")
    with pytest.raises(CaseFormatError, match="lus_score"):
        score_question(q, CountAnswer(value=1), OrdinalResponse(value=1))
    with pytest.raises(ResponseFormatError, match="lus_score"):
        score_question(q, OrdinalAnswer(value=1), CountResponse(value=1))


@FAST
@given(st.integers(0, 5), st.integers(0, 5), st.sampled_from([None, "a", "cand-9", 17]))
def test_category_and_decision_full_credit_only_for_the_key(lung, pick_cat, pick_dec, seed):
    case, key, _ = lung
    qset = build_question_set(case, key, load_taxonomy("lung"), shuffle_seed=seed)
    view = qset.question("view")
    ans = CategoryAnswer(value="plaps", acceptable=["lateral_intercostal"])
    chosen = view.options[pick_cat % len(view.options)].id
    assert rule_category(view, ans, CategoryResponse(value=chosen)).score == float(
        chosen in ("plaps", "lateral_intercostal")
    )
    dec = qset.question("decision")
    order = qset.option_order["decision"]
    choice = pick_dec % len(dec.options)
    r = rule_decision(dec, DecisionAnswer(correct=2), DecisionResponse(choice=choice), order)
    assert r.score == float(order[choice] == 2)
    assert r.expected == case.decision.options[2]


def test_yes_no_finding_questions_record_outcomes():
    from imgtrainer.training.questions import OptionView, QuestionView

    q = QuestionView(
        id="free_fluid_ruq",
        step="interpretation",
        kind="category",
        prompt="Free fluid in the RUQ?",
        options=[OptionView(id=i, label=i) for i in ("yes", "no", "indeterminate")],
        finding="free_fluid_hepatorenal",
        finding_label="Free fluid in Morison's pouch",
    )
    cases = {("yes", "yes"): "TP", ("yes", "no"): "FN", ("yes", "indeterminate"): "FN", ("no", "no"): "TN"}
    cases |= {("no", "yes"): "FP", ("no", "indeterminate"): "FP"}
    for (key_v, answer), outcome in cases.items():
        r = rule_category(q, CategoryAnswer(value=key_v), CategoryResponse(value=answer))
        assert [(o.finding, o.outcome, o.label) for o in r.outcomes] == [
            ("free_fluid_hepatorenal", outcome, "Free fluid in Morison's pouch")
        ]
    assert (
        rule_category(q, CategoryAnswer(value="indeterminate"), CategoryResponse(value="yes")).outcomes == []
    )


def test_case_outcomes_one_per_finding(lung):
    case, key, qset = lung
    result = score_case(
        case, key, qset, parse_answers({"findings": ["blines"], "lung_sliding": "absent"}, qset)
    )
    sliding = [o for o in result.outcomes if o.finding == "lung_sliding"]
    assert len(sliding) == 1 and sliding[0].question_id == "lung_sliding" and sliding[0].outcome == "FN"
    assert len({o.finding for o in result.outcomes}) == len(result.outcomes)


@FAST
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 15)), max_size=4),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 15)), max_size=4),
)
def test_frame_iou_matches_set_arithmetic(a, b):
    ka = [(s, s + n) for s, n in a]
    rb = [(s, s + n) for s, n in b]
    fa = {f for s, e in ka for f in range(s, e + 1)}
    fb = {f for s, e in rb for f in range(s, e + 1)}
    expected = 1.0 if not fa | fb else len(fa & fb) / len(fa | fb)
    got = rule_frame_ranges(None, FrameRangesAnswer(ranges=ka), FrameRangesResponse(ranges=rb)).score
    assert got == pytest.approx(expected)


def test_huge_frame_ranges_are_cheap():
    r = rule_frame_ranges(
        None, FrameRangesAnswer(ranges=[(0, 10**12)]), FrameRangesResponse(ranges=[(0, 5 * 10**11)])
    )
    assert r.score == pytest.approx(0.5)
