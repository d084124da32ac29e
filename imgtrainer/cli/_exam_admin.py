"""``imgtrainer exam status``, ``exam add-time`` and ``exam grant-downtime``: the proctor's view
of the sessions on this computer and the logged time changes."""

from __future__ import annotations

import argparse
from typing import Any

from imgtrainer.cli._common import print_json
from imgtrainer.cli._exam_auth import _add_pass, _proctor


def _time_change(args: argparse.Namespace) -> int:
    from imgtrainer.exams.session import ExamSession

    session = ExamSession.open(args.package, args.candidate)
    try:
        credential = _proctor(args)
        if args.exam_command == "add-time":
            seconds = args.minutes * 60
            session.add_time(credential, seconds, args.reason or "")
        else:
            seconds = session.grant_downtime(
                credential, None if args.minutes is None else args.minutes * 60, args.reason or "downtime"
            )
        status = session.status()
    finally:
        session.close()
    what = "added" if args.exam_command == "add-time" else "granted back"
    if args.json:
        print_json({"candidate": args.candidate, "seconds": seconds, "action": args.exam_command, **status})
    else:
        left = status["remaining_s"]
        print(
            f"{args.candidate} (attempt {status['attempt']}): {seconds / 60:.1f} min {what}, logged; "
            + ("no time limit" if left is None else f"{_mmss(left)} left")
        )
    return 0


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _status(args: argparse.Namespace) -> int:
    from imgtrainer.exams.package import ExamPackage
    from imgtrainer.exams.placement import parse_stem, sessions_dir
    from imgtrainer.exams.session import ExamSession

    if not args.package:
        base = sessions_dir()
        exams = {
            d.name: [
                {"candidate": c, "attempt": n}
                for c, n in sorted(parse_stem(p.stem) for p in d.glob("*.sqlite"))
            ]
            for d in sorted(base.glob("*"))
            if d.is_dir()
        }
        if args.json:
            print_json({"sessions_dir": str(base), "exams": exams})
            return 0
        print(f"Exam sessions on this computer ({base}):")
        if not exams:
            print("  none")
        for exam_id, rows in exams.items():
            who = ", ".join(
                f"{r['candidate']}" + (f" (attempt {r['attempt']})" if r["attempt"] > 1 else "") for r in rows
            )
            print(f"  exam {exam_id}: {who or 'no candidate yet'}")
        print("Give the package file for each candidate's progress and time: imgtrainer exam status PKG")
        return 0
    pkg = ExamPackage.open(args.package)
    folder = sessions_dir() / pkg.exam_id
    stems = sorted(parse_stem(p.stem) for p in folder.glob("*.sqlite"))
    if args.candidate:
        stems = [(c, n) for c, n in stems if c == args.candidate] or [(args.candidate, 1)]
    rows = []
    for cand, n in stems:
        s = ExamSession(pkg, cand, attempt=n)
        rows.append(s.status())
        s.close()
    settings = pkg.settings
    info = {
        "package": str(pkg.path),
        "exam_id": pkg.exam_id,
        "title": settings.get("title", ""),
        "created_at": pkg.exam.get("created_at"),
        "n_items": len(pkg.items),
        "settings": settings,
        "sessions": rows,
    }
    if args.json:
        print_json(info)
        return 0
    limit = settings.get("time_limit_s")
    print(
        f"{info['title']}  (exam {pkg.exam_id}, built {str(info['created_at'] or '-')[:16].replace('T', ' ')})"
    )
    print(
        f"  {len(pkg.items)} cases; time limit {_mmss(limit) if limit else 'none'}"
        + (f", {settings['case_time_limit_s']:.0f} s per case" if settings.get("case_time_limit_s") else "")
        + f"; downtime {settings.get('downtime', 'paused')}; pass mark {100 * settings['pass_mark']:.0f}%"
        + ("; proctor PIN set" if pkg.exam.get("proctor_pin") else "")
    )
    if not rows:
        print("  no candidate has started on this computer")
    for r in rows:
        left = "no limit" if r["remaining_s"] is None else f"{_mmss(r['remaining_s'])} left"
        state = r["state"] + (f" ({r['submit_reason']})" if r["submit_reason"] else "")
        print(
            f"  {r['candidate']} attempt {r['attempt']}: {state}, {r['answered_questions']}/{r['n_questions']} "
            f"answered, {_mmss(r['elapsed_s'])} used, {left}"
        )
        from imgtrainer.exams.proctor import describe

        notes = describe(r)
        if notes:
            print(f"      {notes}")
    return 0


def register_admin(sub: Any) -> None:
    for name, helptext in (
        ("add-time", "the proctor gives a candidate more time (logged in the audit log)"),
        ("grant-downtime", "the proctor gives back time counted while the app was down (logged)"),
    ):
        a = sub.add_parser(name, help=helptext)
        a.add_argument("package")
        a.add_argument("--candidate", required=True)
        a.add_argument(
            "--minutes", type=float, required=name == "add-time", help="minutes (grant: default all of it)"
        )
        a.add_argument("--reason", help="why (written to the audit log)")
        a.add_argument("--json", action="store_true")
        _add_pass(a, pin=True)
        a.set_defaults(handler=_time_change)

    s = sub.add_parser("status", help="sessions on this computer (and time left)")
    s.add_argument("package", nargs="?")
    s.add_argument("--candidate")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_status)
