"""``imgtrainer cohort``: the programme director's view of a group of trainees: per trainee and
application, Level 2 / Level 1 studies against the ASRA minimums, CUSUM / LC-CUSUM status, days
since last practice, the three weakest findings and the latest exam (JSON, CSV or PDF)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from imgtrainer.cli.progress import add_logbook_options


def _cohort(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import output_file, print_json
    from imgtrainer.cli.progress import _params
    from imgtrainer.progress.cohort import build_cohort, status_of
    from imgtrainer.store.engine import make_engine

    for path in (args.csv, args.pdf):
        if path:
            output_file(path)
    engine = make_engine(args.db)
    cohort = build_cohort(engine, datetime.now(UTC), args.group, _params(args))
    if args.csv:
        from imgtrainer.progress.cohort_report import write_cohort_csv

        write_cohort_csv(cohort, args.csv)
    if args.pdf:
        from imgtrainer.progress.cohort_report import write_cohort_pdf

        write_cohort_pdf(cohort, args.pdf)
    if args.json:
        data = cohort.to_dict()
        data.update({k: str(v) for k, v in (("csv", args.csv), ("pdf", args.pdf)) if v})
        print_json(data)
        return 0
    for e in cohort.entries:
        apps = "  ".join(
            f"{d.domain} {d.interpret_studies}/{d.interpret_min} {status_of(d)}"
            for d in e.book.domains
            if d.attempts
        )
        print(f"{e.trainee.name:<28} {e.trainee.group:<14} {e.attempts:>4} cases  {apps or '-'}")
    for what, path in (("CSV", args.csv), ("PDF", args.pdf)):
        if path:
            print(f"{what} written to {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "cohort",
        help="programme director's view of all trainees (JSON, CSV, PDF)",
        description="Per trainee and application: Level 2 interpretation and Level 1 performed studies "
        "against the ASRA minimums, CUSUM/LC-CUSUM status, days since last practice, three weakest "
        "findings and the latest exam result.",
    )
    p.add_argument("--db", metavar="URL", help="store URL (default: the configured store)")
    p.add_argument("--group", metavar="G", help="only this group of trainees")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", help="write one row per trainee and application")
    p.add_argument("--pdf", metavar="FILE", help="write the committee PDF (summary + a page per trainee)")
    add_logbook_options(p)  # the logbook parameters of `imgtrainer progress`
    p.set_defaults(handler=_cohort)
