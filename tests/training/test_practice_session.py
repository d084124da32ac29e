"""PracticeSession: answers committed as given, resume after a 'crash', submit gives feedback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from imgtrainer.errors import ImgTrainerError, ResponseFormatError
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.progress.attempts import AttemptStore
from imgtrainer.store.engine import make_engine
from imgtrainer.training.session import PracticeSession
from tests.training._cases import lung_case

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_session_resume_and_submit(tmp_path, db_url):
    case, key = lung_case()
    tax = load_taxonomy("lung")
    db = db_url
    s1 = PracticeSession.create(case, key, tax, "hal", lambda: NOW, AttemptStore(make_engine(db)), seed="hal")
    shown = s1.qset.option_order["decision"].index(key.answers["decision"].correct)
    s1.answer("decision", shown, time_s=7)
    s1.answer("view", "anterior_upper_blue")
    with pytest.raises(ResponseFormatError, match="lus_score"):
        s1.answer("lus_score", 9)
    with pytest.raises(ImgTrainerError, match="not in case"):
        s1.answer("nope", 1)
    # the process 'dies' here; a new store on the same file resumes the attempt
    store2 = AttemptStore(make_engine(db))
    s2 = PracticeSession.resume(store2, s1.attempt_id, case, key, tax, lambda: NOW)
    assert s2.qset.question("decision").options == s1.qset.question("decision").options
    assert set(s2.responses) == {"decision", "view"} and "lus_score" in s2.unanswered
    s2.answer("lus_score", 1)
    result = s2.submit()
    assert {q.question_id: q.score for q in result.questions if q.answered} == {
        "decision": 1.0,
        "view": 1.0,
        "lus_score": 1.0,
    }
    assert s2.finished and store2.attempts("hal")[0].score == pytest.approx(result.score)
    with pytest.raises(ImgTrainerError, match="submitted"):
        s2.answer("view", "plaps")


def test_session_without_recorder_scores_locally():
    case, key = lung_case()
    s = PracticeSession.create(case, key, load_taxonomy("lung"), "ida", lambda: NOW)
    s.answer("application", "lung")
    assert s.submit().questions[0].score == 1.0
