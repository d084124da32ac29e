"""``imgtrainer qa``: QA review of trainees' own (performed) scans.

Trainees ``submit`` a bedside study with their reading and see their own submissions with
``list --trainee``; faculty (``imgtrainer faculty login``) see the ``queue``, ``show`` any
submission, ``review`` it from a JSON file of grades, and ``export`` the reviews."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from imgtrainer.errors import ImgTrainerError, UsageError

APPS = ("airway", "lung", "gastric", "cardiac", "fast")


def qa_dir(args: argparse.Namespace) -> Path:
    """--qa-dir > IMGTRAINER_QA_DIR > <data dir>/qa (a shared folder in a department)."""
    given = args.qa_dir or os.environ.get("IMGTRAINER_QA_DIR")
    if given:
        folder = Path(given)
        creates = args.qa_command == "submit" or getattr(args, "op_command", "") == "add"
        if not folder.is_dir() and not creates:  # a typo must not look like "empty"
            where = "--qa-dir" if args.qa_dir else "IMGTRAINER_QA_DIR"
            raise ImgTrainerError(f"{folder}: no such QA folder ({where})")
        return folder
    from imgtrainer.qa.queue import default_qa_dir

    return default_qa_dir()


def _need_faculty(what: str) -> None:
    from imgtrainer.cli.cases import faculty_active

    if not faculty_active():
        raise ImgTrainerError(f"qa {what}: needs a faculty session (`imgtrainer faculty login`)")


def _store(args: argparse.Namespace):
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.store.engine import make_engine

    return AttemptStore(make_engine(args.db))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _submit(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import error, print_json
    from imgtrainer.qa.submission import new_submission, read_reading, submit_case, submit_files

    if bool(args.files) == bool(args.case):
        raise UsageError("qa submit: give FILE... or --case FOLDER (a received study), not both")
    if args.performed_on > datetime.now(UTC).date():
        raise UsageError(f"--performed-on: {args.performed_on} is in the future")
    reading = read_reading(Path(args.reading)) if args.reading else {}
    answers = reading["answers"] if isinstance(reading.get("answers"), dict) else reading
    note = reading.get("decision_note", "") if "answers" in reading else ""
    sources = [str(Path(f).resolve()) for f in (args.files or [args.case])]
    sub = new_submission(
        args.trainee,
        args.domain,
        args.performed_on,
        sources,
        views=args.view or [],
        supervision=args.supervision,
        reading=answers,
        decision_note=note,
        source="received study" if args.case else "files",
    )
    problems: list[tuple[str, str]] = []
    if args.case:
        folder = submit_case(Path(args.case), qa_dir(args), sub)
    else:
        missing = [f for f in args.files if not Path(f).exists()]
        if missing:
            raise ImgTrainerError(f"{missing[0]}: no such file")
        folder, problems = submit_files([Path(f) for f in args.files], qa_dir(args), sub, ocr=not args.no_ocr)
    for f, why in problems:
        error(f"{f}: left out of the submission: {why}")
    if args.json:
        print_json({"submission": sub.id, "folder": str(folder), "status": "submitted", "left_out": problems})
    else:
        print(f"submitted {sub.id} ({sub.domain}, performed {sub.performed_on}); waiting for review")
    return 1 if problems else 0


def _list(args: argparse.Namespace) -> int:
    """A trainee's own submissions with status (and feedback once reviewed)."""
    from imgtrainer.cli._common import print_json
    from imgtrainer.qa.queue import queue
    from imgtrainer.qa.review import reviews
    from imgtrainer.qa.submission import load_submission

    items = queue(qa_dir(args), trainee=args.trainee, statuses=())
    rows = []
    for it in items:
        d = it.to_dict()
        sub = load_submission(qa_dir(args) / it.id)
        d["reading_answers"] = len([k for k in sub.reading if k != "application"])
        d["source"] = sub.source
        d["feedback"] = [
            {"reviewer": r.reviewer, "verdict": r.verdict, "reason": r.reason, "feedback": r.feedback}
            for r in reviews(qa_dir(args) / it.id)
            if r.final
        ]
        rows.append(d)
    if args.json:
        print_json({"trainee": args.trainee, "submissions": rows})
        return 0
    if not rows:
        print(f"no submissions by {args.trainee}")
    for d in rows:
        reading = f"reading: {d['reading_answers']} answer(s)" if d["reading_answers"] else "no reading yet"
        print(f"{d['id']}  {d['domain']:<8} performed {d['performed_on']}  {d['status']}  {reading}")
        for f in d["feedback"]:
            print(f"    {f['reviewer']}: {f['verdict']}{' - ' + f['reason'] if f['reason'] else ''}")
            if f["feedback"]:
                print(f"      {f['feedback']}")
    return 0


