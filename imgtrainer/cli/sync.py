"""``imgtrainer sync``: copy this computer's attempts, answers, finding outcomes and Level 1 scans
into the department store (idempotent, resumable; see ``imgtrainer.store.sync``)."""

from __future__ import annotations

import argparse

from imgtrainer.cli._common import number
from imgtrainer.errors import StoreError, UsageError


def _sync(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.store.config import resolve_department_url
    from imgtrainer.store.engine import make_engine
    from imgtrainer.store.sync import sync

    target_url = resolve_department_url(args.to)
    if target_url is None:
        raise UsageError(
            "sync needs --to URL (or IMGTRAINER_DEPARTMENT_URL, or store.department_url in the config file)"
        )
    source = make_engine(args.db)
    target = make_engine(target_url)
    if str(source.url) == str(target.url):
        raise StoreError("sync: --to and --db are the same database")
    report = sync(source, target, batch=args.batch)
    source.dispose()
    target.dispose()
    if args.json:
        print_json(report.to_dict())
        return 0 if report.complete else 1
    copied = ", ".join(f"{n} {k}" for k, n in report.copied.items() if n) or "nothing new"
    print(f"synced {report.source} -> {report.target}: copied {copied}")
    if report.in_progress_skipped:
        print(f"{report.in_progress_skipped} attempt(s) still in progress: they sync once finished")
    if not report.complete:
        print("incomplete: some rows are missing from the target; run sync again")
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sync",
        help="copy this computer's attempts and scans into the department store",
        description="Copy trainees, finished attempts (with answers and finding outcomes), Level 1 "
        "scans and raters that the department store lacks. Rows are append-only and keyed by UUID: "
        "running it again copies nothing, and a run killed half-way resumes where it stopped.",
    )
    p.add_argument(
        "--to",
        metavar="URL",
        help="department store (default: $IMGTRAINER_DEPARTMENT_URL or store.department_url in the config file)",
    )
    p.add_argument("--db", metavar="URL", help="this computer's store (default: the configured one)")
    p.add_argument("--batch", type=number(int, 1), default=20, help="attempts per transaction (20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_sync)
