"""Annotation session: undo/redo, autosave to the rater's own file, copy marks, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgtrainer.annotate.session import AnnotationSession
from imgtrainer.errors import CaseFormatError
from imgtrainer.library.case_io import load_key, load_rater_keys
from imgtrainer.library.models import CountAnswer, Mark


def test_edits_autosave_and_undo_redo(case_folder: Path) -> None:
    s = AnnotationSession(case_folder, "dr_a")
    events: list[str] = []
    s.on_change(events.append)
    s.set_answer("b_line_count", CountAnswer(value=3, tolerance=1))
    s.add_mark("b_line_marks", Mark(type="line", points=[(10, 20), (12, 110)], frame=0))
    s.add_mark("b_line_marks", Mark(type="line", points=[(60, 20), (61, 110)], frame=0))
    on_disk = load_key(case_folder, "dr_a")
    assert on_disk is not None and len(on_disk.answers["b_line_marks"].marks) == 2
    assert on_disk.answers["b_line_count"].author == "dr_a"
    assert s.undo() and len(load_key(case_folder, "dr_a").answers["b_line_marks"].marks) == 1
    assert s.undo() and "b_line_marks" not in load_key(case_folder, "dr_a").answers
    assert s.redo() and len(s.key.answers["b_line_marks"].marks) == 1
    assert events[-3:] == ["undo", "undo", "redo"]
    s.set_answer("b_line_count", CountAnswer(value=4))
    assert not s.can_redo  # a new edit clears the redo stack


def test_copy_mark_to_neighbouring_frames(case_folder: Path) -> None:
    s = AnnotationSession(case_folder, "dr_a")
    s.add_mark("pleural_line_mark", Mark(type="line", points=[(5, 30), (150, 32)], frame=4))
    s.copy_mark_to_frames("pleural_line_mark", 0, [3, 5, 4])
    frames = sorted(m.frame for m in s.key.answers["pleural_line_mark"].marks)
    assert frames == [3, 4, 5]


def test_raters_never_overwrite_each_other(case_folder: Path) -> None:
    a = AnnotationSession(case_folder, "dr_a")
    b = AnnotationSession(case_folder, "dr_b")
    a.set_answer("b_line_count", CountAnswer(value=3))
    b.set_answer("b_line_count", CountAnswer(value=5))
    keys = load_rater_keys(case_folder)
    assert keys["dr_a"].answers["b_line_count"].value == 3
    assert keys["dr_b"].answers["b_line_count"].value == 5


def test_case_edit_conflict_is_refused(case_folder: Path) -> None:
    a = AnnotationSession(case_folder, "dr_a")
    b = AnnotationSession(case_folder, "dr_b")
    a.update_case(teaching_points=["A-lines mean aerated lung."])
    with pytest.raises(CaseFormatError, match="changed by someone else"):
        b.update_case(difficulty=3)
    data = json.loads((case_folder / "case.json").read_text())
    assert data["teaching_points"] == ["A-lines mean aerated lung."]


def test_wrong_kind_edit_is_a_clear_error(case_folder: Path) -> None:
    s = AnnotationSession(case_folder, "dr_a")
    s.set_answer("b_line_count", CountAnswer(value=2))
    with pytest.raises(CaseFormatError, match="b_line_count"):
        s.add_mark("b_line_count", Mark(type="point", points=[(1, 1)]))
