"""Exam builder rules and the take-an-exam clock and answer mapping (Qt-free)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgtrainer.errors import ExamError
from imgtrainer.screens.exam.builder import ExamBuilderState
from imgtrainer.screens.exam.take import countdown_level, format_clock, from_exam_response, to_exam_response
from imgtrainer.training.questions import OptionView, QuestionView


def test_builder_state_rules() -> None:
    st = ExamBuilderState(library=Path("."))
    st.choose("a", "/x/a")
    st.set("passphrase", "12345678")
    st.set("passphrase2", "12345678")
    st.set("output", "exam")
    assert st.problems() == []
    assert st.request().out.name == "exam.itexam"
    st.set("time_limit_min", 1)
    st.set("case_limit_s", 120)
    assert any("longer than the whole exam" in p for p in st.problems())
    with pytest.raises(ExamError):
        st.request()
    st.set("time_limit_min", 0)
    assert st.settings().time_limit_s is None and st.settings().case_time_limit_s == 120
    with pytest.raises(ValueError):
        st.set("chosen", {})
    st.set_case_set("a", "quick")
    st.set_case_set("b", "quick")  # not chosen: not sent
    assert st.request().case_sets == {"a": "quick"}
    st.choose("a", "", False)
    assert "a" not in st.case_sets


def test_clock_and_decision_mapping() -> None:
    assert format_clock(0.2) == "0:01" and format_clock(0) == "0:00" and format_clock(3725) == "1:02:05"
    assert [countdown_level(r, 120) for r in (60, 30, 12, 0)] == ["normal", "amber", "red", "red"]
    assert countdown_level(5, None) == "normal"
    q = QuestionView(
        id="decision",
        step="decision",
        kind="decision",
        prompt="?",
        options=[OptionView(id="2", label="c"), OptionView(id="0", label="a"), OptionView(id="1", label="b")],
    )
    assert to_exam_response(q, 0) == 2 and from_exam_response(q, {"choice": 2}) == 0
    assert from_exam_response(q, {"choice": 9}) is None
    cat = QuestionView(id="view", step="acquisition", kind="category", prompt="?")
    assert to_exam_response(cat, "x") == "x" and from_exam_response(cat, "x") == "x"
