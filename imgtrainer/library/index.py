"""The searchable case index: scan a library folder into the store, then filter it.

``LibraryIndex(engine).scan(folder)`` reads only case folders whose case.json, key.json, rater
keys or media changed since the last scan (by mtime and size) and drops folders that vanished.
``search(CaseFilter(...))`` filters by application, view, finding present in the key,
difficulty, tag, status, free text, and done/undone per trainee when the attempts table exists.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, and_, delete, inspect, or_, select
from sqlalchemy.orm import Session

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.case_io import CASE_FILE, KEY_FILE, KEYS_DIR, load_case, load_key
from imgtrainer.library.gate import SHAREABLE_STATUS, gate_problem
from imgtrainer.library.models import AnswerKey, Case
from imgtrainer.library.validate import find_case_folders
from imgtrainer.store.engine import Base
from imgtrainer.store.library_tables import LibraryCaseRow


@dataclass
class CaseFilter:
    """What to look for; None means any. ``done`` needs ``trainee``."""

    library: Path | None = None
    domain: str | None = None
    view: str | None = None
    finding: str | None = None
    difficulty: int | None = None
    tag: str | None = None
    text: str | None = None
    status: str | None = None
    public: bool | None = None
    shareable: bool | None = None  # True: only cases passing the review gate (trainee views)
    trainee: str | None = None
    done: bool | None = None
    limit: int | None = None


@dataclass
class CaseSummary:
    id: str
    domain: str
    title: str
    view: str | None
    findings: list[str]
    difficulty: int
    tags: list[str]
    path: str
    status: str
    public: bool
    probe: str
    has_key: bool
    n_raters: int
    media: str
    library: str

    @property
    def gate_problem(self) -> str | None:
        """Why trainees cannot see this case (``imgtrainer.library.gate``), or None."""
        return gate_problem(self.status, self.public, self.has_key)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "shareable": self.gate_problem is None}


@dataclass
class ScanReport:
    library: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (folder, message)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total": self.total}


def _stat_sig(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path.name}:-"
    return f"{path.name}:{st.st_mtime_ns}:{st.st_size}"


def _fingerprint(folder: Path, media_paths: list[str]) -> str:
    """mtime and size of case.json, key.json, every rater key and every media file."""
    parts = [_stat_sig(folder / CASE_FILE), _stat_sig(folder / KEY_FILE)]
    keys_dir = folder / KEYS_DIR
    if keys_dir.is_dir():
        parts += [_stat_sig(p) for p in sorted(keys_dir.glob("*.json"))]
    parts += [_stat_sig(folder / m) for m in media_paths]
    return "|".join(parts)


def _words(items: list[str]) -> str:
    return " " + " ".join(sorted({i.strip().lower() for i in items if i.strip()})) + " "


def _present_findings(key: AnswerKey | None) -> list[str]:
    if key is None:
        return []
    found: set[str] = set()
    for ans in key.answers.values():
        if ans.kind == "findings":
            found.update(ans.present)
    return sorted(found)


def _view(key: AnswerKey | None) -> str | None:
    ans = key.answers.get("view") if key is not None else None
    return ans.value if ans is not None and ans.kind == "category" else None


def _fill(
    row: LibraryCaseRow, library: str, folder: Path, case: Case, key: AnswerKey | None, fp: str
) -> None:
    n_raters = len(list((folder / KEYS_DIR).glob("*.json"))) if (folder / KEYS_DIR).is_dir() else 0
    text = " ".join(
        [
            case.id,
            case.title,
            case.indication,
            case.patient.clinical_context,
            *case.tags,
            *case.teaching_points,
            case.provenance.source,
            case.provenance.study_description or "",
            case.provenance.series_description or "",
        ]
    )
    row.library, row.case_id, row.folder = library, case.id, str(folder)
    row.domain, row.title, row.view = case.domain, case.title, _view(key)
    row.findings, row.tags = _words(_present_findings(key)), _words(case.tags)
    row.difficulty, row.status, row.public, row.probe = case.difficulty, case.status, case.public, case.probe
    row.question_set, row.has_key, row.n_raters = case.question_set, key is not None, n_raters
    row.media, row.search_text, row.fingerprint = case.primary_media.path, text.lower(), fp
    row.media_paths = "\n".join(m.path for m in case.media)
    row.case_mtime_ns = (folder / CASE_FILE).stat().st_mtime_ns
    row.indexed_at = datetime.now(UTC)


def _summary(row: LibraryCaseRow) -> CaseSummary:
    return CaseSummary(
        id=row.case_id,
        domain=row.domain,
        title=row.title,
        view=row.view,
        findings=row.findings.split(),
        difficulty=row.difficulty,
        tags=row.tags.split(),
        path=row.folder,
        status=row.status,
        public=row.public,
        probe=row.probe,
        has_key=row.has_key,
        n_raters=row.n_raters,
        media=row.media,
        library=row.library,
    )


def attempts_table() -> Table | None:
    """The practice engine's attempts table (a table with ``trainee`` and ``case_id``), if present."""
    try:
        import imgtrainer.store.attempt_tables  # noqa: F401
    except ImportError:
        return None
    for table in Base.metadata.sorted_tables:
        cols = set(table.c.keys())
        if "attempt" in table.name and {"trainee", "case_id"} <= cols:
            return table
    return None


