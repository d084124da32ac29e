"""``imgtrainer practice``: show a case's questions, score an answers file, pick the next cases."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from imgtrainer.cli._common import number
from imgtrainer.errors import CaseFormatError
from imgtrainer.library.models import DOMAINS, AnswerKey, Case

ANSWERS_HELP = """answers.json maps question id -> answer (bare value or object; objects may add "time_s"):
  category: "present"            ordinal: 3               count: 4
  findings: ["blines", "lung_sliding"]  (ids PRESENT; every other finding counts as absent)
            or {"present": [...], "absent": [...]}
  frame_ranges: [[10, 24], [40, 45]]   (inclusive, 0-based)
  marks: [{"type": "line", "points": [[x1, y1], [x2, y2]], "frame": 12}]  (stored-frame pixels)
  measurement: 2.4 (question unit) or {"value": 24, "unit": "mm"}
               or {"not_applicable": true} (nothing to measure: the finding is absent)
  "none": marks [] and frame_ranges [] (nothing to mark); an unanswered marks, frame-ranges or
  measurement question counts as "none". A question about a finding is asked whenever the key
  assesses the finding, present or absent, so its presence in the list tells you nothing.
  decision: 1  (0-based index of the option as shown by `practice questions` with the same --seed)
Run `imgtrainer practice questions CASE --json` to see the ids, options and units."""


def _load(case_arg: str, library: str | None) -> tuple[Path, Case, AnswerKey | None]:
    """The case, refused with one line unless it passes the review gate (approved, public, keyed)."""
    from imgtrainer.library.case_io import load_case, load_key
    from imgtrainer.library.gate import folder_has_key, require_shareable
    from imgtrainer.resources import demo_library_dir

    folder = Path(case_arg)
    if not (folder / "case.json").is_file():
        if library is None and folder.exists():
            raise CaseFormatError(f"{case_arg}: not a case folder (no case.json)")
        # A case id: looked up in --library, or in the bundled demo library.
        where = Path(library) if library is not None else demo_library_dir()
        folder = where / case_arg
        if not (folder / "case.json").is_file():
            raise CaseFormatError(
                f"{case_arg}: no such case folder, nor a case id in library {where}"
                + (" (the demo library; give --library DIR for another)" if library is None else "")
            )
    case = load_case(folder)
    require_shareable(folder, case, folder_has_key(folder))
    return folder, case, load_key(folder)


def _qset(args: argparse.Namespace, case: Case, key: AnswerKey | None):
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.training.questions import build_question_set

    ids = [q.strip() for q in args.questions.split(",") if q.strip()] if args.questions else None
    return build_question_set(case, key, load_taxonomy(case.domain), ids, args.set, args.seed)


def _questions(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json

    _, case, key = _load(args.case, args.library)
    qset = _qset(args, case, key)
    if args.json:
        print_json(qset.candidate_dict())
        return 0
    print(f"Case {case.id}")  # no title or domain: they can give the answers away
    if qset.indication:
        print(f"Context: {qset.indication}")
    for step, questions in qset.by_step().items():
        if not questions:
            continue
        print(f"\n== {step.upper()} ==")
        for q in questions:
            print(f"- {q.id} ({q.kind}, weight {q.weight:g}): {q.prompt}")
            if q.help:
                print(f"    help: {q.help}")
            for o in q.options:
                print(f"    {o.id}: {o.label}")
            for p in q.scale:
                print(f"    {p.value}: {p.label}")
            for f in q.findings:
                print(f"    {f.id}: {f.label}")
            if q.unit:
                print(f"    unit: {q.unit}")
            if q.mark_types:
                print(f"    marks: {', '.join(q.mark_types)}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.store.engine import make_engine
    from imgtrainer.training.responses import load_answers

    _, case, key = _load(args.case, args.library)
    if key is None:
        raise CaseFormatError(f"{args.case}: the case has no key.json, so it cannot be scored")
    qset = _qset(args, case, key)
    responses = load_answers(args.answers, qset)
    now = datetime.now(UTC)
    store = AttemptStore(make_engine(args.db))
    attempt_id, result = store.record_attempt(args.trainee, case, key, qset, responses, now, mode="practice")
    trainee = store.attempt(attempt_id).trainee  # the stored name (``--trainee`` may be an id)
    if args.json:
        data = result.model_dump(mode="json")
        data["attempt_id"] = attempt_id
        data["trainee"] = trainee
        print_json(data)
        return 0
    print(
        f"{case.id} [{case.domain}] trainee {trainee}: score {result.score:.0%}"
        f" ({'correct: at or above' if result.correct else 'not correct: below'} the {result.threshold:.0%} threshold), attempt {attempt_id}"
    )
    step = None
    for q in result.questions:
        if q.step != step:
            step = q.step
            print(f"== {step.upper()} ==")
        mark = "   -" if not q.scored else f"{q.score:4.0%}"
        print(f"{mark}  {q.question_id}: {q.reason}")
        if q.scored and q.score < 1 and q.expected and q.expected not in q.reason:
            print(f"      expected: {q.expected}")
        if q.explanation:
            print(f"      why: {q.explanation}")
        if q.details.get("text"):
            print(f"      {q.details['text']}")
    for tp in result.teaching_points:
        print(f"Teaching point: {tp}")
    return 0


def _next(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.resources import demo_library_dir
    from imgtrainer.store.engine import make_engine
    from imgtrainer.training.queue import QueueFilter, build_queue, load_library_items

    library = Path(args.library) if args.library else demo_library_dir()
    items, problems = load_library_items(library)
    if not items and not problems:
        raise CaseFormatError(f"{library}: no case folders found (a case folder holds a case.json)")
    store = AttemptStore(make_engine(args.db))
    history = store.attempts(args.trainee) if args.trainee else []
    flt = QueueFilter(domain=args.domain, finding=args.finding, difficulty=args.difficulty)
    queue = build_queue(items, history, datetime.now(UTC), flt, n=args.n, seed=args.seed)
    if args.json:
        print_json({"queue": [e.to_dict() for e in queue], "skipped": problems})
        return 0
    for p in problems:
        print(f"skipped: {p}")
    if not queue:
        print("no case matches")
    for e in queue:
        print(f"{e.case_id:<32} {e.domain:<8} {e.reason:<7} box {e.box}  {e.why}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("practice", help="practice cases: questions, scoring, next cases")
    sub = p.add_subparsers(dest="practice_command", metavar="SUBCOMMAND", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "case", metavar="CASE", help="case folder, or a case id (in --library, default the demo library)"
        )
        sp.add_argument("--library", metavar="DIR", help="library folder holding the case folders")
        sp.add_argument("--set", metavar="NAME", help="taxonomy question set (default: the case's)")
        sp.add_argument("--questions", metavar="IDS", help="explicit comma-separated question ids")
        sp.add_argument("--seed", metavar="SEED", help="shuffle options with this seed (e.g. a candidate id)")
        sp.add_argument("--json", action="store_true", help="print JSON")

    q = sub.add_parser("questions", help="print the case's questions per I-AIM step (no answers)")
    common(q)
    q.set_defaults(handler=_questions)

    s = sub.add_parser(
        "score",
        help="score an answers.json, record the attempt and print per-question feedback",
        description="Score a trainee's answers to a case and record the attempt.\n\n" + ANSWERS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(s)
    s.add_argument("--answers", required=True, metavar="FILE", help="answers.json (format below)")
    s.add_argument("--trainee", required=True, metavar="NAME")
    s.add_argument("--db", metavar="URL", help="database URL or SQLite path (default: user data dir)")
    s.set_defaults(handler=_score)

    n = sub.add_parser("next", help="the next cases to practise (unseen, due again, balanced by finding)")
    n.add_argument("--trainee", metavar="NAME")
    n.add_argument("--library", metavar="DIR", help="library folder (default: the demo library)")
    n.add_argument("--domain", choices=DOMAINS)
    n.add_argument("--finding", metavar="ID", help="only cases whose key has this finding present")
    n.add_argument("--difficulty", type=int, choices=(1, 2, 3))
    n.add_argument("-n", type=number(int, 1), default=10, help="how many cases (default 10)")
    n.add_argument("--seed", type=int, default=0)
    n.add_argument("--db", metavar="URL")
    n.add_argument("--json", action="store_true")
    n.set_defaults(handler=_next)
