"""Where a candidate's session lives and in which order they see the cases (stdlib only)."""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import IO, Any

from imgtrainer.errors import ExamError

CANDIDATE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def sessions_dir(home: Path | None = None) -> Path:
    """``<data dir>/exams``: one folder per exam holding each candidate's session database."""
    if home is None:
        from imgtrainer.resources import data_dir

        home = data_dir()
    return Path(home) / "exams"


def candidate_order(exam_id: str, candidate: str, what: str, n: int) -> list[int]:
    """A permutation of range(n) that depends only on (exam, candidate, what): resumes agree."""
    perm = list(range(n))
    seed = hashlib.sha256(f"{exam_id}\x00{candidate}\x00{what}".encode()).digest()
    random.Random(int.from_bytes(seed[:8], "big")).shuffle(perm)
    return perm


def lock_attempt(folder: Path, candidate: str) -> IO[bytes] | None:
    """One live process per attempt: an exclusive lock the OS drops when the process dies.
    Returns the open lock file (keep it open while the session runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock (a second window would double-count)
        return None
    fh = open(folder / f"{candidate}.lock", "a+b")  # noqa: SIM115 - held until the session closes
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise ExamError(f"{candidate}: this exam is already open in another window or process") from None
    return fh


def shuffled_options(item: dict[str, Any], exam_id: str, candidate: str) -> dict[str, Any]:
    """A copy of an exam item with each choice question's options in this candidate's order
    (option ids are unchanged, so answers and grading do not depend on the order)."""
    item = json.loads(json.dumps(item))
    for q in item["question_set"]["questions"]:
        if q["kind"] in ("category", "decision") and q["options"]:
            perm = candidate_order(
                exam_id, candidate, f"options/{item['item_id']}/{q['id']}", len(q["options"])
            )
            q["options"] = [q["options"][i] for i in perm]
    return item
