"""The app's calls into the core (library index, practice engine, attempt store), with no Qt.

Every function takes plain data and returns plain data, so each can run on a worker thread.
Clocks are passed in where a time is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgtrainer.errors import CaseFormatError, ImgTrainerError
from imgtrainer.screens.context import AppContext

if TYPE_CHECKING:  # the models import pydantic: only when a case is opened
    from imgtrainer.library.models import AnswerKey, Case
    from imgtrainer.training.questions import QuestionSet


@dataclass
class CaseBundle:
    """Everything needed to practise one case."""

    folder: Path
    case: Case
    key: AnswerKey | None
    qset: QuestionSet
    media: Path


def _now() -> datetime:
    return datetime.now(UTC)


def attempt_store(ctx: AppContext):
    from imgtrainer.progress.attempts import AttemptStore

    return AttemptStore(ctx.engine)


# trainees -------------------------------------------------------------------------------------------
def list_trainees(ctx: AppContext) -> list[str]:
    """Trainee profile names (read from the table directly: no scoring imports at start-up)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from imgtrainer.store.attempt_tables import TraineeRow

    with Session(ctx.engine) as s:
        return list(s.scalars(select(TraineeRow.name).order_by(TraineeRow.name)))


def ensure_trainee(ctx: AppContext, name: str, now: datetime | None = None) -> str:
    """Create the trainee profile if it does not exist yet (``AttemptStore.ensure_trainee``);
    returns the cleaned name (inner runs of spaces collapsed)."""
    name = " ".join(name.split())
    if not name:
        raise ImgTrainerError("trainee name must not be empty")
    return attempt_store(ctx).ensure_trainee(name, now or _now())


# library --------------------------------------------------------------------------------------------
def scan_library(ctx: AppContext) -> Any:
    """Bring the case index of the context's library up to date (ScanReport)."""
    from imgtrainer.library.index import LibraryIndex

    return LibraryIndex(ctx.engine).scan(ctx.library_dir)


def search_cases(ctx: AppContext, **criteria: Any) -> list[Any]:
    """CaseSummary rows of the context's library matching ``criteria`` (CaseFilter fields).
    Only cases passing the review gate (approved, public, keyed) unless ``shareable=None``."""
    from imgtrainer.library.index import CaseFilter, LibraryIndex

    criteria.setdefault("shareable", True)
    flt = CaseFilter(library=ctx.library_dir, trainee=ctx.trainee, **criteria)
    return LibraryIndex(ctx.engine).search(flt)


def last_results(ctx: AppContext) -> dict[str, bool]:
    """For each case the trainee has finished: was the most recent attempt correct?"""
    if not ctx.trainee:
        return {}
    out: dict[str, bool] = {}
    for a in attempt_store(ctx).attempts(ctx.trainee):
        out[a.case_id] = bool(a.correct)
    return out


def load_bundle(ctx: AppContext, folder: Path, seed: int | None = None) -> CaseBundle:
    """Read a case folder and build its question set (no answers in it); a case the review gate
    holds back (pending, private or unkeyed) is refused (``CaseNotShareableError``)."""
    from imgtrainer.library.case_io import load_case, load_key, media_path
    from imgtrainer.library.gate import folder_has_key, require_shareable
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.training.questions import build_question_set

    folder = Path(folder)
    case = load_case(folder)
    require_shareable(folder, case, folder_has_key(folder))
    key = load_key(folder)
    qset = build_question_set(case, key, load_taxonomy(case.domain), shuffle_seed=seed)
    return CaseBundle(folder, case, key, qset, media_path(folder, case))


def next_case_folder(
    ctx: AppContext, now: datetime | None = None, exclude: str | None = None, **flt: Any
) -> Path | None:
    """The next case from the adaptive queue (due reviews, then unseen cases balanced by finding)."""
    from imgtrainer.training.queue import QueueFilter, build_queue, load_library_items

    items, _problems = load_library_items(ctx.library_dir)
    history = attempt_store(ctx).attempts(ctx.trainee) if ctx.trainee else []
    queue = build_queue(items, history, now or _now(), QueueFilter(**flt), n=3)
    for entry in queue:
        if entry.case_id != exclude and entry.path is not None:
            return Path(entry.path)
    return Path(queue[0].path) if queue and queue[0].path is not None else None