class LibraryIndex:
    """Index of one or more libraries in a store (engine from ``imgtrainer.store.make_engine``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ensure_table()

    def _ensure_table(self) -> None:
        """The index is a cache: a table from an older layout is dropped and rebuilt on the next scan."""
        table = LibraryCaseRow.__table__
        existing = inspect(self.engine)
        if existing.has_table(table.name):
            have = {c["name"] for c in existing.get_columns(table.name)}
            if have >= set(table.c.keys()):
                return
            table.drop(self.engine)
        table.create(self.engine)

    def scan(self, library: Path) -> ScanReport:
        """Bring the index of ``library`` up to date, reading only changed case folders."""
        root = Path(library).resolve()
        if not root.is_dir():
            raise CaseFormatError(f"{library}: library folder not found")
        report = ScanReport(library=str(root))
        with Session(self.engine) as session, session.begin():
            rows = {
                r.folder: r
                for r in session.scalars(select(LibraryCaseRow).where(LibraryCaseRow.library == str(root)))
            }
            seen_ids: dict[str, str] = {}
            seen_folders: set[str] = set()
            for folder in find_case_folders(root):
                key_folder = str(folder)
                row = rows.get(key_folder)
                if row is not None and row.fingerprint == _fingerprint(folder, row.media_paths.splitlines()):
                    report.unchanged.append(row.case_id)
                    seen_ids[row.case_id] = key_folder
                    seen_folders.add(key_folder)
                    continue
                try:
                    case = load_case(folder)
                    key = load_key(folder)
                except CaseFormatError as exc:
                    report.failed.append((key_folder, str(exc)))
                    continue
                if case.id in seen_ids and seen_ids[case.id] != key_folder:
                    report.failed.append(
                        (key_folder, f"duplicate case id {case.id!r} (also in {seen_ids[case.id]})")
                    )
                    continue
                clash = next((r for f, r in rows.items() if r.case_id == case.id and f != key_folder), None)
                if clash is not None:  # the case moved folder: reuse its row
                    session.delete(clash)
                    session.flush()
                    rows.pop(clash.folder, None)
                seen_ids[case.id] = key_folder
                seen_folders.add(key_folder)
                if row is None:
                    row = LibraryCaseRow()
                    session.add(row)
                    report.added.append(case.id)
                else:
                    report.updated.append(case.id)
                _fill(row, str(root), folder, case, key, _fingerprint(folder, [m.path for m in case.media]))
            for folder_str, row in rows.items():
                if folder_str not in seen_folders and row in session:
                    report.removed.append(row.case_id)
                    session.delete(row)
        return report

    def search(self, flt: CaseFilter | None = None) -> list[CaseSummary]:
        """Cases matching every given criterion, ordered by application then id."""
        flt = flt or CaseFilter()
        stmt = select(LibraryCaseRow)
        conds = []
        if flt.library is not None:
            conds.append(LibraryCaseRow.library == str(Path(flt.library).resolve()))
        if flt.domain:
            conds.append(LibraryCaseRow.domain == flt.domain.lower())
        if flt.view:
            conds.append(LibraryCaseRow.view == flt.view)
        if flt.finding:
            conds.append(LibraryCaseRow.findings.like(f"% {flt.finding.lower()} %"))
        if flt.difficulty is not None:
            conds.append(LibraryCaseRow.difficulty == flt.difficulty)
        if flt.tag:
            conds.append(LibraryCaseRow.tags.like(f"% {flt.tag.lower()} %"))
        if flt.status:
            conds.append(LibraryCaseRow.status == flt.status)
        if flt.public is not None:
            conds.append(LibraryCaseRow.public == flt.public)
        if flt.shareable is not None:
            gate = and_(
                LibraryCaseRow.status == SHAREABLE_STATUS,
                LibraryCaseRow.public.is_(True),
                LibraryCaseRow.has_key.is_(True),
            )
            conds.append(gate if flt.shareable else ~gate)
        if flt.text:
            for word in flt.text.lower().split():
                conds.append(
                    or_(
                        LibraryCaseRow.search_text.contains(word),
                        LibraryCaseRow.findings.contains(word),
                        LibraryCaseRow.view.contains(word),
                        LibraryCaseRow.domain.contains(word),
                    )
                )
        if flt.done is not None and flt.trainee:
            table = attempts_table()
            if table is not None:
                done_ids = select(table.c.case_id).where(table.c.trainee == flt.trainee)
                if "status" in table.c:  # only finished attempts count as done
                    done_ids = done_ids.where(table.c.status == "finished")
                conds.append(
                    LibraryCaseRow.case_id.in_(done_ids)
                    if flt.done
                    else LibraryCaseRow.case_id.not_in(done_ids)
                )
        if conds:
            stmt = stmt.where(and_(*conds))
        stmt = stmt.order_by(LibraryCaseRow.domain, LibraryCaseRow.case_id)
        if flt.limit:
            stmt = stmt.limit(flt.limit)
        with Session(self.engine) as session:
            return [_summary(r) for r in session.scalars(stmt)]

    def get(self, case_id: str, library: Path | None = None) -> CaseSummary | None:
        stmt = select(LibraryCaseRow).where(LibraryCaseRow.case_id == case_id)
        if library is not None:
            stmt = stmt.where(LibraryCaseRow.library == str(Path(library).resolve()))
        with Session(self.engine) as session:
            row = session.scalars(stmt.order_by(LibraryCaseRow.indexed_at.desc())).first()
            return None if row is None else _summary(row)

    def forget(self, library: Path) -> int:
        """Drop every row of ``library``; returns how many."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                delete(LibraryCaseRow).where(LibraryCaseRow.library == str(Path(library).resolve()))
            )
            return int(result.rowcount or 0)
