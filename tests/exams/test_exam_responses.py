"""Answer checks at the moment of answering agree with the practice engine's parser at grading."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imgtrainer.errors import ResponseFormatError
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.responses import check_response, normalise_decision
from imgtrainer.training.questions import QuestionView
from imgtrainer.training.responses import parse_response

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["plaps", "blines", "a_lines", "0", "1", "present", "line", "lung"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["value", "present", "absent", "choice", "kind", "points", "type", "frame"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


def _questions(package: ExamPackage) -> list[dict[str, Any]]:
    return package.items[0]["question_set"]["questions"]


def test_fuzzed_answers_never_crash(package: ExamPackage) -> None:
    questions = _questions(package)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(idx=st.integers(0, len(questions) - 1), raw=_json)
    def check(idx: int, raw: Any) -> None:
        q = questions[idx]
        try:
            check_response(q, raw)
        except ResponseFormatError:
            return
        if raw is None:
            return
        value = normalise_decision(raw) if q["kind"] == "decision" else raw
        try:
            parse_response(QuestionView.model_validate(q), value)
        except ResponseFormatError:
            rejected.append((q["id"], raw))  # would be graded as unreadable (score 0, reason given)

    rejected: list = []
    check()
    # nearly everything accepted at answer time also parses at grading (marks are checked there)
    assert all(
        questions[[q["id"] for q in questions].index(qid)]["kind"] in ("marks", "measurement")
        for qid, _ in rejected
    ), rejected[:5]


def test_valid_answers_parse_identically(package: ExamPackage) -> None:
    qs = {q["id"]: q for q in _questions(package)}
    good = {
        "view": "plaps",
        "lus_score": 2,
        "b_line_count": 3,
        "findings": ["blines"],
        "decision": "2",
        "application": "lung",
        "b_line_marks": [{"type": "line", "points": [[1, 2], [3, 4]], "frame": 0}],
    }
    for qid, raw in good.items():
        check_response(qs[qid], raw)
        value = normalise_decision(raw) if qid == "decision" else raw
        parsed = parse_response(QuestionView.model_validate(qs[qid]), value)
        assert parsed.kind == qs[qid]["kind"]
    assert parse_response(QuestionView.model_validate(qs["decision"]), normalise_decision("2")).choice == 2
