"""``imgtrainer exam collect`` and ``exam report --db``: exam results in the department store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imgtrainer.errors import ExamError


def _collect(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json
    from imgtrainer.cli.exam import _passphrase
    from imgtrainer.exams.department import collect
    from imgtrainer.exams.package import ExamPackage
    from imgtrainer.store.engine import make_engine

    folder = Path(args.folder)
    if folder.is_file():
        files = [folder]
    elif folder.is_dir():
        files = sorted(
            p for p in folder.rglob("*.json") if p.is_file() and not p.name.endswith(".feedback.json")
        )
    else:
        raise ExamError(f"{folder}: no such folder or file")
    pkg = ExamPackage.open(args.package)
    files = [f for f in files if _looks_like_results(f)]
    if not files:
        raise ExamError(f"{folder}: no exam results files (*.json with format imgtrainer-exam-results)")
    report = collect(make_engine(args.db), files, pkg, _passphrase(args) or "")
    if args.json:
        print_json(report.to_dict())
    else:
        for r in report.stored:
            print(f"stored {r['file']}: {r['candidate']} {100 * r['score']:.1f}%")
        for r in report.refused:
            print(f"imgtrainer: error: refused {r['error']}", file=sys.stderr)
        print(f"{len(report.stored)} stored, {len(report.refused)} refused")
    return 1 if report.refused else 0


def _looks_like_results(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return True  # let collect report the error
    return b"imgtrainer-exam-results" in head or b'"answers"' in head


def report_from_store(args: argparse.Namespace):
    """The graded exam for ``exam report --db URL --exam ID``."""
    from imgtrainer.exams.department import graded_from_store
    from imgtrainer.store.engine import make_engine

    if not args.exam:
        raise ExamError("exam report --db needs --exam EXAM_ID")
    return graded_from_store(make_engine(args.db), args.exam)


def register(sub: argparse._SubParsersAction) -> None:
    from imgtrainer.cli.exam import _add_pass

    c = sub.add_parser(
        "collect",
        help="verify, grade and store results files from a folder or USB stick (refuses duplicates)",
    )
    c.add_argument("folder", metavar="DIR", help="folder (searched recursively) or one results file")
    c.add_argument("--package", required=True, help="the exam package the results were taken on")
    c.add_argument("--db", metavar="URL", help="department store (default: the configured store)")
    c.add_argument("--json", action="store_true")
    _add_pass(c)
    c.set_defaults(handler=_collect)
