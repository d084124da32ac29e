"""Checking case folders against the schema, their media and the taxonomy.

``validate_case_folder`` returns every problem it finds (it never stops at the first), each
naming the file and the field: schema errors, missing or unreadable media, key answers for
unknown questions or of the wrong kind, category values outside the options, unknown findings,
frame ranges past the clip's end, marks outside the frame, a decision index outside the case's
options.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from imgtrainer.errors import CaseFormatError, ImgTrainerError
from imgtrainer.library._files import describe_validation_error
from imgtrainer.library.case_io import CASE_FILE, KEY_FILE, KEYS_DIR, read_json
from imgtrainer.library.models import AnswerKey, Case, Mark
from imgtrainer.library.taxonomy import Taxonomy

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem in a case folder: which file, which field, what is wrong."""

    file: str
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{self.severity}: {where}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class _Geometry:
    n_frames: int
    rows: int
    cols: int


def _parse_model(model: type[BaseModel], path: Path, problems: list[Problem]) -> Any:
    try:
        data = read_json(path)
    except CaseFormatError as exc:
        problems.append(Problem(str(path), "", str(exc).removeprefix(f"{path}: ")))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "", "expected a JSON object at the top level"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for field, msg in describe_validation_error(exc, limit=50):
            problems.append(Problem(str(path), field, msg))
        return None


def _check_media(folder: Path, case: Case, problems: list[Problem], open_media: bool) -> _Geometry | None:
    """Every media file exists (and opens); returns the primary clip's frame geometry."""
    case_file = str(folder / CASE_FILE)
    geometry: _Geometry | None = None
    for i, ref in enumerate(case.media):
        path = folder / ref.path
        if not path.is_file():
            problems.append(Problem(case_file, f"media[{i}].path", f"file not found: {ref.path}"))
            continue
        if ref.sha256:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != ref.sha256.lower():
                problems.append(
                    Problem(case_file, f"media[{i}].sha256", f"{ref.path} does not match its checksum")
                )
        if not open_media:
            continue
        try:
            from imgtrainer.media import open_clip

            with open_clip(path) as clip:
                geo = _Geometry(int(clip.n_frames), int(clip.rows), int(clip.cols))
        except ImgTrainerError as exc:
            problems.append(Problem(case_file, f"media[{i}].path", f"cannot open {ref.path}: {exc}"))
            continue
        except ImportError as exc:  # media reader not installed: cannot check, say so
            problems.append(
                Problem(case_file, f"media[{i}].path", f"media reader unavailable: {exc}", "warning")
            )
            continue
        if geo.n_frames < 1:
            problems.append(Problem(case_file, f"media[{i}].path", f"{ref.path} has no frames"))
        elif ref is case.primary_media:
            geometry = geo
    return geometry


def _check_marks(
    marks: list[Mark], field: str, geo: _Geometry | None, allowed: list[str], out: list[tuple[str, str]]
) -> None:
    for j, mark in enumerate(marks):
        f = f"{field}[{j}]"
        if allowed and mark.type not in allowed:
            out.append((f"{f}.type", f"{mark.type!r} marks are not asked here (allowed: {allowed})"))
        if geo is None:
            continue
        if mark.frame is not None and mark.frame >= geo.n_frames:
            out.append((f"{f}.frame", f"frame {mark.frame} is past the clip's last frame {geo.n_frames - 1}"))
        for k, (x, y) in enumerate(mark.points):
            if not (0 <= x <= geo.cols and 0 <= y <= geo.rows):
                out.append((f"{f}.points[{k}]", f"({x}, {y}) is outside the {geo.cols}x{geo.rows} frame"))


def _check_answer(
    qid: str, ans: Any, case: Case, tax: Taxonomy, geo: _Geometry | None
) -> list[tuple[str, str]]:
    """(field, problem) pairs for one answer, fields relative to ``answers.<qid>``."""
    out: list[tuple[str, str]] = []
    try:
        q = tax.question(qid)
    except KeyError:
        return [("", f"no question {qid!r} in the {tax.domain} taxonomy")]
    if ans.kind != q.kind:
        return [("kind", f"question {qid!r} is a {q.kind} question, the answer is a {ans.kind}")]
    if ans.kind == "category":
        ids = [o.id for o in tax.category_options(q)]
        for value in [ans.value, *ans.acceptable]:
            if value not in ids:
                out.append(("value", f"{value!r} is not an option of {qid!r} (options: {ids})"))
        if qid == "application" and ans.value != case.domain:
            out.append(("value", f"application is {ans.value!r} but the case domain is {case.domain!r}"))
    elif ans.kind == "ordinal":
        values = [s.value for s in q.scale]
        if ans.value not in values:
            out.append(("value", f"{ans.value} is not on the scale of {qid!r} ({values})"))
    elif ans.kind == "findings":
        for group in ("present", "absent"):
            for f in getattr(ans, group):
                if f not in q.findings:
                    known = " (not asked by this question)" if f in {x.id for x in tax.findings} else ""
                    out.append((group, f"unknown finding {f!r}{known}"))
    elif ans.kind == "frame_ranges":
        if geo is not None:
            for j, (_start, end) in enumerate(ans.ranges):
                if end >= geo.n_frames:
                    out.append(
                        (f"ranges[{j}]", f"frame {end} is past the clip's last frame {geo.n_frames - 1}")
                    )
    elif ans.kind == "marks":
        _check_marks(ans.marks, "marks", geo, list(q.mark_types), out)
    elif ans.kind == "measurement":
        if ans.unit != q.unit:
            out.append(("unit", f"unit is {ans.unit!r} but {qid!r} is measured in {q.unit!r}"))
        _check_marks(ans.marks, "marks", geo, [], out)
    elif ans.kind == "decision":
        if case.decision is None:
            out.append(("", "the key answers a decision but case.json has no decision question"))
        elif ans.correct >= len(case.decision.options):
            out.append(
                (
                    "correct",
                    f"option {ans.correct} does not exist (the case has {len(case.decision.options)})",
                )
            )
    return out


