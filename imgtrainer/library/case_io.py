"""Reading and writing case folders: ``case.json``, ``key.json``, ``keys/<rater>.json``, ``media/``.

Every write is atomic (temp file + ``os.replace``). A rater's key only ever goes to that rater's
own file; the consensus key is ``key.json``. Errors are ``CaseFormatError`` naming the file and
the field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from imgtrainer.errors import CaseFormatError
from imgtrainer.fileio import read_problem
from imgtrainer.library._files import atomic_write_json, validation_message
from imgtrainer.library.models import AnswerKey, Case

CASE_FILE = "case.json"
KEY_FILE = "key.json"
KEYS_DIR = "keys"
MEDIA_DIR = "media"

_RATER_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def is_case_folder(folder: Path) -> bool:
    return (Path(folder) / CASE_FILE).is_file()


def read_json(path: Path) -> Any:
    """Parse a JSON file; a syntax error names the file, line and column."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFormatError(f"{path}: {read_problem(exc)}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFormatError(
            f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from exc


def _parse(model: type[BaseModel], path: Path) -> Any:
    data = read_json(path)
    if not isinstance(data, dict):
        raise CaseFormatError(f"{path}: expected a JSON object at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CaseFormatError(validation_message(path, exc)) from exc


def load_case(folder: Path) -> Case:
    """The case described by ``folder/case.json``."""
    return _parse(Case, Path(folder) / CASE_FILE)


def rater_filename(rater: str) -> str:
    """File name of a rater's key: the rater name with unsafe characters replaced."""
    safe = _RATER_UNSAFE.sub("_", rater.strip()).strip("._")
    if not safe:
        raise CaseFormatError(f"rater name {rater!r} gives an empty file name")
    return f"{safe}.json"


def key_path(folder: Path, rater: str | None = None) -> Path:
    """``key.json`` for the consensus (rater None), else ``keys/<rater>.json``."""
    folder = Path(folder)
    return folder / KEY_FILE if rater is None else folder / KEYS_DIR / rater_filename(rater)


def load_key(folder: Path, rater: str | None = None) -> AnswerKey | None:
    """The consensus key (``rater=None``) or one rater's key; None when that file is absent."""
    path = key_path(folder, rater)
    if not path.is_file():
        return None
    key = _parse(AnswerKey, path)
    if rater is not None and key.rater != rater:
        raise CaseFormatError(f"{path}: field rater: file belongs to {key.rater!r}, not {rater!r}")
    return key


def list_raters(folder: Path) -> list[str]:
    """Raters with a key in ``keys/`` (names as recorded inside each file), sorted."""
    keys_dir = Path(folder) / KEYS_DIR
    if not keys_dir.is_dir():
        return []
    raters = []
    for path in sorted(p for p in keys_dir.glob("*.json") if not p.name.startswith(".")):
        try:
            data = read_json(path)
        except CaseFormatError:
            continue
        if isinstance(data, dict) and isinstance(data.get("rater"), str):
            raters.append(data["rater"])
    return sorted(raters)


def load_rater_keys(folder: Path) -> dict[str, AnswerKey]:
    """Every rater key in ``keys/``, by rater."""
    out: dict[str, AnswerKey] = {}
    keys_dir = Path(folder) / KEYS_DIR
    if keys_dir.is_dir():
        for path in sorted(p for p in keys_dir.glob("*.json") if not p.name.startswith(".")):
            key = _parse(AnswerKey, path)
            out[key.rater] = key
    return out


def save_case(folder: Path, case: Case) -> Path:
    """Write ``folder/case.json`` atomically (creating the folder); returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_json(
        folder / CASE_FILE, Case.model_validate(case.model_dump()).model_dump(mode="json")
    )


def save_key(folder: Path, key: AnswerKey) -> Path:
    """Write a key atomically: consensus to ``key.json``, a rater's to ``keys/<rater>.json``.

    Refuses a key for another case than the folder's, and never overwrites a file that holds
    another rater's key (two names that map to the same file name).
    """
    folder = Path(folder)
    key = AnswerKey.model_validate(key.model_dump())
    if (folder / CASE_FILE).is_file():
        case_id = read_json(folder / CASE_FILE).get("id")
        if case_id is not None and case_id != key.case_id:
            raise CaseFormatError(
                f"{folder / CASE_FILE}: field id: case is {case_id!r} but the key is for {key.case_id!r}"
            )
    path = key_path(folder, None if key.role == "consensus" else key.rater)
    if key.role == "rater" and path.is_file():
        existing = read_json(path)
        owner = existing.get("rater") if isinstance(existing, dict) else None
        if owner is not None and owner != key.rater:
            raise CaseFormatError(
                f"{path}: field rater: belongs to {owner!r}; refusing to overwrite with {key.rater!r}'s key"
            )
    return atomic_write_json(path, key.model_dump(mode="json"))


def media_path(folder: Path, case: Case, index: int | None = None) -> Path:
    """Absolute path of the case's primary media file (or ``case.media[index]``)."""
    ref = case.primary_media if index is None else case.media[index]
    return Path(folder) / ref.path