def _queue(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json, warn
    from imgtrainer.qa.queue import queue

    qa_dir(args)  # a wrong folder is named before the session check
    _need_faculty("queue")
    problems: list[str] = []
    statuses = ("submitted", "in_review", "reviewed", "returned") if args.all else ("submitted", "in_review")
    items = queue(
        qa_dir(args),
        domain=args.domain,
        trainee=args.trainee,
        min_days=args.older_than,
        statuses=statuses,
        problems=problems,
    )
    for p in problems:
        warn(f"skipped {p}")
    if args.json:
        print_json({"queue": [i.to_dict() for i in items]})
        return 0
    if not items:
        print("the queue is empty")
    for i in items:
        who = f" ({', '.join(i.reviewers)})" if i.reviewers else ""
        print(
            f"{i.id}  {i.domain:<8} {i.trainee:<24} {i.views} view(s)  waited {i.days_waiting} d  {i.status}{who}"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.library.case_io import load_case
    from imgtrainer.qa.queue import find
    from imgtrainer.qa.review import reviews, status_of
    from imgtrainer.qa.submission import load_submission

    folder = find(qa_dir(args), args.submission)
    sub = load_submission(folder)
    if args.trainee:
        if sub.trainee != args.trainee:
            raise ImgTrainerError(f"{args.submission}: not a submission of {args.trainee}")
    else:
        _need_faculty("show")
    case = load_case(folder)
    revs = [r.model_dump(mode="json") for r in reviews(folder) if r.final or not args.trainee]
    out = {
        "submission": sub.model_dump(mode="json"),
        "status": status_of(folder),
        "folder": str(folder),
        "media": [{"path": m.path, "view": m.label} for m in case.media],
        "reviews": revs,
    }
    if args.json:
        print_json(out)
        return 0
    print(f"{sub.id}: {sub.domain} study by {sub.trainee}, performed {sub.performed_on}, {out['status']}")
    print(
        f"  supervision {sub.supervision}; {len(case.media)} view(s): {', '.join(m.label or m.path for m in case.media)}"
    )
    print(
        f"  reading: {len(sub.reading)} answer(s){'; decision: ' + sub.decision_note if sub.decision_note else ''}"
    )
    for r in revs:
        print(f"  review by {r['reviewer']}: {'final' if r['final'] else 'draft'}, verdict {r['verdict']}")
        for v in r["views"]:
            print(
                f"    view {v['media'] + 1}: ACEP {v['acep']}, as claimed: {'yes' if v['view_as_claimed'] else 'no'}"
            )
        if r.get("interpretation"):
            print(f"    interpretation agreement {r['interpretation']['score']:.0%} (practice scoring)")
        if r["feedback"]:
            print(f"    feedback: {r['feedback']}")
    return 0


def _review(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.qa.queue import find
    from imgtrainer.qa.review import finalise, parse_review, save_draft
    from imgtrainer.qa.submission import read_reading

    folder = find(qa_dir(args), args.submission)  # a wrong id is named before the session check
    _need_faculty("review")
    data = read_reading(Path(args.grades))
    if args.reviewer:
        data["reviewer"] = args.reviewer
    review = parse_review(data, args.grades)
    if args.draft:
        path = save_draft(folder, review)
        print(f"draft saved: {path}")
        return 0
    final = finalise(folder, review, _store(args))
    if args.json:
        print_json(final.model_dump(mode="json"))
        return 0
    score = final.interpretation["score"] if final.interpretation else None
    print(
        f"{args.submission}: reviewed by {final.reviewer}, verdict {final.verdict}"
        + (f", interpretation agreement {score:.0%}" if score is not None else "")
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    """Every final review as CSV (one row per review) for the programme's records."""
    import csv
    import io

    from imgtrainer.cli._common import output_file, print_json
    from imgtrainer.fileio import atomic_write_text
    from imgtrainer.qa.queue import queue
    from imgtrainer.qa.review import reviews

    qa_dir(args)  # a wrong folder is named before the session check
    _need_faculty("export")
    rows = []
    for it in queue(
        qa_dir(args), statuses=("reviewed", "returned"), domain=args.domain, trainee=args.trainee
    ):
        for r in reviews(qa_dir(args) / it.id):
            if not r.final:
                continue
            rows.append(
                {
                    "submission": it.id,
                    "trainee": it.trainee,
                    "application": it.domain,
                    "performed_on": it.performed_on,
                    "submitted_at": it.submitted_at,
                    "reviewed_at": r.updated_at.isoformat() if r.updated_at else "",
                    "reviewer": r.reviewer,
                    "mean_acep": round(sum(v.acep for v in r.views) / len(r.views), 2) if r.views else "",
                    "views_as_claimed": sum(v.view_as_claimed for v in r.views),
                    "views": len(r.views),
                    "interpretation_agreement": round(r.interpretation["score"], 3)
                    if r.interpretation
                    else "",
                    "verdict": r.verdict,
                    "reason": r.reason,
                }
            )
    if args.json:
        print_json({"reviews": rows})
        return 0
    buf = io.StringIO()
    fields = list(rows[0]) if rows else ["submission", "trainee", "application", "reviewer", "verdict"]
    w = csv.DictWriter(buf, fieldnames=fields)
    w.writeheader()
    w.writerows(rows)
    if args.output:
        atomic_write_text(output_file(args.output), buf.getvalue())
        print(f"{len(rows)} review(s) written to {args.output}")
    else:
        sys.stdout.write(buf.getvalue())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from imgtrainer.cli._common import number

    p = subparsers.add_parser(
        "qa", help="QA review of trainees' own scans: submit, queue, show, review, export"
    )
    sub = p.add_subparsers(dest="qa_command", metavar="SUBCOMMAND", required=True)

    def common(sp: argparse.ArgumentParser, db: bool = False) -> None:
        sp.add_argument(
            "--qa-dir", metavar="DIR", help="the QA folder (default: IMGTRAINER_QA_DIR or <data dir>/qa)"
        )
        sp.add_argument("--json", action="store_true")
        if db:
            sp.add_argument("--db", metavar="URL", help="store URL (default: the configured store)")

    s = sub.add_parser("submit", help="trainee: submit a bedside study you performed, with your reading")
    s.add_argument("files", nargs="*", metavar="FILE", help="DICOM/video files of the study")
    s.add_argument("--case", metavar="FOLDER", help="a received study (case folder) instead of files")
    s.add_argument("--trainee", required=True, metavar="NAME")
    s.add_argument("--domain", required=True, choices=APPS)
    s.add_argument("--view", action="append", metavar="VIEW", help="the view of each file, in order (repeat)")
    s.add_argument("--supervision", choices=("direct", "indirect", "none"), default="none")
    s.add_argument("--performed-on", type=_date, default=datetime.now(UTC).date(), metavar="YYYY-MM-DD")
    s.add_argument(
        "--reading",
        metavar="FILE",
        help='your reading: {"answers": {...practice format...}, "decision_note": "..."}',
    )
    s.add_argument("--no-ocr", action="store_true", help="skip the OCR check of burned-in text")
    common(s)
    s.set_defaults(handler=_submit)

    ls = sub.add_parser("list", help="trainee: your submissions, their status and feedback")
    ls.add_argument("--trainee", required=True, metavar="NAME")
    common(ls)
    ls.set_defaults(handler=_list)

    q = sub.add_parser("queue", help="faculty: submissions waiting for review, oldest first")
    q.add_argument("--domain", choices=APPS)
    q.add_argument("--trainee", metavar="NAME")
    q.add_argument("--older-than", type=number(int, 0), default=0, metavar="DAYS")
    q.add_argument("--all", action="store_true", help="also reviewed and returned ones")
    common(q)
    q.set_defaults(handler=_queue)

    sh = sub.add_parser("show", help="one submission: views, reading, reviews")
    sh.add_argument("submission", metavar="SUBMISSION")
    sh.add_argument("--trainee", metavar="NAME", help="as that trainee (own submissions only, final reviews)")
    common(sh)
    sh.set_defaults(handler=_show)

    r = sub.add_parser("review", help="faculty: grade a submission from a JSON file")
    r.add_argument("submission", metavar="SUBMISSION")
    r.add_argument(
        "--grades",
        required=True,
        metavar="FILE",
        help='{"reviewer": "...", "views": [{"media": 0, "acep": 4, "view_as_claimed": true}], '
        '"answers": {key.json answers}, "feedback": "...", "verdict": "counts|does_not_count|returned", "reason": "..."}',
    )
    r.add_argument("--reviewer", metavar="NAME", help="overrides the file's reviewer")
    r.add_argument("--draft", action="store_true", help="save as a draft (not final, no logbook entry)")
    common(r, db=True)
    r.set_defaults(handler=_review)

    e = sub.add_parser("export", help="faculty: every final review as CSV (or JSON)")
    e.add_argument("--domain", choices=APPS)
    e.add_argument("--trainee", metavar="NAME")
    e.add_argument("-o", "--output", metavar="CSV")
    common(e)
    e.set_defaults(handler=_export)

    from imgtrainer.cli._qa_device import register_device

    register_device(sub, common)