def _check_key(
    path: Path, case: Case, tax: Taxonomy | None, geo: _Geometry | None, problems: list[Problem]
) -> None:
    key: AnswerKey | None = _parse_model(AnswerKey, path, problems)
    if key is None:
        return
    file = str(path)
    if key.case_id != case.id:
        problems.append(Problem(file, "case_id", f"key is for {key.case_id!r} but the case is {case.id!r}"))
    expected_role = "consensus" if path.name == KEY_FILE and path.parent.name != KEYS_DIR else "rater"
    if key.role != expected_role:
        problems.append(
            Problem(file, "role", f"role is {key.role!r} but this file holds a {expected_role} key")
        )
    if tax is None:
        return
    asked = {q.id for q in tax.questions_in(case.question_set)}
    for qid, ans in key.answers.items():
        for field, msg in _check_answer(qid, ans, case, tax, geo):
            problems.append(Problem(file, f"answers.{qid}" + (f".{field}" if field else ""), msg))
        if qid in {q.id for q in tax.questions} and qid not in asked:
            problems.append(
                Problem(
                    file,
                    f"answers.{qid}",
                    f"not in question set {case.question_set!r}: never asked",
                    "warning",
                )
            )
    if case.decision is not None and "decision" not in key.answers and key.role == "consensus":
        problems.append(
            Problem(
                file, "answers.decision", "case has a decision question but the key has no answer", "warning"
            )
        )


def validate_case_folder(
    folder: Path, taxonomies: dict[str, Taxonomy], open_media: bool = True
) -> list[Problem]:
    """Every problem of one case folder (empty list: the case is valid)."""
    folder = Path(folder)
    problems: list[Problem] = []
    case_path = folder / CASE_FILE
    if not case_path.is_file():
        return [Problem(str(case_path), "", "no case.json in this folder")]
    case: Case | None = _parse_model(Case, case_path, problems)
    if case is None:
        return problems
    tax = taxonomies.get(case.domain)
    if tax is None:
        problems.append(Problem(str(case_path), "domain", f"no taxonomy loaded for {case.domain!r}"))
    elif case.question_set != "default" and case.question_set not in tax.question_sets:
        problems.append(
            Problem(
                str(case_path),
                "question_set",
                f"{case.question_set!r} is not a question set of {case.domain!r} "
                f"(sets: {sorted(tax.question_sets)})",
            )
        )
        tax = None
    geo = _check_media(folder, case, problems, open_media)
    key_files = [folder / KEY_FILE] if (folder / KEY_FILE).is_file() else []
    key_files += sorted((folder / KEYS_DIR).glob("*.json")) if (folder / KEYS_DIR).is_dir() else []
    for path in key_files:
        _check_key(path, case, tax, geo, problems)
    return problems


def find_case_folders(library: Path) -> list[Path]:
    """Case folders of a library: ``library`` itself if it is one, else every folder below with a case.json."""
    library = Path(library)
    if (library / CASE_FILE).is_file():
        return [library]
    found = [
        p.parent
        for p in library.rglob(CASE_FILE)
        if not any(part.startswith(".") for part in p.relative_to(library).parts)
    ]
    return sorted(found)


def validate_library(
    library: Path,
    taxonomies: dict[str, Taxonomy],
    open_media: bool = True,
    on_case: Callable[[int, int, Path], None] | None = None,
) -> list[Problem]:
    """Every problem of every case folder in ``library``, plus duplicate case ids.

    ``on_case(i, total, folder)`` is called before each case (progress display).
    """
    library = Path(library)
    if not library.is_dir():
        return [Problem(str(library), "", "not a folder")]
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    folders = find_case_folders(library)
    for i, folder in enumerate(folders, 1):
        if on_case is not None:
            on_case(i, len(folders), folder)
        problems += validate_case_folder(folder, taxonomies, open_media)
        try:
            case_id = read_json(folder / CASE_FILE).get("id")
        except (CaseFormatError, AttributeError):
            continue
        if isinstance(case_id, str):
            if case_id in seen:
                problems.append(
                    Problem(
                        str(folder / CASE_FILE),
                        "id",
                        f"duplicate case id {case_id!r} (also in {seen[case_id]})",
                    )
                )
            else:
                seen[case_id] = folder
    return problems
