"""``imgtrainer progress``: a trainee's logbook vs ASRA minimums, learning curves, PDF portfolio;
``imgtrainer progress log-scan`` records a Level 1 bedside scan."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

from imgtrainer.cli._common import number, output_file
from imgtrainer.errors import ImgTrainerError, UsageError
from imgtrainer.library.models import DOMAINS

_rate = number(float, 0, 1, lo_open=True)  # a probability strictly above 0, at most 1


def _params(args: argparse.Namespace):
    from imgtrainer.progress.cusum import CusumParams
    from imgtrainer.progress.logbook import LogbookParams

    try:  # each option's range is checked by argparse; what is left is how they go together
        cp = CusumParams(p0=args.p0, p1=args.p1, alpha=args.alpha, beta=args.beta, horizon=args.horizon)
    except ValueError as exc:
        raise UsageError(f"--p0/--p1/--alpha/--beta/--horizon: {exc}") from None
    return LogbookParams(
        threshold=args.threshold,
        mastery_streak=args.mastery_streak,
        maintenance_days=args.maintenance_days,
        cusum=cp,
    )


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _report(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.progress.logbook import logbook_for
    from imgtrainer.progress.trainees import TraineeDirectory
    from imgtrainer.store.engine import make_engine

    params = _params(args)
    if args.pdf:
        output_file(args.pdf)
    store = AttemptStore(make_engine(args.db))
    if not args.trainee:
        known = store.trainees()
        raise ImgTrainerError(f"progress needs --trainee NAME (known: {', '.join(known) or 'none yet'})")
    trainee = TraineeDirectory(store.engine).get(args.trainee)
    book = logbook_for(store, trainee.uuid, datetime.now(UTC), params)
    book.trainee = trainee.name
    if args.pdf:
        from imgtrainer.progress.report import write_portfolio

        write_portfolio(book, args.pdf)
    if args.json:
        data = book.to_dict()
        data["trainee_id"] = trainee.uuid
        if args.pdf:
            data["pdf"] = str(args.pdf)
        print_json(data)
        return 0
    studies = sum(d.interpret_studies for d in book.domains)
    print(
        f"Trainee {book.trainee}: {book.attempts} finished attempt(s) on {studies} distinct case(s), "
        f"passed {_pct(book.accuracy)} of the attempts (a case passes at a score >= "
        f"{book.params.threshold * 100:.0f}%)"
    )
    print(
        "L2 counts distinct cases toward the ASRA minimum (a repeated case counts once); "
        "passed, streak and CUSUM count every attempt"
    )
    row = "{:<12} {:>10} {:>9} {:>9} {:>6} {:>6}  {:<12} {:<20} {}"
    print(
        row.format(
            "application",
            "L2 (min)",
            "L1 scans",
            "total",
            "acc",
            "streak",
            "CUSUM",
            "LC-CUSUM",
            "last practice",
        )
    )
    for d in book.domains:
        lc = f"competent at #{d.lc_cusum.competent_at}" if d.competent else "not yet"
        last = str(d.last_practice or "-") + (" MASTERED" if d.mastered else "")
        if d.maintenance_warning:
            last += f"  MAINTENANCE: not practised for {d.days_since_practice} days"
        print(
            row.format(
                d.domain,
                f"{d.interpret_studies}/{d.interpret_min}",
                d.bedside_scans,
                f"{d.total_studies}/{d.total_min}",
                _pct(d.accuracy),
                d.streak,
                d.cusum.status,
                lc,
                last,
            )
        )
    if book.findings:
        print(f"\n{'finding':<40} {'n':>4} {'sensitivity':>12} {'specificity':>12}")
        for f in book.findings:
            name = f"{f.domain}/{f.finding}" + (" (distractor)" if f.distractor else "")
            print(f"{name:<40} {f.n:>4} {_pct(f.sensitivity):>12} {_pct(f.specificity):>12}")
    if args.pdf:
        print(f"\nportfolio written to {args.pdf}")
    return 0


def _log_scan(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.store.engine import make_engine

    try:
        day = date.fromisoformat(args.date) if args.date else datetime.now(UTC).date()
    except ValueError:
        raise UsageError(f"--date {args.date}: not a date (YYYY-MM-DD)") from None
    store = AttemptStore(make_engine(args.db))
    sid = store.log_scan(
        args.trainee, args.domain, day, datetime.now(UTC), args.supervisor or "", args.notes or ""
    )
    n = len(store.scans(args.trainee, args.domain))
    if args.json:
        print_json(
            {
                "id": sid,
                "trainee": args.trainee,
                "domain": args.domain,
                "date": day.isoformat(),
                "supervisor": args.supervisor or "",
                "bedside_scans": n,
            }
        )
    else:
        print(
            f"logged Level 1 {args.domain} scan #{n} for {args.trainee} on {day.isoformat()}"
            + (f", supervised by {args.supervisor}" if args.supervisor else "")
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import output_file, print_json
    from imgtrainer.fileio import atomic_write_bytes
    from imgtrainer.progress.bundle import export_bundle
    from imgtrainer.store.engine import make_engine

    out = output_file(args.output)
    key = None
    if args.card:
        from imgtrainer.progress.enrolment import read_card

        key = bytes.fromhex(read_card(args.card)["key"])
    data = export_bundle(make_engine(args.db), args.trainee, datetime.now(UTC), key)
    atomic_write_bytes(out, data)
    import json

    rows = json.loads(data)["rows"]
    counts = {k: len(v) for k, v in rows.items()}
    if args.json:
        print_json({"bundle": str(out), "rows": counts})
    else:
        print(f"bundle written to {out}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from imgtrainer.cli._common import print_json
    from imgtrainer.progress.bundle import import_file
    from imgtrainer.store.engine import make_engine

    doc, report = import_file(make_engine(args.db), Path(args.bundle), args.department_key)
    if args.json:
        print_json({"trainee": doc["trainee"], **report.to_dict()})
    else:
        copied = ", ".join(f"{n} {k}" for k, n in report.copied.items() if n) or "nothing new"
        print(
            f"verified bundle of {doc['trainee']['name']} (id {doc['trainee']['id'][:8]}): imported {copied}"
        )
    return 0


def add_logbook_options(p: argparse.ArgumentParser) -> None:
    """The logbook parameters (shared by `progress` and `cohort`), each with its range."""
    p.add_argument(
        "--threshold",
        type=number(float, 0, 1, lo_open=True),
        default=0.8,
        help="case score counted as correct (0.8)",
    )
    p.add_argument("--p0", type=_rate, default=0.10, help="acceptable failure rate (0.10)")
    p.add_argument("--p1", type=_rate, default=0.30, help="unacceptable failure rate (0.30)")
    p.add_argument("--alpha", type=_rate, default=0.05, help="type I error (0.05)")
    p.add_argument("--beta", type=_rate, default=0.20, help="type II error (0.20)")
    p.add_argument(
        "--horizon", type=number(int, 1), default=100, help="cases monitored by the LC-CUSUM (100)"
    )
    p.add_argument(
        "--mastery-streak", type=number(int, 1), default=10, help="consecutive correct cases for mastery (10)"
    )
    p.add_argument(
        "--maintenance-days",
        type=number(int, 1),
        default=90,
        help="warn after this many days unpractised (90)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "progress",
        help="logbook vs ASRA minimums, learning curves (CUSUM, LC-CUSUM), PDF portfolio",
        description="A trainee's logbook per application against the ASRA minimums, accuracy and "
        "per-finding sensitivity/specificity, CUSUM and LC-CUSUM learning curves, mastery and "
        "maintenance. 'Correct' = case score >= --threshold; p0/p1 are failure rates.",
    )
    p.add_argument("--trainee", metavar="NAME")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--pdf", metavar="FILE", help="also write the competency portfolio PDF (its folder must exist)"
    )
    p.add_argument("--db", metavar="URL", help="database URL or SQLite path (default: user data dir)")
    add_logbook_options(p)
    p.set_defaults(handler=_report)
    sub = p.add_subparsers(dest="progress_command", metavar="SUBCOMMAND")
    s = sub.add_parser("log-scan", help="record a Level 1 bedside scan performed by the trainee")
    s.add_argument("--trainee", required=True, metavar="NAME")
    s.add_argument("--domain", required=True, choices=DOMAINS)
    s.add_argument("--date", metavar="YYYY-MM-DD", help="scan date (default today, UTC)")
    s.add_argument("--supervisor", metavar="NAME")
    s.add_argument("--notes", metavar="TEXT")
    s.add_argument("--db", metavar="URL")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_log_scan)
    e = sub.add_parser("export", help="write one trainee's signed progress bundle (for an air-gapped laptop)")
    e.add_argument("--trainee", required=True, metavar="NAME_OR_ID")
    e.add_argument("-o", "--output", required=True, metavar="FILE")
    e.add_argument("--card", metavar="FILE", help="enrolment card (default: the one joined on this computer)")
    e.add_argument("--db", metavar="URL")
    e.add_argument("--json", action="store_true")
    e.set_defaults(handler=_export)
    i = sub.add_parser("import", help="verify a progress bundle and add its rows to the store")
    i.add_argument("bundle", metavar="FILE")
    i.add_argument("--db", metavar="URL", help="department store (default: the configured store)")
    i.add_argument(
        "--department-key",
        metavar="FILE",
        help="department key (default: store.department_key in the config)",
    )
    i.add_argument("--json", action="store_true")
    i.set_defaults(handler=_import)
