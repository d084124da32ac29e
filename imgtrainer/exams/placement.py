"""Where a candidate's session lives and in which order they see the cases (stdlib only)."""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

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
