"""Scripted, non-interactive exam taking (kiosk scripts, tests): answers from a JSON file.

The answers file maps items to ``{question id: response}``. Items are named by item id
(``"item-003"``) or by their 1-based position as this candidate sees them (``"1"``); a list
of objects means positions 1, 2, ... Each answer is committed (and, with ``ack``, an
``ACK <seq> <item> <question>`` line is printed and flushed) before the next. With ``resume``
the attempt continues after a crash: steps already committed are not repeated (with the
passphrase too, ``resume`` starts the attempt if it was never started). Resuming an interrupted
attempt needs the proctor: the passphrase or the exam's proctor PIN.

The whole file is checked (items, question ids, every answer's form) before the clock starts, so
a bad file never leaves a started attempt behind.

Imports only the standard library and the Qt-free session so it starts fast.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imgtrainer.errors import ExamError, ResponseFormatError
from imgtrainer.exams.responses import check_response
from imgtrainer.exams.session import ExamSession
from imgtrainer.fileio import read_problem


def load_script(path: Path, session: ExamSession) -> list[tuple[int, str, Any]]:
    """(position, question, response) steps in file order."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExamError(f"{path}: cannot read the answers: {read_problem(exc)}") from None
    if isinstance(data, list):
        data = {str(i + 1): v for i, v in enumerate(data)}
    if not isinstance(data, dict):
        raise ExamError(f"{path}: answers must be an object of item -> {{question: answer}}")
    steps = []
    for ref, answers in data.items():
        if ref in session.order:
            pos = session.order.index(ref)
        elif str(ref).isdigit() and 1 <= int(ref) <= len(session.order):
            pos = int(ref) - 1
        else:
            raise ExamError(f"{path}: {ref!r} is neither an item id nor a position 1..{len(session.order)}")
        if not isinstance(answers, dict):
            raise ExamError(f"{path}: item {ref!r}: expected an object of question -> answer")
        questions = {q["id"]: q for q in session.item(pos)["question_set"]["questions"]}
        for q, r in answers.items():
            if q not in questions:
                raise ExamError(
                    f"{path}: item {ref!r}: no question {q!r} in this exam (questions: {', '.join(questions)})"
                )
            try:
                check_response(questions[q], r)
            except ResponseFormatError as exc:
                raise ExamError(f"{path}: item {ref!r}: {exc}") from None
            steps.append((pos, str(q), r))
    return steps


def run(
    session: ExamSession,
    steps: list[tuple[int, str, Any]],
    passphrase: str | None = None,
    resume: bool = False,
    submit: bool = True,
    ack: Callable[[str], None] | None = None,
    delay_s: Callable[[int], float] | None = None,
    proctor: str | None = None,
    grant_downtime: bool = False,
) -> dict[str, Any]:
    """Start or resume, commit every remaining step, optionally submit; returns the status.
    ``proctor`` is the passphrase or PIN that resumes an interrupted attempt (default: the
    passphrase)."""
    if session.state == "new":
        if resume and not passphrase:
            raise ExamError(f"{session.candidate}: nothing to resume; the proctor must start the exam first")
        session.start(passphrase or "")
    elif session.state == "running":
        if not resume:
            raise ExamError(
                f"{session.candidate}: an attempt is already running; use --resume to continue it"
            )
        session.resume(proctor or passphrase, grant_downtime=grant_downtime)
    if ack:
        ack(f"READY {session.elapsed_s():.6f} {session.live_since or 0.0:.6f}")
    done = session.committed_count() if session.state == "running" else len(steps)
    hb = float(session.settings.get("heartbeat_s", 1.0))
    for i in range(done, len(steps)):
        if session.state != "running":
            break
        pause = delay_s(i) if delay_s else 0.0
        end = time.monotonic() + pause
        while time.monotonic() < end:
            time.sleep(min(hb / 4, max(0.0, end - time.monotonic())))
            session.heartbeat()
        pos, qid, response = steps[i]
        if session.settings.get("navigation") == "forward" and pos != session.current:
            session.goto(pos)
        try:
            seq = session.answer(pos, qid, response)
        except ExamError:
            if session.state == "submitted":  # the time ran out: submitted automatically
                break
            raise
        if ack:
            ack(f"ACK {seq} {session.order[pos]} {qid}")
    if submit and session.state == "running":
        session.submit("script")
    elif session.state == "submitted":
        session.write_results()
    return session.status()


def _main(argv: list[str]) -> int:
    """Test entry point: ``python -m imgtrainer.exams.scripted PKG CAND ANSWERS HOME [opts]``."""
    import argparse
    import random

    ap = argparse.ArgumentParser()
    ap.add_argument("package")
    ap.add_argument("candidate")
    ap.add_argument("answers")
    ap.add_argument("home")
    ap.add_argument("--passphrase")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--no-submit", action="store_true")
    ap.add_argument("--max-delay-ms", type=float, default=0.0)
    ap.add_argument("--repeat", type=int, default=1, help="repeat the answer script this many times")
    args = ap.parse_args(argv)
    session = ExamSession.open(args.package, args.candidate, home=Path(args.home))
    steps = load_script(Path(args.answers), session) * args.repeat
    rng = random.Random()

    def ack(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    run(
        session,
        steps,
        args.passphrase,
        resume=args.resume,
        submit=not args.no_submit,
        ack=ack,
        delay_s=lambda _i: rng.uniform(0, args.max_delay_ms / 1000),
    )
    ack("DONE")
    return 0


if __name__ == "__main__":
    from imgtrainer.errors import ImgTrainerError

    try:
        sys.exit(_main(sys.argv[1:]))
    except ImgTrainerError as exc:
        sys.stderr.write(f"imgtrainer: error: {exc}\n")
        sys.exit(1)
