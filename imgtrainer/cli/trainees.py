"""``imgtrainer trainees``: add trainees (an id and a display name, in a group such as
"PGY-2 2026"), list them, move one to another group. Names need not be unique; wherever a
command takes ``--trainee``, a shared name is refused with the matching ids."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime


def _dir(args: argparse.Namespace):
    from imgtrainer.progress.trainees import TraineeDirectory
    from imgtrainer.store.engine import make_engine

    return TraineeDirectory(make_engine(args.db))


def _add(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json

    d = _dir(args)
    same = [t for t in d.list() if t.name == " ".join(args.name.split())]
    t = d.add(args.name, datetime.now(UTC), group=args.group or "")
    if args.json:
        print_json({**t.to_dict(), "same_name": [x.to_dict() for x in same]})
        return 0
    print(f"added {t.label()}")
    if same:
        print(
            f"note: {len(same)} other trainee(s) already use this name; refer to this one by id {t.short_id}"
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    from imgtrainer.cli._common import print_json

    d = _dir(args)
    rows = d.list(args.group)
    counts = d.attempt_counts()
    if args.json:
        print_json({"trainees": [{**t.to_dict(), "attempts": counts.get(t.id, 0)} for t in rows]})
        return 0
    if not rows:
        print("no trainees" + (f" in group {args.group!r}" if args.group else ""))
        return 0
    print(f"{'id':<10} {'name':<30} {'group':<20} {'attempts':>8}")
    for t in rows:
        print(f"{t.short_id:<10} {t.name:<30} {t.group:<20} {counts.get(t.id, 0):>8}")
    return 0


def _set_group(args: argparse.Namespace) -> int:
    t = _dir(args).set_group(args.trainee, args.group)
    print(f"{t.label()}")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    from pathlib import Path

    from imgtrainer.cli._common import output_file
    from imgtrainer.fileio import atomic_write_text
    from imgtrainer.progress.enrolment import create_department_key, load_department_key, make_card

    out = output_file(args.output)
    t = _dir(args).get(args.trainee)
    key_path = Path(args.department_key)
    if not key_path.exists():
        create_department_key(key_path)
        print(f"created the department key {key_path}: keep it private and backed up", file=sys.stderr)
    card = make_card(load_department_key(key_path), t.to_dict())
    import json

    atomic_write_text(out, json.dumps(card, indent=1) + "\n", private=True)
    print(f"enrolment card for {t.label()} written to {out}: hand it to the trainee (it signs their bundles)")
    return 0


def _join(args: argparse.Namespace) -> int:
    from imgtrainer.progress.enrolment import keep_card, read_card

    card = read_card(args.card)
    info = card["trainee"]
    d = _dir(args)
    from imgtrainer.progress.trainees import Trainee  # noqa: F401  (type of d.find)

    existing = d.find(info["id"]) if len(info["id"]) == 36 else None
    if existing is None:
        created = datetime.fromisoformat(info.get("created_at") or datetime.now(UTC).isoformat())
        existing = d.add(info["name"], created, group=info.get("group", ""), uuid=info["id"])
    keep_card(card)
    print(f"joined as {existing.label()}: this computer can now export signed progress bundles")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("trainees", help="trainees and their groups: add, list, set-group")
    sub = p.add_subparsers(dest="trainees_command", metavar="SUBCOMMAND", required=True)

    def db(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", metavar="URL", help="store URL (default: the configured store)")

    a = sub.add_parser("add", help="add a trainee (always a new one: names may repeat)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--group", metavar="G", help='e.g. "PGY-2 2026"')
    a.add_argument("--json", action="store_true")
    db(a)
    a.set_defaults(handler=_add)
    ls = sub.add_parser("list", help="trainees with their ids, groups and finished attempts")
    ls.add_argument("--group", metavar="G")
    ls.add_argument("--json", action="store_true")
    db(ls)
    ls.set_defaults(handler=_list)
    g = sub.add_parser("set-group", help="move a trainee to a group")
    g.add_argument("trainee", metavar="NAME_OR_ID")
    g.add_argument("group", metavar="GROUP")
    db(g)
    g.set_defaults(handler=_set_group)
    e = sub.add_parser(
        "enrol", help="director: write a trainee's enrolment card (signs their progress bundles)"
    )
    e.add_argument("trainee", metavar="NAME_OR_ID")
    e.add_argument("--department-key", required=True, metavar="FILE", help="created on first use, private")
    e.add_argument("-o", "--output", required=True, metavar="CARD")
    db(e)
    e.set_defaults(handler=_enrol)
    j = sub.add_parser(
        "join", help="laptop: become the trainee of an enrolment card (same id as the department)"
    )
    j.add_argument("card", metavar="CARD")
    db(j)
    j.set_defaults(handler=_join)
