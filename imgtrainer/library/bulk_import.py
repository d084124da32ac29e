"""Bulk import of a labelled dataset: a manifest (CSV, one row per clip) plus a mapping file.

Each row becomes one case with a consensus key built from its label columns. File paths in the
manifest may be absolute or relative to ``root`` (default: the manifest's folder). A row whose
file is missing or unreadable fails (reported); a cell that does not map is reported and left
unassessed; nothing is guessed. Media are copied into the case folder, through
``imgtrainer.deid`` when the mapping says ``deidentify = "deid"``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.errors import CaseFormatError, ImgTrainerError
from imgtrainer.fileio import read_problem
from imgtrainer.library.importer import (
    STAGING_DIR,
    ImportedCase,
    ImportReport,
    count_frames,
    deid_api,
    deid_sidecars,
    media_ref,
    stage_case_folder,
)
from imgtrainer.library.mapping import EMPTY, NOT_ASSESSED, Mapping, slug
from imgtrainer.library.models import (
    AnswerKey,
    Case,
    CategoryAnswer,
    CountAnswer,
    FindingsAnswer,
    MeasurementAnswer,
    OrdinalAnswer,
    PatientContext,
    Provenance,
)
from imgtrainer.library.taxonomy import Taxonomy


def read_manifest(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV manifest (UTF-8, BOM tolerated; delimiter sniffed: , ; or tab)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFormatError(f"{path}: cannot read the manifest: {read_problem(exc)}") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)  # standard quoting (""), delimiter from the header
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [{k: (v if v is not None else "") for k, v in r.items() if k is not None} for r in reader]
    return list(reader.fieldnames or []), rows


class _Row:
    """One manifest row with the mapping's cell normalisation."""

    def __init__(self, number: int, cells: dict[str, str], mapping: Mapping) -> None:
        self.number = number
        self.cells = cells
        self.mapping = mapping
        self.problems: list[str] = []

    def raw(self, column: str | None) -> str:
        return (self.cells.get(column) or "").strip() if column else ""

    def is_empty(self, column: str) -> bool:
        return self.raw(column).lower() in {e.lower() for e in self.mapping.empty_values}

    def lookup(self, column: str, table: dict[str, Any]) -> tuple[bool, Any]:
        """(found, value) for the cell in a value table; numbers match across 1 / 1.0."""
        if self.is_empty(column):
            for key in ("", EMPTY):
                if key in table:
                    return True, table[key]
            return True, NOT_ASSESSED
        cell = self.raw(column).lower()
        if cell in table:
            return True, table[cell]
        try:
            num = float(cell)
        except ValueError:
            return False, None
        for key, value in table.items():
            try:
                if float(key) == num:
                    return True, value
            except ValueError:
                continue
        return False, None

    def problem(self, column: str, message: str) -> None:
        self.problems.append(f"row {self.number}: column {column!r}: {message}")


