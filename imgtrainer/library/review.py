"""Faculty review of an imported case: approve (optionally public) or reject.

Imported cases arrive ``pending_review`` and private. Approving a de-identified case also marks
its media as reviewed in ``imgtrainer.deid`` (Burned In Annotation = NO, or the sidecar's review
state), then refreshes the media checksum. A case becomes public only when approved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.case_io import load_case, save_case
from imgtrainer.library.importer import sha256_file
from imgtrainer.library.models import Case

Decision = Literal["approved", "rejected", "pending_review"]


def review_case(
    folder: Path,
    decision: Decision,
    public: bool = False,
    reviewer: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Set the case's review status; returns the saved case."""
    folder = Path(folder)
    case = load_case(folder)
    if public and decision != "approved":
        raise CaseFormatError(f"{folder / 'case.json'}: field public: only an approved case can be public")
    deid = dict(case.provenance.deid or {})
    media = list(case.media)
    if decision == "approved" and deid.get("status") == "cleaned":
        from imgtrainer.deid.review import approve

        for i, ref in enumerate(media):
            path = folder / ref.path
            approve(path)
            media[i] = ref.model_copy(update={"sha256": sha256_file(path)})
    when = (now or datetime.now(UTC)).isoformat()
    deid["review"] = {"decision": decision, "by": reviewer, "at": when}
    provenance = case.provenance.model_copy(update={"deid": deid})
    updated = Case.model_validate(
        {**case.model_dump(), "media": [m.model_dump() for m in media], "status": decision,
         "public": public, "provenance": provenance.model_dump()}
    )  # fmt: skip
    save_case(folder, updated)
    return updated
