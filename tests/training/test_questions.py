"""Question sets: I-AIM order, only what the key answers, no answers leaked, seeded shuffling."""

from __future__ import annotations

import json

import pytest

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.models import AnswerKey, CountAnswer, OrdinalAnswer
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.training.questions import STEP_ORDER, build_question_set
from tests.training._cases import lung_case


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy("lung")


def test_question_set_follows_key_and_iaim_order(tax):
    case, key = lung_case()
    qset = build_question_set(case, key, tax)
    ids = qset.ids
    assert ids[0] == "application"  # auto-keyed, no key entry needed
    # every keyed question, plus a finding question whose finding the key assesses (pleural line
    # present, not drawn by the key: asked so that its absence cannot give the finding away)
    assert set(ids) - {"application"} == set(key.answers) | {"pleural_line_mark"}
    steps = [STEP_ORDER[q.step] for q in qset.questions]
    assert steps == sorted(steps)
    by_step = qset.by_step()
    assert [q.id for q in by_step["decision"]] == ["decision"]
    dec = qset.question("decision")
    assert dec.prompt == case.decision.stem
    assert [o.label for o in dec.options] == case.decision.options
    f = qset.question("findings")
    z = next(x for x in f.findings if x.id == "z_lines")
    assert z.distractor and z.label
    assert qset.question("effusion_depth").unit == "cm"
    assert qset.question("b_line_marks").mark_types == ["line"]


def test_no_answer_leaks_into_the_candidate_view(tax):
    case, key = lung_case()
    text = json.dumps(build_question_set(case, key, tax, shuffle_seed=1).candidate_dict())
    assert "B-lines with sliding" not in text  # the decision explanation
    assert "tolerance" not in text and "correct" not in text and 'present": [' not in text
    assert "option_order" not in text
    assert case.title not in text and '"domain"' not in text  # the title names findings; domain = answer


def test_named_set_and_explicit_ids(tax):
    case, key = lung_case()
    quick = build_question_set(case, key, tax, set_name="quick")
    assert quick.ids == ["view", "findings", "b_line_count", "lung_sliding", "decision"]
    exam = build_question_set(case, None, tax, question_ids=["decision", "view", "lus_score"])
    assert exam.ids == ["view", "lus_score", "decision"]  # I-AIM order, no key needed
    with pytest.raises(CaseFormatError, match="nope"):
        build_question_set(case, key, tax, question_ids=["view", "nope"])


def test_seeded_shuffle_is_reproducible_and_reversible(tax):
    case, key = lung_case()
    a = build_question_set(case, key, tax, shuffle_seed="cand-1")
    b = build_question_set(case, key, tax, shuffle_seed="cand-1")
    assert a == b
    orders = {
        tuple(build_question_set(case, key, tax, shuffle_seed=s).option_order["decision"]) for s in range(12)
    }
    assert len(orders) > 1
    for qs in (a, build_question_set(case, key, tax)):
        order = qs.option_order["decision"]
        shown = [o.label for o in qs.question("decision").options]
        assert [shown[order.index(i)] for i in range(len(order))] == case.decision.options
    plain = build_question_set(case, key, tax)
    assert plain.option_order["decision"] == [0, 1, 2, 3]
    assert sorted(o.id for o in a.question("view").options) == sorted(
        o.id for o in plain.question("view").options
    )


def test_key_kind_mismatch_and_domain_mismatch(tax):
    case, key = lung_case()
    bad = AnswerKey(case_id=case.id, rater="x", answers={"lus_score": CountAnswer(value=1)})
    with pytest.raises(CaseFormatError, match="lus_score"):
        build_question_set(case, bad, tax)
    with pytest.raises(CaseFormatError, match="taxonomy"):
        build_question_set(case, key, load_taxonomy("gastric"))
    ok = AnswerKey(case_id=case.id, rater="x", answers={"lus_score": OrdinalAnswer(value=1)})
    assert build_question_set(case, ok, tax).ids == [
        "application",
        "lus_score",
    ]  # no decision answer: not asked
