"""Faculty commands: agreement between raters, adjudication, password, annotation exchange."""

from __future__ import annotations

import argparse
import getpass
import math
import os
import sys
from pathlib import Path

from imgtrainer.cli._common import output_file, print_json, warn
from imgtrainer.errors import CaseFormatError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("agreement", help="inter-rater agreement over a library (kappa, ICC, mark F1)")
    p.add_argument("library", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_agreement)

    p = sub.add_parser("adjudicate", help="build a case's consensus key from its raters' keys")
    p.add_argument("case", type=Path, help="case folder")
    p.add_argument("--adjudicator", required=True)
    p.add_argument(
        "--decisions",
        type=Path,
        help='JSON list of {"question": id, "rater": name, "mark": index|null, "accept": bool}',
    )
    p.add_argument("--prefer", help="accept this rater's answer wherever raters disagree")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_adjudicate)

    p = sub.add_parser("faculty", help="faculty mode: password and annotation exchange")
    fsub = p.add_subparsers(dest="faculty_command", metavar="ACTION", required=True)
    s = fsub.add_parser(
        "set-password",
        help="set or change the faculty password (prompted, or read from stdin)",
        description="On a terminal you are prompted (nothing is echoed): first for the CURRENT password "
        "when one is already set, then for the new one. Without a terminal both are read from stdin, "
        "one per line, current first (only when one is set), e.g. "
        'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | imgtrainer faculty set-password. '
        "The first password needs no current one.",
    )
    s.set_defaults(handler=_set_password)
    s = fsub.add_parser(
        "login", help="open a faculty session for the CLI (cases list then shows every case and its status)"
    )
    s.add_argument("--hours", type=float, default=8.0, help="how long the session lasts (default 8)")
    s.set_defaults(handler=_login)
    s = fsub.add_parser("logout", help="end the CLI faculty session")
    s.set_defaults(handler=_logout)
    s = fsub.add_parser("export", help="export a case's annotations (case + all keys) as one JSON file")
    s.add_argument("case", type=Path)
    s.add_argument("-o", "--output", type=Path, required=True)
    s.set_defaults(handler=_export)
    s = fsub.add_parser("import", help="import annotations exported by `faculty export` into a case folder")
    s.add_argument("bundle", type=Path)
    s.add_argument("case", type=Path)
    s.set_defaults(handler=_import)
    s = fsub.add_parser("export-sr", help="export a key's measurements, marks and findings as DICOM SR")
    s.add_argument("case", type=Path)
    s.add_argument("-o", "--output", type=Path, required=True)
    s.add_argument("--rater", help="export keys/<rater>.json (default: the consensus key.json)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_export_sr)


def _fmt(v: float | None) -> str:
    return "  n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:5.2f}"


def _agreement(args: argparse.Namespace) -> int:
    from imgtrainer.annotate.report import library_agreement

    if not args.library.is_dir():
        raise CaseFormatError(
            f"{args.library}: {'not a folder' if args.library.exists() else 'library folder not found'}"
        )
    report = library_agreement(args.library)
    for p in report.problems:
        warn(p)
    if not report.cases_with_multiple_raters:
        if args.json:
            print_json(report.to_dict())
        raise CaseFormatError(
            f"{args.library}: no case with keys from two or more raters (keys/<rater>.json): nothing to compare"
        )
    if args.json:
        print_json(report.to_dict())
        return 0
    print(
        f"{report.cases_with_multiple_raters} cases with 2+ raters; raters: {', '.join(report.raters) or '-'}"
    )
    print(f"{'item':32} {'statistic':15} {'value':>5} {'cases':>5} {'raters':>6} {'%agree':>6}")
    for s in report.statistics:
        pa = "" if s.percent_agreement is None else f"{100 * s.percent_agreement:5.0f}%"
        print(f"{s.item:32} {s.statistic:15} {_fmt(s.value)} {s.n_cases:5d} {s.n_raters:6d} {pa:>6}")
    for c in report.cases:
        print(
            f"case {c.case_id}: {c.questions_identical}/{c.questions_compared} answers identical, mark F1 {_fmt(c.mean_mark_f1)}"
        )
    return 0


def _adjudicate(args: argparse.Namespace) -> int:
    from imgtrainer.annotate.adjudicate import Adjudication
    from imgtrainer.library.case_io import load_case, load_rater_keys, read_json, save_key

    decisions = read_json(args.decisions) if args.decisions else []  # a bad file fails before any work
    if not isinstance(decisions, list) or not all(isinstance(d, dict) for d in decisions):
        raise CaseFormatError(f"{args.decisions}: expected a JSON list of decision objects")
    case = load_case(args.case)
    keys = load_rater_keys(args.case)
    adj = Adjudication.start(case.id, keys)
    for i, d in enumerate(decisions, 1):
        try:
            adj.decide(d["question"], d["rater"], bool(d["accept"]), d.get("mark"))
        except KeyError as exc:
            raise CaseFormatError(f"{args.decisions}: decision {i}: no {exc.args[0]!r} field") from None
        except (ValueError, TypeError) as exc:
            raise CaseFormatError(f"{args.decisions}: decision {i}: {exc}") from None
    if args.prefer:
        if args.prefer not in keys:
            raise CaseFormatError(f"{args.case}: no key from rater {args.prefer!r} (raters: {sorted(keys)})")
        for item in adj.pending:
            item.accepted = item.rater == args.prefer
    key = adj.consensus(args.adjudicator)
    path = save_key(args.case, key)
    if args.json:
        print_json(
            {"case": case.id, "key": str(path), "agreed_by": key.agreed_by, "answers": len(key.answers)}
        )
    else:
        print(f"{case.id}: consensus key with {len(key.answers)} answers written to {path}")
    return 0


def _set_password(_args: argparse.Namespace) -> int:
    from imgtrainer.annotate.auth import has_faculty_password, set_faculty_password
    from imgtrainer.resources import data_dir

    home = data_dir()
    interactive = sys.stdin.isatty()
    current = None
    if has_faculty_password(home):
        current = getpass.getpass("current password: ") if interactive else sys.stdin.readline().rstrip("\n")
    new = getpass.getpass("new password: ") if interactive else sys.stdin.readline().rstrip("\n")
    set_faculty_password(home, new, current)
    print("faculty password set")
    return 0


def _read_password(prompt: str) -> str:
    return getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")


def _login(args: argparse.Namespace) -> int:
    from imgtrainer.annotate.auth import start_faculty_session
    from imgtrainer.resources import data_dir

    until = start_faculty_session(data_dir(), _read_password("faculty password: "), args.hours)
    print(f"faculty session open until {until.astimezone().strftime('%Y-%m-%d %H:%M')}")
    return 0


def _logout(_args: argparse.Namespace) -> int:
    from imgtrainer.annotate.auth import end_faculty_session
    from imgtrainer.resources import data_dir

    print("faculty session ended" if end_faculty_session(data_dir()) else "no faculty session was open")
    return 0


def _export(args: argparse.Namespace) -> int:
    from imgtrainer.library._files import atomic_write_json
    from imgtrainer.library.case_io import load_case, load_key, load_rater_keys

    output_file(args.output)
    case = load_case(args.case)
    consensus = load_key(args.case)
    bundle = {
        "format": "imgtrainer-annotations",
        "schema_version": 1,
        "case": case.model_dump(mode="json"),
        "consensus": consensus.model_dump(mode="json") if consensus else None,
        "raters": {r: k.model_dump(mode="json") for r, k in load_rater_keys(args.case).items()},
    }
    atomic_write_json(args.output, bundle)
    print(f"{case.id}: annotations of {len(bundle['raters'])} raters exported to {args.output}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from imgtrainer.library._files import validation_message
    from imgtrainer.library.case_io import load_case, read_json, save_key
    from imgtrainer.library.models import AnswerKey

    data = read_json(args.bundle)
    if not isinstance(data, dict) or data.get("format") != "imgtrainer-annotations":
        raise CaseFormatError(f"{args.bundle}: not an imgtrainer annotations file (field format)")
    case = load_case(args.case)
    written = []
    try:
        keys = [AnswerKey.model_validate(k) for k in (data.get("raters") or {}).values()]
        if data.get("consensus"):
            keys.append(AnswerKey.model_validate(data["consensus"]))
    except ValidationError as exc:
        raise CaseFormatError(validation_message(args.bundle, exc)) from exc
    for key in keys:
        if key.case_id != case.id:
            raise CaseFormatError(
                f"{args.bundle}: key for case {key.case_id!r}, but {args.case} is {case.id!r}"
            )
        written.append(os.fspath(save_key(args.case, key)))
    print(f"{case.id}: imported {len(written)} keys")
    return 0


def _export_sr(args: argparse.Namespace) -> int:
    from imgtrainer.annotate.sr import export_sr

    output_file(args.output)
    path = export_sr(args.case, args.output, args.rater)
    if args.json:
        print_json({"case": os.fspath(args.case), "rater": args.rater, "sr": os.fspath(path)})
    else:
        print(f"{args.case}: DICOM SR of the {args.rater or 'consensus'} key written to {path}")
    return 0
