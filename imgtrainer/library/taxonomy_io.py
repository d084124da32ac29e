"""Loading taxonomy files: bundled ``assets/taxonomy/`` plus an optional faculty folder.

``load_taxonomy("lung")`` merges ``common.toml`` into ``lung.toml``; a faculty-local folder
(``<data dir>/taxonomy`` by default, or ``local_dir=``) may hold its own ``common.toml`` and
``<domain>.toml`` that extend the bundled ones: views, findings and questions with a known id
replace the bundled entry, new ids are appended, question sets are replaced by name. Results are
cached by file path and mtime. A malformed file raises ``TaxonomyError`` naming the file, the
line and the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imgtrainer.errors import TaxonomyError
from imgtrainer.library._files import describe_validation_error, format_loc
from imgtrainer.library.models import DOMAINS
from imgtrainer.library.taxonomy import Taxonomy
from imgtrainer.library.toml_lines import line_for, line_of_id, read_toml

COMMON = "common"
_LIST_KEYS = ("views", "findings", "questions")
_DOMAIN_KEYS = {"schema_version", "domain", "title", "source", "question_sets", *_LIST_KEYS}
_COMMON_KEYS = {"schema_version", "questions"}
_CACHE: dict[tuple[Any, ...], Taxonomy] = {}


@dataclass(frozen=True)
class _Origin:
    """Where an entry of the merged taxonomy came from (file, text, index in that file)."""

    path: Path
    text: str
    index: int


def local_taxonomy_dir() -> Path:
    """The faculty-local taxonomy folder in the per-user data dir (may not exist)."""
    from imgtrainer.resources import data_dir

    return data_dir() / "taxonomy"


def _bundled_dir() -> Path:
    from imgtrainer.resources import taxonomy_dir

    return taxonomy_dir()


# ---------------------------------------------------------------------- merging


def _check_top(path: Path, text: str, data: dict[str, Any], allowed: set[str]) -> None:
    for key, value in data.items():
        if key not in allowed:
            line = line_for(text, (key,))
            raise TaxonomyError(
                f"{path}: line {line or '?'}: unknown top-level key {key!r} (allowed: {sorted(allowed)})"
            )
        if key in _LIST_KEYS and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            line = line_for(text, (key,))
            raise TaxonomyError(f"{path}: line {line or '?'}: {key} must be a list of tables")


def _merge_list(
    merged: list[tuple[dict[str, Any], _Origin]], items: list[dict[str, Any]], path: Path, text: str
) -> None:
    """Replace entries with a known id in place, append new ones, remember each one's origin."""
    seen: set[Any] = set()
    for i, item in enumerate(items):
        origin = _Origin(path, text, i)
        ident = item.get("id")
        if ident is not None and ident in seen:
            line = line_of_id(text, ident, 2)
            raise TaxonomyError(f"{path}: line {line or '?'}: duplicate id {ident!r} in this file")
        seen.add(ident)
        pos = next(
            (j for j, (old, _) in enumerate(merged) if ident is not None and old.get("id") == ident), None
        )
        if pos is None:
            merged.append((item, origin))
        else:
            merged[pos] = (item, origin)


def _layer_files(domain: str, directory: Path, local_dir: Path | None) -> list[Path]:
    files = [directory / f"{COMMON}.toml", directory / f"{domain}.toml"]
    if local_dir is not None and local_dir.resolve() != directory.resolve():
        files += [p for p in (local_dir / f"{COMMON}.toml", local_dir / f"{domain}.toml") if p.is_file()]
    return files


