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
APPLICATION_QUESTION = "application"  # question 1 of I-AIM: which application answers the question


def visible_questions(item: dict[str, Any], answered: set[str] | frozenset[str]) -> list[dict[str, Any]]:
    """The questions of an exam item a candidate may see now: only question 1 (the application)
    until it is answered, because every later question (views, findings, the indication question)
    belongs to one application and would give it away; then all of them."""
    questions = item["question_set"]["questions"]
    ids = [q["id"] for q in questions]
    if APPLICATION_QUESTION in ids and APPLICATION_QUESTION not in answered and not answered:
        return [q for q in questions if q["id"] == APPLICATION_QUESTION]
    return list(questions)


def sessions_dir(home: Path | None = None) -> Path:
    """``<data dir>/exams``: one folder per exam holding each candidate's session database."""
    if home is None:
        from imgtrainer.resources import data_dir

        home = data_dir()
    return Path(home) / "exams"


def attempt_stem(candidate: str, attempt: int) -> str:
    """File stem of a candidate's attempt: ``cand`` for the first, ``cand~2``... for re-takes
    ('~' is not allowed in candidate ids, so stems never collide)."""
    return candidate if attempt == 1 else f"{candidate}~{attempt}"


def parse_stem(stem: str) -> tuple[str, int]:
    """(candidate, attempt number) of a session file stem."""
    cand, sep, n = stem.partition("~")
    return (cand, int(n)) if sep and n.isdigit() else (stem, 1)


def attempt_numbers(folder: Path, candidate: str) -> list[int]:
    """The attempt numbers of ``candidate`` with a session database in ``folder``, ascending."""
    found = [parse_stem(p.stem) for p in Path(folder).glob(f"{candidate}*.sqlite")]
    return sorted(n for c, n in found if c == candidate)


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
