"""`imgtrainer practice questions|score|next` in-process."""

from __future__ import annotations

import json

import pytest

from imgtrainer.cli import main
from tests.training._cases import lung_case, perfect_answers, write_case


@pytest.fixture
def library(tmp_path):
    case, key = lung_case()
    write_case(tmp_path / "lib" / case.id, case, key)
    return tmp_path / "lib", case, key


def test_questions_json_has_no_answers(library, capsys):
    lib, case, _ = library
    assert main(["practice", "questions", case.id, "--library", str(lib), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["case_id"] == case.id and data["questions"][0]["id"] == "application"
    assert "explanation" not in json.dumps(data) and "option_order" not in data
    assert main(["practice", "questions", str(lib / case.id)]) == 0
    assert "== INTERPRETATION ==" in capsys.readouterr().out


def test_score_records_attempt_and_progress_reports_it(library, tmp_path, capsys, db_url):
    lib, case, key = library
    answers = perfect_answers(key, case)
    answers["b_line_count"] = 9
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    db = db_url
    args = [
        "practice",
        "score",
        str(lib / case.id),
        "--answers",
        str(path),
        "--trainee",
        "erin",
        "--db",
        str(db),
    ]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    count = next(q for q in data["questions"] if q["question_id"] == "b_line_count")
    assert count["score"] == 0.0 and count["expected"] == "4 (±1)" and "9" in count["reason"]
    assert 0.8 < data["score"] < 1 and data["attempt_id"] == 1
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "b_line_count: expected 4 (±1); you counted 9" in out and "Teaching point" in out

    assert main(["progress", "--trainee", "erin", "--db", str(db), "--json"]) == 0
    book = json.loads(capsys.readouterr().out)
    lung = next(d for d in book["domains"] if d["domain"] == "lung")
    assert lung["attempts"] == 2 and lung["interpret_studies"] == 1

    assert (
        main(["practice", "next", "--library", str(lib), "--trainee", "erin", "--db", str(db), "--json"]) == 0
    )
    q = json.loads(capsys.readouterr().out)["queue"]
    assert q[0]["case_id"] == case.id and q[0]["reason"] == "ahead"


def test_bad_answers_give_one_clean_error(library, tmp_path, capsys):
    lib, case, _ = library
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"lus_score": "four"}))
    rc = main(
        [
            "practice",
            "score",
            case.id,
            "--library",
            str(lib),
            "--answers",
            str(path),
            "--trainee",
            "x",
            "--db",
            str(tmp_path / "d.sqlite"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "lus_score" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["practice", "questions", "missing-case", "--library", str(lib)]) == 1
    assert "missing-case" in capsys.readouterr().err
