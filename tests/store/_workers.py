"""Subprocess workers for the store tests: run as ``python -m tests.store._workers CMD ...``
from the repository root.

- ``submit URL TRAINEE N START_AT``: wait until the wall clock reaches START_AT (so that every
  process starts at the same moment), then record N answered attempts (start, one answer
  each in its own transaction, finish) on a small lung case. Prints ``OK <n>`` or the error.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

QUESTIONS = ["lung_sliding"]


def submit(url: str, trainee: str, n: int, start_at: float) -> None:
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.store.engine import make_engine
    from imgtrainer.training.questions import build_question_set
    from imgtrainer.training.responses import parse_answers
    from tests.training._cases import lung_case, perfect_answers

    case, key = lung_case(f"lung-{trainee.split()[-1].lower()}")
    qset = build_question_set(case, key, load_taxonomy("lung"), QUESTIONS)
    answers = parse_answers({q: perfect_answers(key, case)[q] for q in QUESTIONS}, qset)
    store = AttemptStore(make_engine(url))
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    for _ in range(n):
        now = datetime.now(UTC)
        aid = store.start(trainee, qset, now)
        for qid, resp in answers.items():
            store.record_answer(aid, qid, resp, now)
        store.finish(aid, case, key, qset, now)
    print(f"OK {n}", flush=True)


if __name__ == "__main__":
    cmd, *rest = sys.argv[1:]
    if cmd == "submit":
        submit(rest[0], rest[1], int(rest[2]), float(rest[3]))
    else:
        sys.exit(f"unknown worker {cmd}")