def _template(text: str, row: _Row, stem: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "stem":
            return stem
        if name == "row":
            return str(row.number)
        return row.raw(name) or "unlabelled"

    return re.sub(r"\{([^{}]+)\}", sub, text)


def _prefix_lookup(value: str, table: dict[str, Any]) -> Any:
    v = value.strip().lower()
    if v in table:
        return table[v]
    return next((table[k] for k in sorted(table, key=len, reverse=True) if k and v.startswith(k)), None)


def _answers(row: _Row, mapping: Mapping, tax: Taxonomy, rater: str, now: datetime) -> dict[str, Any]:
    """Key answers from the label columns; unmappable cells become problems, not answers."""
    present: dict[str, list[str]] = {}
    absent: dict[str, list[str]] = {}
    for rule in mapping.findings:
        found, state = row.lookup(rule.column, rule.values)
        if not found:
            row.problem(rule.column, f"value {row.raw(rule.column)!r} does not map (known: {sorted(rule.values)}); "
                        f"{rule.finding} left not assessed")  # fmt: skip
            continue
        if state == "present":
            present.setdefault(rule.question, []).append(rule.finding)
        elif state == "absent":
            absent.setdefault(rule.question, []).append(rule.finding)
    out: dict[str, Any] = {}
    for qid in sorted(set(present) | set(absent)):
        out[qid] = FindingsAnswer(
            present=present.get(qid, []), absent=absent.get(qid, []), author=rater, at=now
        )
    for rule in mapping.answers:
        q = tax.question(rule.question)
        found, value = row.lookup(rule.column, rule.values)
        if found and value == NOT_ASSESSED:
            continue
        if not found:
            value = row.raw(rule.column)
            try:
                value = {"int": lambda s: _as_int(s), "float": float, "text": str}.get(
                    rule.parse, lambda s: None
                )(value)
            except ValueError:
                value = None
            if value is None:
                row.problem(rule.column, f"value {row.raw(rule.column)!r} does not map to {rule.question}")
                continue
        try:
            out[rule.question] = _answer_for(q.kind, value, rule, q, tax, rater, now)
        except ValueError as exc:
            row.problem(rule.column, f"value {row.raw(rule.column)!r}: {exc}")
    return out


def _as_int(s: str) -> int:
    f = float(s)
    if f != int(f):
        raise ValueError(f"{s} is not a whole number")
    return int(f)


def _answer_for(kind: str, value: Any, rule: Any, q: Any, tax: Taxonomy, rater: str, now: datetime) -> Any:
    if kind == "ordinal":
        v = _as_int(str(value))
        if v not in [s.value for s in q.scale]:
            raise ValueError(f"{v} is not on the scale of {q.id}")
        return OrdinalAnswer(value=v, author=rater, at=now)
    if kind == "category":
        ids = [o.id for o in tax.category_options(q)]
        if str(value) not in ids:
            raise ValueError(f"{value!r} is not an option of {q.id} ({ids})")
        return CategoryAnswer(value=str(value), author=rater, at=now)
    if kind == "count":
        return CountAnswer(value=_as_int(str(value)), tolerance=rule.tolerance, author=rater, at=now)
    if kind == "measurement":
        return MeasurementAnswer(value=float(value), unit=rule.unit or q.unit, author=rater, at=now)
    raise ValueError(f"{kind} questions cannot be mapped from a cell")


def _resolve_file(cell: str, manifest: Path, root: Path | None) -> Path:
    p = Path(cell)
    if p.is_absolute():
        return p
    bases = [root] if root is not None else []
    bases.append(manifest.parent)
    for base in bases:
        if (base / p).is_file():
            return base / p
    return bases[0] / p


def _relative_to(manifest: Path, root: Path | None) -> str:
    """What a manifest's relative file paths start from, in words for an error message."""
    if root is not None:
        return f"relative paths start from --root {root}"
    return f"relative paths start from the manifest's folder {manifest.parent or Path('.')}; give --root to change it"


def _check_some_files_resolve(
    manifest: Path, mapping: Mapping, rows: list[list[str]], root: Path | None
) -> None:
    """Stop with one line when no row's file exists (a wrong --root), instead of failing every row."""
    cells = [_Row(n, r, mapping).raw(mapping.file_column) for n, r in enumerate(rows, start=2)]
    cells = [c for c in cells if c]
    if cells and not any(_resolve_file(c, manifest, root).is_file() for c in cells):
        raise CaseFormatError(
            f"{manifest}: none of the {len(cells)} files was found (first: {cells[0]!r}); "
            + _relative_to(manifest, root)
        )


def import_manifest(
    manifest: Path,
    mapping: Mapping,
    library: Path,
    taxonomies: dict[str, Taxonomy],
    root: Path | None = None,
    now: datetime | None = None,
    imported_by: str | None = None,
    on_item: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Import every manifest row as a case with a consensus key; returns the report."""
    manifest, library = Path(manifest), Path(library)
    now = now or datetime.now(UTC)
    header, rows = read_manifest(manifest)
    if mapping.file_column not in header:
        raise CaseFormatError(
            f"{manifest}: no {mapping.file_column!r} column (mapping {mapping.name!r}; has {header})"
        )
    missing = sorted(c for c in mapping.columns() if c not in header)
    _check_some_files_resolve(manifest, mapping, rows, root)
    library.mkdir(parents=True, exist_ok=True)
    (library / STAGING_DIR).mkdir(exist_ok=True)
    report = ImportReport(library=str(library))
    if missing:  # read as empty cells: their labels are not assessed, case fields take the defaults
        report.warnings.append(
            f"{manifest}: columns {missing} named by mapping {mapping.name!r} are missing: read as empty"
        )
    deid = None
    if mapping.deidentify == "deid":
        api = deid_api()
        if api is None:
            raise CaseFormatError(
                f"mapping {mapping.name!r} asks for de-identification but imgtrainer.deid is unavailable"
            )
        deid = (api[0], api[1]())
    used_ids: set[str] = {p.name for p in library.iterdir() if p.is_dir()}
    try:
        for n, cells in enumerate(rows, start=2):  # row 1 is the header
            row = _Row(n, cells, mapping)
            display = f"{manifest.name} row {n}: {row.raw(mapping.file_column)}"
            if on_item is not None:
                on_item(n - 1, len(rows), display)
            _import_row(
                row,
                display,
                manifest,
                mapping,
                library,
                taxonomies,
                root,
                now,
                imported_by,
                deid,
                used_ids,
                report,
            )
    finally:
        with contextlib.suppress(OSError):  # only when empty: another import may be using it
            (library / STAGING_DIR).rmdir()
    return report


def _import_row(
    row: _Row, display: str, manifest: Path, mapping: Mapping, library: Path, taxonomies: dict[str, Taxonomy],
    root: Path | None, now: datetime, imported_by: str | None, deid: Any, used_ids: set[str], report: ImportReport,
) -> None:  # fmt: skip
    rules = mapping.case
    cell = row.raw(mapping.file_column)
    if not cell:
        report.failed.append((display, f"row {row.number}: empty {mapping.file_column!r} column"))
        return
    src = _resolve_file(cell, manifest, root)
    if not src.is_file():
        report.failed.append(
            (display, f"row {row.number}: file not found: {src} ({_relative_to(manifest, root)})")
        )
        return
    domain = rules.domain
    if rules.domain_column:
        domain = _prefix_lookup(row.raw(rules.domain_column), rules.domain_values) or domain
    if domain is None or domain not in taxonomies:
        report.failed.append(
            (display, f"row {row.number}: application {row.raw(rules.domain_column)!r} does not map")
        )
        return
    tax = taxonomies[domain]
    stem = Path(cell).stem
    base_id = mapping.id_prefix + slug(row.raw(mapping.id_column) if mapping.id_column else stem)
    case_id, k = base_id[:100], 2
    while case_id in used_ids:
        case_id = f"{base_id[:95]}-{k}"
        k += 1
    distrusted = [d for d in mapping.distrust if d.contains.lower() in row.raw(d.column).lower()]
    answers = _answers(row, mapping, tax, mapping.rater, now)
    tags = [slug(t, 40) for t in rules.tags]
    tags += [slug(row.raw(c), 40) for c in rules.tag_columns if not row.is_empty(c)]
    if distrusted:
        answers = {}
        tags += [d.tag for d in distrusted]
        row.problems.append(
            f"row {row.number}: labels marked unreliable ({distrusted[0].column}): no key answers"
        )
    teaching: list[str] = []
    for c in rules.teaching_columns:
        if not row.is_empty(c):
            parts = (
                [p.strip() for p in row.raw(c).split(rules.teaching_split)]
                if rules.teaching_split
                else [row.raw(c)]
            )
            teaching += [rules.teaching_prefix.get(c, "") + p for p in parts if p]
    probe = _prefix_lookup(row.raw(rules.probe_column), rules.probe_values) if rules.probe_column else None
    work = Path(tempfile.mkdtemp(prefix="row.", dir=library / STAGING_DIR))
    try:
        media_file, deid_state = src, "none (dataset)"
        if deid is not None:
            result = deid[0](src, work, deid[1])
            if result.status != "cleaned" or result.output is None:
                report.quarantined.append((display, str(result.reason or "quarantined")))
                return
            media_file, deid_state = Path(result.output), "cleaned"
        n_frames = count_frames(media_file)
        case = Case(
            id=case_id, title=_template(rules.title, row, stem)[:200], domain=domain,
            media=[media_ref(media_file)], probe=probe or rules.probe,
            patient=PatientContext(age_years=_num(row.raw(rules.age_column)), weight_kg=_num(row.raw(rules.weight_column))),
            indication=rules.indication, difficulty=rules.difficulty, tags=sorted(set(tags)), teaching_points=teaching,
            question_set=rules.question_set, status=rules.status, public=False, created_at=now,
            provenance=Provenance(
                source=row.raw(rules.source_column) or rules.source, licence=row.raw(rules.licence_column) or rules.licence,
                original_file=cell, imported_at=now, imported_by=imported_by,
                deid={"status": deid_state, "mapping": mapping.name},
            ),
        )  # fmt: skip
        key = None
        if answers:
            key = AnswerKey(case_id=case_id, rater=mapping.rater, role="consensus", answers=answers,
                            created_at=now, updated_at=now)  # fmt: skip
        extra = deid_sidecars(media_file, case.primary_media.path) if media_file != src else {}
        folder = stage_case_folder(library, case, key, media_file, move=media_file != src, extra_files=extra)
        used_ids.add(case_id)
        report.imported.append(
            ImportedCase(display, case_id, str(folder), case.status, n_frames, deid_state, row.problems)
        )
        report.warnings += row.problems
    except (ImgTrainerError, OSError, ValueError) as exc:
        report.failed.append((display, f"row {row.number}: {type(exc).__name__}: {exc}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _num(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
