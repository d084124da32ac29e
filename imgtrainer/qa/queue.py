"""The reviewer's queue and the trainee's list: every submission in a QA folder with its status
and how long it has waited (days, oldest first)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from imgtrainer.qa.review import reviews, status_of
from imgtrainer.qa.submission import SUBMISSION_FILE, QaError, Status, load_submission


@dataclass
class QueueItem:
    id: str
    trainee: str
    domain: str
    performed_on: str
    submitted_at: str
    days_waiting: int
    status: Status
    reviewers: list[str]
    views: int

    def to_dict(self) -> dict:
        return asdict(self)


def submissions(qa_dir: Path) -> list[Path]:
    qa_dir = Path(qa_dir)
    if not qa_dir.is_dir():
        return []
    return sorted(p.parent for p in qa_dir.glob(f"*/{SUBMISSION_FILE}") if not p.parent.name.startswith("."))


def queue(
    qa_dir: Path,
    now: datetime | None = None,
    domain: str | None = None,
    trainee: str | None = None,
    min_days: int = 0,
    statuses: tuple[str, ...] = ("submitted", "in_review"),
    problems: list[str] | None = None,
) -> list[QueueItem]:
    """Submissions filtered by application, trainee, age and status, oldest first.
    Unreadable ones are skipped and named in ``problems``."""
    now = now or datetime.now(UTC)
    out: list[QueueItem] = []
    for folder in submissions(qa_dir):
        try:
            sub = load_submission(folder)
            st = status_of(folder)
            revs = reviews(folder)
        except QaError as exc:
            if problems is not None:
                problems.append(str(exc))
            continue
        days = (now - sub.submitted_at).days
        if domain and sub.domain != domain:
            continue
        if trainee and sub.trainee != trainee:
            continue
        if days < min_days or (statuses and st not in statuses):
            continue
        n_views = len(list((folder / "media").iterdir())) if (folder / "media").is_dir() else 0
        out.append(
            QueueItem(
                sub.id,
                sub.trainee,
                sub.domain,
                sub.performed_on.isoformat(),
                sub.submitted_at.isoformat(),
                days,
                st,
                [r.reviewer for r in revs],
                n_views,
            )
        )
    out.sort(key=lambda q: q.submitted_at)
    return out


def default_qa_dir() -> Path:
    """IMGTRAINER_QA_DIR (a department's shared folder) or <data dir>/qa."""
    import os

    from imgtrainer.resources import data_dir

    env = os.environ.get("IMGTRAINER_QA_DIR")
    return Path(env) if env else data_dir() / "qa"


def find(qa_dir: Path, submission: str) -> Path:
    folder = Path(qa_dir) / submission
    if not (folder / SUBMISSION_FILE).is_file():
        raise QaError(f"{submission}: no such submission in {qa_dir}")
    return folder
