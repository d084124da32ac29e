"""Case validation: a good case has no problems; each kind of bad answer gives its own problem
naming the file and field; `imgtrainer cases validate` exits 1 on errors, 0 when clean."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imgtrainer.cli import main
from imgtrainer.library.models import (
    CategoryAnswer,
    DecisionAnswer,
    FindingsAnswer,
    FrameRangesAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    OrdinalAnswer,
)
from imgtrainer.library.taxonomy_io import load_all_taxonomies
from imgtrainer.library.validate import validate_case_folder, validate_library
from tests.library._factory import lung_key


@pytest.fixture(scope="module")
def taxonomies() -> dict[str, Any]:
    return load_all_taxonomies(local_dir=Path("/nonexistent"))


def test_good_case_has_no_problems(make_case: Callable[..., Path], taxonomies: dict[str, Any]) -> None:
    folder = make_case("good-1")
    assert validate_case_folder(folder, taxonomies) == []


BAD_ANSWERS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "unknown_question",
        {"no_such_q": CategoryAnswer(value="x")},
        "answers.no_such_q",
        "no question 'no_such_q'",
    ),
    ("wrong_kind", {"view": OrdinalAnswer(value=1)}, "answers.view.kind", "is a category question"),
    ("bad_option", {"view": CategoryAnswer(value="ruq")}, "answers.view.value", "'ruq' is not an option"),
    (
        "bad_acceptable",
        {"view": CategoryAnswer(value="plaps", acceptable=["nope"])},
        "answers.view.value",
        "'nope'",
    ),
    ("off_scale", {"acep_quality": OrdinalAnswer(value=7)}, "answers.acep_quality.value", "not on the scale"),
    (
        "unknown_finding",
        {"findings": FindingsAnswer(present=["bline"])},
        "answers.findings.present",
        "unknown finding 'bline'",
    ),
    (
        "frames_past_end",
        {"lung_point_frames": FrameRangesAnswer(ranges=[(2, 6)])},
        "answers.lung_point_frames.ranges[0]",
        "past the clip's last frame 5",
    ),
    (
        "mark_outside",
        {"b_line_marks": MarksAnswer(marks=[Mark(type="line", points=[(10, 5), (70, 40)])])},
        "answers.b_line_marks.marks[0].points[1]",
        "outside the 64x48 frame",
    ),
    (
        "mark_frame",
        {"b_line_marks": MarksAnswer(marks=[Mark(type="line", points=[(1, 1), (2, 2)], frame=9)])},
        "answers.b_line_marks.marks[0].frame",
        "frame 9",
    ),
    (
        "mark_type",
        {"b_line_marks": MarksAnswer(marks=[Mark(type="point", points=[(1, 1)])])},
        "answers.b_line_marks.marks[0].type",
        "'point' marks are not asked",
    ),
    (
        "unit",
        {"effusion_depth": MeasurementAnswer(value=2.0, unit="mm")},
        "answers.effusion_depth.unit",
        "measured in 'cm'",
    ),
    (
        "decision_index",
        {"decision": DecisionAnswer(correct=3)},
        "answers.decision.correct",
        "option 3 does not exist",
    ),
    (
        "application",
        {"application": CategoryAnswer(value="fast")},
        "answers.application.value",
        "case domain is 'lung'",
    ),
]


@pytest.mark.parametrize(
    ("name", "answers", "field", "message"), BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS]
)
def test_each_bad_answer_is_named(
    make_case: Callable[..., Path],
    taxonomies: dict[str, Any],
    name: str,
    answers: dict[str, Any],
    field: str,
    message: str,
) -> None:
    folder = make_case(
        f"bad-{name.replace('_', '-')}", key=lung_key(f"bad-{name.replace('_', '-')}", **answers)
    )
    problems = [p for p in validate_case_folder(folder, taxonomies) if p.severity == "error"]
    assert len(problems) == 1, problems
    assert problems[0].file == str(folder / "key.json")
    assert problems[0].field == field
    assert message in problems[0].message


def test_a_finding_the_question_does_not_ask_is_named(
    make_case: Callable[..., Path], taxonomies: dict[str, Any]
) -> None:
    """Every bundled lung finding is asked, so narrow a copy of the findings question."""
    narrowed = copy.deepcopy(taxonomies)
    narrowed["lung"].question("findings").findings.remove("seashore_sign")
    folder = make_case(
        "bad-not-asked", key=lung_key("bad-not-asked", findings=FindingsAnswer(absent=["seashore_sign"]))
    )
    problems = [p for p in validate_case_folder(folder, narrowed) if p.severity == "error"]
    assert [(p.field, "not asked" in p.message) for p in problems] == [("answers.findings.absent", True)]


def test_media_schema_and_key_file_problems(
    make_case: Callable[..., Path], taxonomies: dict[str, Any]
) -> None:
    folder = make_case("media-1")
    (folder / "media" / "clip.dcm").unlink()
    assert [(p.field, "file not found" in p.message) for p in validate_case_folder(folder, taxonomies)] == [
        ("media[0].path", True)
    ]
    folder = make_case("media-2")
    (folder / "media" / "clip.dcm").write_bytes(b"not an image at all")
    (problem,) = validate_case_folder(folder, taxonomies)
    assert problem.field == "media[0].path" and "cannot open" in problem.message
    folder = make_case("schema-1")
    data = json.loads((folder / "case.json").read_text())
    data["difficulty"] = 5
    data["question_set"] = "nope"
    (folder / "case.json").write_text(json.dumps(data))
    (problem,) = validate_case_folder(folder, taxonomies)
    assert problem.field == "difficulty"
    data["difficulty"] = 1
    (folder / "case.json").write_text(json.dumps(data))
    (problem,) = validate_case_folder(folder, taxonomies)
    assert problem.field == "question_set" and "'nope' is not a question set" in problem.message
    folder = make_case("keyfile-1")
    key = json.loads((folder / "key.json").read_text())
    key["case_id"] = "someone-else"
    (folder / "keys").mkdir()
    (folder / "keys" / "r1.json").write_text(json.dumps(key))
    problems = validate_case_folder(folder, taxonomies)
    assert {(Path(p.file).name, p.field) for p in problems} == {("r1.json", "case_id"), ("r1.json", "role")}


def test_library_duplicate_ids_and_cli_exit_codes(
    make_case: Callable[..., Path],
    taxonomies: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lib = tmp_path / "lib"
    make_case("a-1", library=lib)
    make_case("b-1", library=lib)
    assert validate_library(lib, taxonomies) == []
    assert main(["cases", "validate", str(lib)]) == 0
    assert "2 case(s), 0 error(s)" in capsys.readouterr().out
    shutil.copytree(lib / "a-1", lib / "a-1-copy")
    (lib / "b-1" / "key.json").write_text("{")
    assert main(["cases", "validate", "--json", str(lib)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["cases"] == 3 and out["valid"] is False
    fields = {(Path(p["file"]).parent.name, p["field"]) for p in out["problems"]}
    assert ("a-1-copy", "id") in fields and ("b-1", "") in fields


def test_cli_reports_a_broken_taxonomy(
    make_case: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imgtrainer.resources import taxonomy_dir

    lib = tmp_path / "lib"
    make_case("a-1", library=lib)
    tax = tmp_path / "tax"
    shutil.copytree(taxonomy_dir(), tax)
    (tax / "fast.toml").write_text(
        (tax / "fast.toml").read_text().replace('kind = "category"', 'kind = "colour"', 1)
    )
    assert main(["cases", "validate", "--json", "--taxonomy-dir", str(tax), str(lib)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["problems"][0]["file"] == str(tax / "fast.toml")
    assert (
        out["problems"][0]["message"].startswith("line ")
        and "questions[0].kind" in out["problems"][0]["message"]
    )
