"""``imgtrainer qa operators|claim-received|reading``: trainees' scans sent from a device.

Faculty keep the operator table (calling AE title or Operators' Name -> trainee);
``claim-received`` turns mapped received series into submissions (run it from cron or by hand);
the trainee then adds their reading with ``qa reading``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from imgtrainer.errors import ImgTrainerError

APPS = ("airway", "lung", "gastric", "cardiac", "fast")


def _operators(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.cli.qa import _need_faculty, qa_dir
    from imgtrainer.qa import operators

    folder = qa_dir(args)
    _need_faculty(f"operators {args.op_command}")
    if args.op_command == "add":
        row = operators.add(folder, args.trainee, args.ae, args.operator, args.domain)
        what = f"AE title {row.ae_title}" if row.ae_title else f"operator #{(row.operator_hash or '')[:10]}"
        if args.json:
            print_json({"added": {"trainee": row.trainee, "ae_title": row.ae_title, "domain": row.domain}})
        else:
            print(f"{what} -> {row.trainee}" + (f" ({row.domain})" if row.domain else ""))
        return 0
    if args.op_command == "remove":
        n = operators.remove(folder, args.ae, args.operator)
        if not n:
            raise ImgTrainerError("no such mapping in the operator table")
        print_json({"removed": n}) if args.json else print(f"removed {n} mapping(s)")
        return 0
    rows = operators.rows(folder)
    if args.json:
        print_json({"operators": rows})
        return 0
    if not rows:
        print("the operator table is empty")
    for r in rows:
        who = f"AE {r['ae_title']}" if r["ae_title"] else f"operator {r['operator']}"
        print(f"{who:<24} -> {r['trainee']}{'  (' + r['domain'] + ')' if r['domain'] else ''}")
    return 0


def _claim(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.cli.qa import qa_dir
    from imgtrainer.qa.device import claim_received, claims_json

    library = Path(args.library)
    if not library.is_dir():
        raise ImgTrainerError(f"{library}: no such library (--library)")
    claims = claim_received(library, qa_dir(args), settle_s=args.settle)
    if args.json:
        print_json({"claims": claims_json(claims)})
        return 0
    new = [c for c in claims if c.status == "submitted"]
    for c in claims:
        if c.status in ("submitted", "waiting", "failed", "not_filed"):
            extra = f": {c.reason}" if c.reason else ""
            print(f"{c.case_id}  {c.status}  {c.trainee or ''}  {c.submission or ''}{extra}")
    print(f"{len(new)} new submission(s); {sum(c.status == 'already' for c in claims)} already claimed")
    return 1 if any(c.status == "failed" for c in claims) else 0


def _reading(args: argparse.Namespace) -> int:
    """The trainee's reading of a study that arrived from a device (or a replacement of theirs)."""
    from imgtrainer.cli._common import print_json
    from imgtrainer.cli.qa import qa_dir
    from imgtrainer.library.case_io import load_case
    from imgtrainer.qa.queue import find
    from imgtrainer.qa.review import reviews
    from imgtrainer.qa.submission import check_reading, load_submission, read_reading, write_submission

    folder = find(qa_dir(args), args.submission)
    sub = load_submission(folder)
    if sub.trainee != args.trainee:
        raise ImgTrainerError(f"{args.submission}: not a submission of {args.trainee}")
    if any(r.final for r in reviews(folder)):
        raise ImgTrainerError(f"{args.submission}: already reviewed; the reading can no longer change")
    data = read_reading(Path(args.reading))
    answers = data["answers"] if isinstance(data.get("answers"), dict) else data
    answers = {**answers}
    answers.setdefault("application", sub.domain)
    check_reading(load_case(folder), answers)
    update = {"reading": answers}
    if "answers" in data:
        update["decision_note"] = str(data.get("decision_note", ""))
    if args.supervision:
        update["supervision"] = args.supervision
    if args.view:
        update["views"] = args.view
    write_submission(folder, sub.model_copy(update=update))
    if args.json:
        print_json({"submission": sub.id, "answers": len(answers)})
    else:
        print(f"{sub.id}: reading saved ({len(answers)} answer(s))")
    return 0


def register_device(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:
    op = sub.add_parser("operators", help="faculty: the table mapping a device AE or operator to a trainee")
    ops = op.add_subparsers(dest="op_command", metavar="ACTION", required=True)
    a = ops.add_parser("add", help="map a calling AE title or an Operators' Name to a trainee")
    a.add_argument("--trainee", required=True, metavar="NAME")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--ae", metavar="AE_TITLE", help="the device's calling AE title")
    g.add_argument("--operator", metavar="NAME", help="Operators' Name as the device writes it (kept hashed)")
    a.add_argument("--domain", choices=APPS, help="the application the device's studies are")
    common(a)
    a.set_defaults(handler=_operators)
    ls = ops.add_parser("list", help="the table (operators shown as a hash)")
    common(ls)
    ls.set_defaults(handler=_operators)
    r = ops.add_parser("remove", help="remove the mapping of an AE title or an Operators' Name")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--ae", metavar="AE_TITLE")
    g.add_argument("--operator", metavar="NAME")
    common(r)
    r.set_defaults(handler=_operators)

    c = sub.add_parser("claim-received", help="make submissions of received series mapped to trainees")
    c.add_argument(
        "--library", required=True, metavar="DIR", help="the intake library (`imgtrainer receive`)"
    )
    c.add_argument(
        "--settle", type=float, default=120.0, metavar="SECONDS", help="wait until a series is this quiet"
    )
    common(c)
    c.set_defaults(handler=_claim)

    rd = sub.add_parser("reading", help="trainee: add your reading to a submission (until it is reviewed)")
    rd.add_argument("submission", metavar="SUBMISSION")
    rd.add_argument("--trainee", required=True, metavar="NAME")
    rd.add_argument(
        "--reading", required=True, metavar="FILE", help='{"answers": {...}, "decision_note": "..."}'
    )
    rd.add_argument("--supervision", choices=("direct", "indirect", "none"))
    rd.add_argument("--view", action="append", metavar="VIEW", help="the view of each clip, in order")
    common(rd)
    rd.set_defaults(handler=_reading)
