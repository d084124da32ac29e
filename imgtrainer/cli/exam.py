"""``imgtrainer exam``: build sealed packages, take (scripted), status, verify, grade, report."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from imgtrainer.cli._common import number, output_file, output_folder, print_json
from imgtrainer.cli._exam_admin import register_admin
from imgtrainer.cli._exam_auth import _add_pass, _first_line, _passphrase, _proctor
from imgtrainer.errors import ExamError, UsageError


def _extra_time(values: list[str] | None) -> dict[str, float]:
    """``--extra-time CAND=MINUTES`` (repeatable) as seconds per candidate id."""
    out: dict[str, float] = {}
    for v in values or []:
        cand, sep, minutes = v.partition("=")
        try:
            if not sep or not cand.strip():
                raise ValueError
            out[cand.strip()] = float(minutes) * 60
        except ValueError:
            raise ExamError(f"--extra-time {v!r}: expected CANDIDATE=MINUTES, e.g. alice=15") from None
    return out


def _build(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from imgtrainer.exams.build import CaseFilter, build_package, filter_cases, resolve_cases
    from imgtrainer.exams.settings import ExamSettings
    from imgtrainer.library._files import validation_message
    from imgtrainer.resources import demo_library_dir

    output = output_file(args.output)
    library = Path(args.library) if args.library else None
    flt = CaseFilter(
        domains=args.domain or [],
        difficulties=args.difficulty or [],
        tags=args.tag or [],
        limit=args.limit,
    )
    held: list[str] = []  # cases the review gate holds back (pending, private or unkeyed)
    if args.cases:  # the filters narrow the cases or libraries named on the command line too
        folders = filter_cases(resolve_cases(args.cases, library or demo_library_dir()), flt, held)
    else:
        folders = filter_cases(library or demo_library_dir(), flt, held)
    if not folders and len(held) == 1:
        raise ExamError(held[0])
    if not folders:
        gate = f" ({len(held)} held back by the review gate: not approved, public and keyed)" if held else ""
        raise ExamError(
            f"no case matches{gate}: give case folders/ids or looser --domain/--difficulty/--tag filters"
        )
    passphrase = _passphrase(args) or ""
    if len(passphrase) < 8:
        raise UsageError("--passphrase: the proctor passphrase must have at least 8 characters")
    rand = args.randomise
    try:
        settings = ExamSettings(
            title=args.title,
            time_limit_s=args.time_limit * 60 if args.time_limit else None,
            case_time_limit_s=args.case_time_limit,
            randomise_cases=rand in ("cases", "both"),
            randomise_options=rand in ("options", "both"),
            replay_loops=not args.no_replay,
            navigation="forward" if args.forward_only else "free",
            pass_mark=args.pass_mark,
            feedback=args.feedback,
            downtime=args.downtime,
            extra_time_s=_extra_time(args.extra_time),
        )
    except ValidationError as exc:  # the option ranges catch most; this names any that slip through
        raise UsageError(validation_message("exam settings", exc)) from None
    questions = [q.strip() for q in args.questions.split(",") if q.strip()] if args.questions else None
    pin = args.proctor_pin or (_first_line(args.proctor_pin_file, "PIN") if args.proctor_pin_file else None)
    report = build_package(
        folders,
        output,
        passphrase,
        settings,
        question_ids=questions,
        set_name=args.question_set,
        proctor_pin=pin,
    )
    out = {
        "package": str(report.path),
        "exam_id": report.exam_id,
        "items": report.n_items,
        "questions": report.n_questions,
        "skipped": report.skipped,
        "held_back": held,
    }
    if args.json:
        print_json(out)
    else:
        print(f"{report.path}: exam {report.exam_id}, {report.n_items} cases, {report.n_questions} questions")
        for s in report.skipped:
            print(f"skipped {s}", file=sys.stderr)
        if held:
            print(f"{len(held)} case(s) held back by the review gate (see --json)", file=sys.stderr)
    return 0


def _take(args: argparse.Namespace) -> int:
    from imgtrainer.exams.scripted import load_script, run
    from imgtrainer.exams.session import ExamSession

    opener = ExamSession.retake if args.retake else ExamSession.open
    session = opener(args.package, args.candidate)
    try:
        # the answers file is checked in full before the clock starts
        steps = load_script(Path(args.answers), session) if args.answers else []
        if session.state == "submitted":
            raise ExamError(
                f"{args.candidate}: attempt {session.attempt} was submitted ({session.results_path}); "
                "a new attempt needs --retake"
            )
        if session.state == "running" and not args.resume:
            raise ExamError(
                f"{args.candidate}: attempt {session.attempt} is already running; "
                "the proctor continues it with --resume (passphrase or PIN)"
            )
        passphrase = _passphrase(args) if session.state == "new" else None
        proctor = _proctor(args) if session.state == "running" else None
        status = run(
            session,
            steps,
            passphrase,
            resume=args.resume,
            submit=not args.no_submit,
            ack=(lambda line: print(line, flush=True)) if args.ack else None,
            proctor=proctor,
            grant_downtime=args.grant_downtime,
        )
        landed = getattr(session, "department_note", None)
        if landed:
            status["department_store"] = landed
            if not args.json:
                print(landed, file=sys.stderr)
        if args.out and session.results_path.is_file():
            out = Path(args.out)
            if out.is_dir():  # an existing folder: the results file keeps its own name inside it
                out = out / session.results_path.name
            shutil.copyfile(session.results_path, out)
            status["results"] = str(out)
    finally:
        session.close()
    if args.json:
        print_json(status)
    else:
        print(
            f"{status['candidate']} (attempt {status['attempt']}): {status['state']}, "
            f"{status['answered_questions']}/{status['n_questions']} questions answered; "
            f"results: {status['results'] or '(not yet)'}"
        )
    return 0


def _verify(args: argparse.Namespace) -> int:
    from imgtrainer.errors import ImgTrainerError
    from imgtrainer.exams.package import ExamPackage
    from imgtrainer.exams.results import final_answers, verify_results_file

    pkg = ExamPackage.open(args.package)
    secret = pkg.results_secret(_passphrase(args))
    rows, bad = [], 0
    for path in args.results:
        try:
            doc = verify_results_file(Path(path), pkg, secret)
            final = final_answers(doc)
            rows.append(
                {
                    "file": path,
                    "ok": True,
                    "candidate": doc["candidate"],
                    "attempt": int(doc.get("attempt", 1)),
                    "answers": sum(len(v) for v in final.values()),  # questions answered, as graded
                    "answer_records": len(doc["answers"]),  # every commit, revisions included
                }
            )
        except ImgTrainerError as exc:
            bad += 1
            rows.append({"file": path, "ok": False, "error": str(exc)})
    if args.json:
        print_json({"package": args.package, "ok": bad == 0, "results": rows})
    else:
        for r in rows:
            if r["ok"]:
                revised = r["answer_records"] - r["answers"]
                print(
                    f"OK  {r['file']}: candidate {r['candidate']} (attempt {r['attempt']}), "
                    f"{r['answers']} questions answered"
                    + (
                        f" ({revised} earlier answer(s) revised, kept in the audit log)"
                        if revised > 0
                        else ""
                    )
                )
            else:
                print(f"imgtrainer: error: TAMPERED/INVALID {r['error']}", file=sys.stderr)
    return 1 if bad else 0


def _grade(args: argparse.Namespace) -> int:
    from imgtrainer.exams.grading import candidate_feedback, grade
    from imgtrainer.exams.package import ExamPackage
    from imgtrainer.library._files import atomic_write_json

    output_file(args.output)
    if args.feedback_dir:
        output_folder(args.feedback_dir)
    pkg = ExamPackage.open(args.package)
    graded, failures = grade(pkg, _passphrase(args) or "", [Path(p) for p in args.results])
    atomic_write_json(Path(args.output), graded)
    if args.feedback_dir:
        for c in graded["candidates"]:
            atomic_write_json(
                Path(args.feedback_dir) / f"{c['candidate']}.feedback.json", candidate_feedback(graded, c)
            )
    for f in failures:
        print(f"imgtrainer: error: not graded: {f}", file=sys.stderr)
    summary = [
        {"candidate": c["candidate"], "score": c["score"], "passed": c["passed"]}
        for c in graded["candidates"]
    ]
    if args.json:
        print_json({"graded": args.output, "candidates": summary, "failed": failures})
    else:
        for c in summary:
            print(f"{c['candidate']}: {100 * c['score']:.1f}% {'PASS' if c['passed'] else 'FAIL'}")
        print(f"graded file: {args.output}")
    return 1 if failures else 0


def _report(args: argparse.Namespace) -> int:
    from imgtrainer.exams.report import build_report, load_graded, write_report

    out_dir = output_folder(args.output)
    if args.db or args.exam:
        from imgtrainer.cli._exam_department import report_from_store

        graded = report_from_store(args)
    elif not args.graded:
        raise UsageError("exam report needs graded files, or --db URL --exam ID to read the department store")
    else:
        graded = load_graded([Path(p) for p in args.graded])
    paths = write_report(graded, out_dir, Path(args.roster) if args.roster else None)
    if args.json:
        print_json({"files": {k: str(v) for k, v in paths.items()}, **build_report(graded)["summary"]})
    else:
        for p in paths.values():
            print(p)
    return 0


def register(subparsers: Any) -> None:
    exam = subparsers.add_parser("exam", help="timed image-review exams: build, take, verify, grade, report")
    sub = exam.add_subparsers(dest="exam_command", metavar="SUBCOMMAND", required=True)

    b = sub.add_parser("build", help="build a sealed, signed exam package")
    b.add_argument("cases", nargs="*", help="case folders or case ids (default: filter the library)")
    b.add_argument("--library", help="library folder (default: the bundled demo library)")
    b.add_argument("--domain", action="append", help="only this application (repeatable)")
    b.add_argument("--difficulty", action="append", type=int, choices=(1, 2, 3))
    b.add_argument("--tag", action="append", help="cases with this tag (repeatable: any of them)")
    b.add_argument("--limit", type=number(int, 1), help="at most this many cases")
    b.add_argument("--question-set", help="taxonomy question set name (default: each case's own)")
    b.add_argument("--questions", help="comma-separated question ids instead of a set")
    b.add_argument("--time-limit", type=number(float, 0, lo_open=True), help="whole-exam limit, minutes")
    b.add_argument("--case-time-limit", type=number(float, 0, lo_open=True), help="per-case limit, seconds")
    b.add_argument(
        "--randomise",
        choices=("none", "cases", "options", "both"),
        default="none",
        help="per-candidate order (seeded by candidate id)",
    )
    b.add_argument("--no-replay", action="store_true", help="clips play once")
    b.add_argument("--forward-only", action="store_true", help="no going back to earlier cases")
    b.add_argument("--pass-mark", type=number(float, 0, 1), default=0.7, help="fraction 0-1 (default 0.7)")
    b.add_argument(
        "--feedback", choices=("score", "full"), default="score", help="what candidates see after release"
    )
    b.add_argument("--title", default="POCUS image-review exam")
    b.add_argument(
        "--downtime",
        choices=("counts", "paused"),
        default="counts",
        help="does the clock run while the app is down after a crash? (default counts; the proctor can grant it back)",
    )
    b.add_argument(
        "--extra-time",
        action="append",
        metavar="CAND=MIN",
        help="extra minutes for a candidate (accommodation; repeatable)",
    )
    b.add_argument(
        "--proctor-pin", help="a PIN that resumes attempts and adds time (instead of the passphrase)"
    )
    b.add_argument("--proctor-pin-file", help="file whose first line is the proctor PIN")
    b.add_argument(
        "-o",
        "--output",
        required=True,
        help="package file to write (e.g. exam.itexam; its folder must exist)",
    )
    b.add_argument("--json", action="store_true")
    _add_pass(b)
    b.set_defaults(handler=_build)

    t = sub.add_parser("take", help="take an exam non-interactively from an answers file")
    t.add_argument("package")
    t.add_argument("--candidate", required=True)
    t.add_argument("--answers", help='JSON: {"item-001" or "1": {question: answer}}')
    t.add_argument(
        "--resume",
        action="store_true",
        help="the proctor continues an interrupted attempt (passphrase or PIN)",
    )
    t.add_argument(
        "--grant-downtime",
        action="store_true",
        help="with --resume: give back the time the app was down (exams with --downtime counts)",
    )
    t.add_argument(
        "--retake", action="store_true", help="a new, numbered attempt (the earlier ones are kept)"
    )
    t.add_argument("--no-submit", action="store_true", help="leave the attempt open")
    t.add_argument("--ack", action="store_true", help="print 'ACK seq item question' after each commit")
    t.add_argument("--out", help="copy the signed results file here (a file, or an existing folder)")
    t.add_argument("--json", action="store_true")
    _add_pass(t, pin=True)
    t.set_defaults(handler=_take)

    register_admin(sub)

    v = sub.add_parser("verify", help="verify results files (fails closed)")
    v.add_argument("results", nargs="+")
    v.add_argument("--package", required=True)
    v.add_argument("--json", action="store_true")
    _add_pass(v)
    v.set_defaults(handler=_verify)

    g = sub.add_parser("grade", help="verify and score results files")
    g.add_argument("package")
    g.add_argument("results", nargs="+")
    g.add_argument("-o", "--output", default="graded.json")
    g.add_argument("--feedback-dir", help="write each candidate's releasable feedback here")
    g.add_argument("--json", action="store_true")
    _add_pass(g)
    g.set_defaults(handler=_grade)

    r = sub.add_parser(
        "report", help="CSV + PDF report with item analysis, and gradebook.csv for an LMS (see README)"
    )
    r.add_argument("graded", nargs="*", help="graded files (or read the store with --db/--exam)")
    r.add_argument("--db", metavar="URL", help="read verified results from the department store")
    r.add_argument("--exam", metavar="EXAM_ID", help="with --db: which exam")
    r.add_argument(
        "-o", "--output", required=True, help="output folder (created if missing; its parent must exist)"
    )
    r.add_argument("--roster", help="CSV with columns candidate,name: names for gradebook.csv")
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=_report)

    from imgtrainer.cli._exam_department import register as register_department

    register_department(sub)
