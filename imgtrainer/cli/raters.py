"""``imgtrainer raters``: the faculty raters known to the store (add, list, retire)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime


def _dir(args: argparse.Namespace):
    from imgtrainer.annotate.raters import RaterDirectory
    from imgtrainer.store.engine import make_engine

    return RaterDirectory(make_engine(args.db))


def _add(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json

    r = _dir(args).add(args.name, datetime.now(UTC), role=args.role)
    if args.json:
        print_json(r.to_dict())
    else:
        print(f"added rater {r.name} ({r.role}, id {r.uuid[:8]})")
    return 0


def _list(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json

    rows = _dir(args).list(include_retired=args.all)
    if args.json:
        print_json({"raters": [r.to_dict() for r in rows]})
        return 0
    for r in rows:
        print(f"{r.uuid[:8]}  {r.name:<30} {r.role:<10} {'' if r.active else 'retired'}")
    if not rows:
        print("no raters")
    return 0


def _retire(args: argparse.Namespace) -> int:
    r = _dir(args).retire(args.rater)
    print(f"retired {r.name} (id {r.uuid[:8]}); what they signed keeps their name")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("raters", help="faculty raters in the store: add, list, retire")
    sub = p.add_subparsers(dest="raters_command", metavar="SUBCOMMAND", required=True)
    a = sub.add_parser("add", help="add a rater (names may repeat)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--role", default="faculty", help="e.g. faculty, expert (default faculty)")
    ls = sub.add_parser("list", help="raters (active ones unless --all)")
    ls.add_argument("--all", action="store_true", help="include retired raters")
    r = sub.add_parser("retire", help="mark a rater as no longer active (never deleted)")
    r.add_argument("rater", metavar="NAME_OR_ID")
    for sp, handler in ((a, _add), (ls, _list), (r, _retire)):
        sp.add_argument("--db", metavar="URL", help="store URL (default: the configured store)")
        sp.add_argument("--json", action="store_true")
        sp.set_defaults(handler=handler)
