"""Every case of the bundled demo library builds its questions, and its own key scores 1."""

from __future__ import annotations

import pytest

from imgtrainer.library.case_io import load_case, load_key
from imgtrainer.library.models import FrameRangesAnswer, MarksAnswer
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.resources import demo_library_dir
from imgtrainer.training.questions import NONE_KINDS, ImpliedAbsent, build_question_set, effective_key
from imgtrainer.training.responses import parse_answers, responses_from_key
from imgtrainer.training.scoring import score_case


def _folders():
    root = demo_library_dir()
    return sorted(p.parent for p in root.glob("*/case.json")) if root.is_dir() else []


def test_expert_answers_score_one_on_every_demo_case():
    folders = _folders()
    if not folders:
        pytest.skip("the demo library (cases/) is not built in this checkout")
    for folder in folders:
        case, key = load_case(folder), load_key(folder)
        if key is None:
            continue
        qset = build_question_set(case, key, load_taxonomy(case.domain), shuffle_seed=folder.name)
        assert qset.questions, folder
        expected = effective_key(case, key, qset.questions)
        responses = responses_from_key(expected, qset)
        # the responses survive a JSON round trip through the answers.json parser
        raw = {qid: r.model_dump(mode="json", exclude_none=True) for qid, r in responses.items()}
        result = score_case(case, key, qset, parse_answers(raw, qset))
        assert result.score == pytest.approx(1.0), (
            folder.name,
            [q.reason for q in result.questions if q.score < 1],
        )
        # a wholly blank case earns nothing (blank = "none" needs at least one answer given)
        empty = score_case(case, key, qset, {})
        assert empty.score == 0.0 and not empty.correct, folder.name
        # with one question answered, blanks earn credit only where "none" is the expected
        # answer (a marks, frames or measurement question about a finding the key assesses as
        # absent, or an empty key)
        app = qset.question("application") if "application" in qset.ids else None
        if app is not None and app.id in expected:
            one = score_case(case, key, qset, parse_answers({app.id: raw[app.id]}, qset))
            none_weight = sum(
                q.weight
                for q in qset.questions
                if q.id in expected
                and (
                    (isinstance(expected[q.id], ImpliedAbsent) and q.kind in NONE_KINDS)
                    or (isinstance(expected[q.id], MarksAnswer) and not expected[q.id].marks)
                    or (isinstance(expected[q.id], FrameRangesAnswer) and not expected[q.id].ranges)
                )
            )
            total = sum(q.weight for q in result.questions if q.scored)
            assert one.score == pytest.approx((none_weight + app.weight) / total), folder.name
