"""answers.json parsing: every documented form, and a clear error (never a crash) otherwise."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imgtrainer.errors import ResponseFormatError
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.training.questions import build_question_set
from imgtrainer.training.responses import load_answers, parse_answers
from tests.training._cases import lung_case


@pytest.fixture(scope="module")
def qset():
    case, key = lung_case()
    return build_question_set(case, key, load_taxonomy("lung"))


def test_bare_and_object_forms(qset):
    r = parse_answers(
        {
            "view": "plaps",
            "acep_quality": {"value": 3, "time_s": 4.5},
            "findings": {"present": ["blines"], "absent": ["a_lines"]},
            "b_line_count": 3,
            "lung_point_frames": [[1, 4], [8, 8]],
            "b_line_marks": [{"type": "line", "points": [[1, 2], [3, 400]], "frame": 2}],
            "effusion_depth": {"value": 21, "unit": "mm"},
            "decision": "Normal lung",
        },
        qset,
    )
    assert r["view"].value == "plaps"
    assert (r["acep_quality"].value, r["acep_quality"].time_s) == (3, 4.5)
    assert r["findings"].present == ["blines"] and r["findings"].absent == ["a_lines"]
    assert r["lung_point_frames"].ranges == [(1, 4), (8, 8)]
    assert r["b_line_marks"].marks[0].frame == 2
    assert r["effusion_depth"].unit == "mm"
    assert r["decision"].choice == 2
    assert parse_answers({"findings": ["blines"]}, qset)["findings"].present == ["blines"]


@pytest.mark.parametrize(
    ("answers", "needle"),
    [
        ({"view": "heart"}, "'view': field 'value'"),
        ({"lus_score": 7}, "'lus_score': field 'value'"),
        ({"lus_score": True}, "'lus_score'"),
        ({"b_line_count": -1}, "'b_line_count': field 'value'"),
        ({"b_line_count": 2.5}, "'b_line_count'"),
        ({"findings": ["bogus"]}, "'findings': field 'present'"),
        ({"findings": {"present": ["blines"], "absent": ["blines"]}}, "both present and absent"),
        ({"lung_point_frames": [[5, 2]]}, "'lung_point_frames'"),
        ({"b_line_marks": [{"type": "line", "points": [[1, 2]]}]}, "'b_line_marks'"),
        ({"b_line_marks": [{"type": "polygon", "points": [[1, 2], [3, 4], [5, 6]]}]}, "'marks.0.type'"),
        ({"effusion_depth": {"value": 2, "unit": "ml"}}, "'effusion_depth': field 'unit'"),
        ({"effusion_depth": "deep"}, "'effusion_depth': field 'value'"),
        ({"decision": 9}, "'decision': field 'choice'"),
        ({"decision": "Something else"}, "'decision': field 'choice'"),
        ({"viewz": "plaps"}, "'viewz' is not in the question set"),
        ({"view": {"value": "plaps", "extra": 1}}, "'view': field 'extra'"),
        ({"view": {"kind": "count", "value": 1}}, "field 'kind'"),
    ],
)
def test_malformed_answers_name_question_and_field(qset, answers, needle):
    with pytest.raises(ResponseFormatError) as exc:
        parse_answers(answers, qset)
    assert needle in str(exc.value)


def test_load_answers_names_the_file(tmp_path, qset):
    bad = tmp_path / "answers.json"
    bad.write_text('{"view": "plaps",,}')
    with pytest.raises(ResponseFormatError, match=r"answers.json.*line 1"):
        load_answers(bad, qset)
    bad.write_text("[1, 2]")
    with pytest.raises(ResponseFormatError, match="JSON object"):
        load_answers(bad, qset)
    good = tmp_path / "ok.json"
    good.write_text(json.dumps({"view": "plaps"}))
    assert load_answers(good, qset)["view"].value == "plaps"


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 500) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["value", "present", "points", "type", "unit", "marks", "ranges", "choice", "time_s", "x"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(
        [
            "view",
            "acep_quality",
            "findings",
            "b_line_count",
            "lung_point_frames",
            "b_line_marks",
            "effusion_outline",
            "effusion_depth",
            "decision",
        ]
    ),
    _json,
)
def test_arbitrary_json_parses_or_raises_response_format_error(qset, qid, raw):
    try:
        parse_answers({qid: raw}, qset)
    except ResponseFormatError as exc:
        assert qid in str(exc)