# attempts -------------------------------------------------------------------------------------------
def start_or_resume(
    ctx: AppContext, qset: QuestionSet, now: datetime | None = None
) -> tuple[int, dict[str, Any]]:
    """Resume the trainee's unfinished attempt on this case (answers kept after a crash), or start one.

    Returns (attempt id, answers already committed as Response models).
    """
    store = attempt_store(ctx)
    if not ctx.trainee:
        raise ImgTrainerError("choose a trainee profile before practising")
    for a in reversed(store.attempts(ctx.trainee, status="in_progress")):
        if a.case_id == qset.case_id and a.mode == "practice":
            try:
                return a.id, store.answers(a.id)
            except ImgTrainerError:
                break
    return store.start(ctx.trainee, qset, now or _now()), {}


def record_answer(
    ctx: AppContext, attempt_id: int, qid: str, response: Any, now: datetime | None = None
) -> None:
    attempt_store(ctx).record_answer(attempt_id, qid, response, now or _now())


def clear_answer(ctx: AppContext, attempt_id: int, qid: str) -> bool:
    """Forget the committed answer to ``qid`` (the trainee cleared it), in one transaction."""
    return attempt_store(ctx).clear_answer(attempt_id, qid)


def finish_attempt(ctx: AppContext, attempt_id: int, bundle: CaseBundle, now: datetime | None = None) -> Any:
    """Score the committed answers (CaseScore) and close the attempt."""
    if bundle.key is None:
        raise CaseFormatError(f"{bundle.folder}: case has no key.json, so it cannot be scored")
    return attempt_store(ctx).finish(attempt_id, bundle.case, bundle.key, bundle.qset, now or _now())


# progress -------------------------------------------------------------------------------------------
def logbook(ctx: AppContext, now: datetime | None = None) -> Any:
    """The trainee's Logbook (ASRA minimums, accuracy per finding, CUSUM, mastery, maintenance)."""
    from imgtrainer.progress.logbook import build_logbook

    if not ctx.trainee:
        raise ImgTrainerError("choose a trainee profile to see progress")
    from imgtrainer.progress.trainees import TraineeDirectory

    store = attempt_store(ctx)
    found = TraineeDirectory(store.engine).find(ctx.trainee)  # ctx.trainee may be an id (drill-down)
    return build_logbook(
        found.name if found else ctx.trainee,
        store.attempts(ctx.trainee),
        store.scans(ctx.trainee),
        store.finding_records(ctx.trainee),
        now or _now(),
    )


def export_portfolio(ctx: AppContext, path: Path, now: datetime | None = None) -> Path:
    """Write the PDF competency portfolio (atomically) and return its path."""
    from imgtrainer.progress.report import write_portfolio

    return write_portfolio(logbook(ctx, now), path)


def department_sync(ctx: AppContext) -> str | None:
    """Sync this computer's store into the configured department store (a laptop), if one is
    configured and reachable. Returns a one-line status, or None when there is nothing to do."""
    from imgtrainer.store.config import mask_url, resolve_department_url
    from imgtrainer.store.engine import make_engine
    from imgtrainer.store.sync import sync

    target_url = resolve_department_url(None)
    if target_url is None or target_url == ctx.db_url:
        return None
    try:
        target = make_engine(target_url)
    except ImgTrainerError as exc:
        return f"department store not reachable; progress stays on this computer ({exc})"
    try:
        report = sync(ctx.engine, target)
    finally:
        target.dispose()
    n = report.copied.get("attempts", 0) + report.copied.get("scan_log", 0)
    return f"synced with the department store {mask_url(target_url)}: {n} new record(s)"