def _build(domain: str, files: list[Path]) -> Taxonomy:
    lists: dict[str, list[tuple[dict[str, Any], _Origin]]] = {k: [] for k in _LIST_KEYS}
    scalars: dict[str, Any] = {"domain": domain}
    question_sets: dict[str, Any] = {}
    main_file: tuple[Path, str] | None = None
    texts: list[tuple[Path, str]] = []
    for path in files:
        data, text = read_toml(path, TaxonomyError)
        texts.append((path, text))
        is_common = path.stem == COMMON
        _check_top(path, text, data, _COMMON_KEYS if is_common else _DOMAIN_KEYS)
        if data.get("schema_version", 1) != 1:
            line = line_for(text, ("schema_version",))
            raise TaxonomyError(f"{path}: line {line or '?'}: schema_version must be 1")
        if not is_common:
            if data.get("domain", domain) != domain:
                line = line_for(text, ("domain",))
                raise TaxonomyError(
                    f"{path}: line {line or '?'}: domain is {data['domain']!r} but the file is for {domain!r}"
                )
            for key in ("title", "source"):
                if key in data:
                    scalars[key] = data[key]
            qs = data.get("question_sets", {})
            if not isinstance(qs, dict):
                raise TaxonomyError(
                    f"{path}: line {line_for(text, ('question_sets',)) or '?'}: question_sets must be a table"
                )
            question_sets.update(qs)
            if main_file is None:
                main_file = (path, text)
        for key in _LIST_KEYS:
            _merge_list(lists[key], data.get(key, []), path, text)
    assert main_file is not None
    raw = {
        **scalars,
        "question_sets": question_sets,
        **{k: [item for item, _ in v] for k, v in lists.items()},
    }
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as exc:
        raise _located(exc, lists, main_file, texts) from exc


def _located(
    exc: ValidationError,
    lists: dict[str, list[tuple[dict[str, Any], _Origin]]],
    main_file: tuple[Path, str],
    texts: list[tuple[Path, str]],
) -> TaxonomyError:
    """Turn the first pydantic error into 'file: line N: field: problem'."""
    err = exc.errors()[0]
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    field, problem = describe_validation_error(exc, limit=1)[0]
    path, text = main_file
    file_loc: tuple[Any, ...] = loc
    if len(loc) >= 2 and loc[0] in lists and isinstance(loc[1], int) and loc[1] < len(lists[loc[0]]):
        origin = lists[loc[0]][loc[1]][1]
        path, text = origin.path, origin.text
        file_loc = (loc[0], origin.index, *loc[2:])
    line = line_for(text, file_loc)
    field = format_loc(file_loc) if file_loc else field
    if line is None:  # model-level error: find the first quoted id the message names
        for ident in re.findall(r"'([a-z0-9_]+)'", problem):
            for p, t in reversed(texts):
                found = line_of_id(t, ident)
                if found is not None:
                    path, line = p, found
                    break
            if line is not None:
                break
    if field == "(top level)":
        return TaxonomyError(f"{path}: line {line or '?'}: {problem}")
    return TaxonomyError(f"{path}: line {line or '?'}: {field}: {problem}")


def load_taxonomy(domain: str, directory: Path | None = None, local_dir: Path | None = None) -> Taxonomy:
    """The taxonomy of one application, common questions and faculty extensions merged in.

    ``directory`` defaults to the bundled ``assets/taxonomy``; ``local_dir`` to the faculty folder
    ``<data dir>/taxonomy`` (used when it exists and ``directory`` is the bundled one).
    """
    if domain not in DOMAINS:
        raise TaxonomyError(f"unknown application {domain!r} (known: {', '.join(DOMAINS)})")
    bundled = directory is None
    directory = Path(directory) if directory is not None else _bundled_dir()
    if local_dir is None and bundled:
        local_dir = local_taxonomy_dir()
    files = _layer_files(domain, directory, Path(local_dir) if local_dir is not None else None)
    for path in files[:2]:
        if not path.is_file():
            raise TaxonomyError(f"{path}: taxonomy file not found")
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    key = (domain, stamp)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    tax = _build(domain, files)
    _CACHE[key] = tax
    return tax


def available_domains(directory: Path | None = None) -> list[str]:
    directory = Path(directory) if directory is not None else _bundled_dir()
    return [d for d in DOMAINS if (directory / f"{d}.toml").is_file()]


def load_all_taxonomies(directory: Path | None = None, local_dir: Path | None = None) -> dict[str, Taxonomy]:
    """Every application whose ``<domain>.toml`` exists, by domain."""
    return {d: load_taxonomy(d, directory, local_dir) for d in available_domains(directory)}
