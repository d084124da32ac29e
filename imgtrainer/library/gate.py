"""The review gate: which cases a trainee may ever see.

A case reaches trainees (practice, the adaptive queue, the trainee library, exams) only when it is
approved by faculty, shared (public) and keyed (a consensus key.json exists). Imported cases
arrive pending review and private: the gate is what lets a faculty member confirm that
de-identification worked before anyone else sees them. Every trainee-facing path, CLI and GUI,
asks this module; nothing else decides.
"""

from __future__ import annotations

from pathlib import Path

from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.case_io import KEY_FILE
from imgtrainer.library.models import Case

SHAREABLE_STATUS = "approved"  # with public=True and a key.json; the index's SQL filter uses it too


class CaseNotShareableError(ImgTrainerError):
    """A trainee-facing action on a case that has not passed the review gate."""


def gate_problem(status: str, public: bool, has_key: bool) -> str | None:
    """Why a case with this status, sharing flag and key presence is held back, or None."""
    if status != SHAREABLE_STATUS:
        what = {
            "pending_review": "is pending faculty review",
            "draft": "is a draft",
            "rejected": "was rejected in review",
            "quarantined": "is quarantined",
        }.get(status, f"has status {status!r}")
        return f"the case {what}; trainees see it only once faculty approve, share and key it"
    if not public:
        return "the case is approved but private; faculty must share it (approve --public) first"
    if not has_key:
        return "the case has no consensus key yet; faculty must key it first"
    return None


def case_problem(case: Case, has_key: bool) -> str | None:
    """``gate_problem`` of a loaded case."""
    return gate_problem(case.status, case.public, has_key)


def is_shareable(case: Case, has_key: bool) -> bool:
    """True when the case passes the gate (approved, public and keyed)."""
    return case_problem(case, has_key) is None


def folder_has_key(folder: Path) -> bool:
    return (Path(folder) / KEY_FILE).is_file()


def require_shareable(folder: Path, case: Case, has_key: bool) -> None:
    """Raise ``CaseNotShareableError`` (one line naming the folder) unless the case passes."""
    problem = case_problem(case, has_key)
    if problem is not None:
        raise CaseNotShareableError(f"{folder}: {problem}")
