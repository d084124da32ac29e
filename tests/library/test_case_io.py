"""Case folders: atomic round trips, rater keys in their own files, errors naming file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.case_io import (
    key_path,
    list_raters,
    load_case,
    load_key,
    load_rater_keys,
    save_case,
    save_key,
)
from imgtrainer.library.models import AnswerKey, CategoryAnswer
from tests.library._factory import lung_case, lung_key


def test_round_trip_case_and_keys(tmp_path: Path) -> None:
    folder = tmp_path / "c1"
    case = lung_case("c1")
    save_case(folder, case)
    save_key(folder, lung_key("c1"))
    rater = AnswerKey(
        case_id="c1", rater="Dr Smith", role="rater", answers={"view": CategoryAnswer(value="plaps")}
    )
    path = save_key(folder, rater)
    assert path == folder / "keys" / "Dr_Smith.json"
    assert load_case(folder) == case
    assert load_key(folder).answers["view"].value == "anterior_upper_blue"
    assert load_key(folder, "Dr Smith").answers["view"].value == "plaps"
    assert load_key(folder, "nobody") is None
    assert list_raters(folder) == ["Dr Smith"]
    assert set(load_rater_keys(folder)) == {"Dr Smith"}
    assert not [p for p in folder.rglob("*.tmp")], "atomic writes leave no temp files"


def test_rater_file_of_another_rater_is_never_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "c1"
    save_case(folder, lung_case("c1"))
    save_key(folder, AnswerKey(case_id="c1", rater="dr a", role="rater"))
    with pytest.raises(CaseFormatError, match="belongs to 'dr a'"):
        save_key(folder, AnswerKey(case_id="c1", rater="dr_a", role="rater"))
    assert json.loads(key_path(folder, "dr a").read_text())["rater"] == "dr a"


def test_key_for_another_case_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "c1"
    save_case(folder, lung_case("c1"))
    with pytest.raises(CaseFormatError, match=r"case\.json: field id"):
        save_key(folder, lung_key("c2"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"id": "c1", "title": "t"', "line 1 column 26: invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (
            '{"id": "C 1", "title": "t", "domain": "lung", "media": [{"path": "a.dcm"}]}',
            "id: String should match",
        ),
        (
            '{"id": "c1", "title": "t", "domain": "liver", "media": [{"path": "a.dcm"}]}',
            "domain: Input should be",
        ),
        (
            '{"id": "c1", "title": "t", "domain": "lung", "media": [{"path": "../x.dcm"}]}',
            "media[0].path: must be a path",
        ),
        (
            '{"id": "c1", "title": "t", "domain": "lung", "media": [{"path": "a.dcm"}], "colour": 1}',
            "colour: Extra",
        ),
    ],
)
def test_bad_case_json_names_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "case.json").write_text(text)
    with pytest.raises(CaseFormatError) as err:
        load_case(tmp_path)
    assert str(tmp_path / "case.json") in str(err.value)
    assert expected in str(err.value)


def test_bad_key_names_answer_field(tmp_path: Path) -> None:
    save_case(tmp_path, lung_case("c1"))
    data = lung_key("c1").model_dump(mode="json")
    data["answers"]["acep_quality"] = {"kind": "ordinal", "value": "high"}
    (tmp_path / "key.json").write_text(json.dumps(data))
    with pytest.raises(CaseFormatError, match=r"key.json: answers.acep_quality.*value"):
        load_key(tmp_path)
