"""``imgtrainer cases``: validate, list, show case libraries; show the taxonomy."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imgtrainer.cli._common import error, number, print_json
from imgtrainer.errors import CaseFormatError, UsageError


def _library_arg(args: argparse.Namespace) -> Path:
    from imgtrainer.resources import demo_library_dir

    lib = getattr(args, "library", None) or getattr(args, "library_pos", None)
    return Path(lib) if lib else demo_library_dir()


def _taxonomies(args: argparse.Namespace) -> dict:
    from imgtrainer.library.taxonomy_io import load_all_taxonomies

    return load_all_taxonomies(_taxonomy_dir(args))


def _taxonomy_dir(args: argparse.Namespace) -> Path | None:
    """--taxonomy-dir, checked: a mistyped folder must not read as 'no taxonomies at all'."""
    if not getattr(args, "taxonomy_dir", None):
        return None
    directory = Path(args.taxonomy_dir)
    if not directory.is_dir():
        raise CaseFormatError(f"{directory}: taxonomy folder not found")
    return directory


def _cmd_validate(args: argparse.Namespace) -> int:
    from imgtrainer.errors import TaxonomyError
    from imgtrainer.library.taxonomy_io import available_domains, load_taxonomy
    from imgtrainer.library.validate import Problem, find_case_folders, validate_library

    target = Path(args.dir)
    if not target.is_dir():
        raise CaseFormatError(f"{target}: {'not a folder' if target.exists() else 'folder not found'}")
    if not find_case_folders(target):
        raise CaseFormatError(f"{target}: no case folders found (a case folder holds a case.json)")
    problems: list[Problem] = []
    directory = _taxonomy_dir(args)
    taxonomies = {}
    for domain in available_domains(directory):
        try:
            taxonomies[domain] = load_taxonomy(domain, directory)
        except TaxonomyError as exc:  # cases of that application are then reported unchecked
            file, _, rest = str(exc).partition(": ")
            if not any(p.file == file and p.message == rest for p in problems):
                problems.append(Problem(file, "", rest or str(exc)))
    show = sys.stderr.isatty() and not args.json

    def on_case(i: int, total: int, _folder: Path) -> None:
        if show:
            sys.stderr.write(f"\rvalidating {i}/{total}")
            sys.stderr.flush()

    problems += validate_library(target, taxonomies, open_media=not args.no_media, on_case=on_case)
    if show:
        sys.stderr.write("\n")
    n_cases = len(find_case_folders(target))
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if args.json:
        print_json(
            {
                "library": str(target),
                "cases": n_cases,
                "errors": len(errors),
                "warnings": len(warnings),
                "valid": not errors,
                "problems": [p.to_dict() for p in problems],
            }
        )
    else:
        for p in problems:
            print(p)
        print(f"{n_cases} case(s), {len(errors)} error(s), {len(warnings)} warning(s)")
    if errors:
        first = errors[0]
        error(
            f"{target}: {len(errors)} error(s) in {n_cases} case(s)"
            + ("" if args.json else " (listed above)")
            + f", the first: {first.file}{': ' + first.field if first.field else ''}: {first.message}"
        )
    return 1 if errors else 0


def _index(args: argparse.Namespace):
    from imgtrainer.library.index import LibraryIndex
    from imgtrainer.store import make_engine

    return LibraryIndex(make_engine(args.db))


def faculty_active() -> bool:
    """A CLI faculty session (`imgtrainer faculty login`) is open."""
    from imgtrainer.annotate.auth import faculty_session_active
    from imgtrainer.resources import data_dir

    return faculty_session_active(data_dir())


def _cmd_list(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from imgtrainer.library.index import CaseFilter

    library = _library_arg(args)
    faculty = faculty_active()
    if args.status and not faculty:
        raise CaseFormatError("--status needs a faculty session (`imgtrainer faculty login`)")
    index = _index(args)
    report = index.scan(library)
    for folder, message in report.failed:
        sys.stderr.write(f"imgtrainer: warning: skipped {folder}: {message}\n")
    done = True if args.done else (False if args.undone else None)
    if done is not None and not args.trainee:
        raise UsageError("--done/--undone need --trainee NAME")
    flt = CaseFilter(
        library=library,
        domain=args.domain,
        view=args.view,
        finding=args.finding,
        difficulty=args.difficulty,
        tag=args.tag,
        text=args.text,
        status=args.status,
        shareable=None if faculty else True,  # the review gate for everyone else
        trainee=args.trainee,
        done=done,
        limit=args.limit,
    )
    cases = index.search(flt)
    held_back = [] if faculty else index.search(replace(flt, shareable=False, limit=None))
    if args.json:
        # held-back cases are named (id and why) but never described: a trainee sees that
        # faculty still have work to do, not what the cases show
        print_json(
            {
                "cases": [c.to_dict() for c in cases],
                "held_back": [{"id": c.id, "status": c.status, "reason": c.gate_problem} for c in held_back],
            }
        )
        return 0
    for c in cases:
        findings = ",".join(c.findings) or "-"
        line = f"{c.id:40s} {c.domain:8s} d{c.difficulty} {c.view or '-':28s} {findings:40s} {c.title}"
        if faculty:
            shared = "shared" if c.gate_problem is None else ("public" if c.public else "private")
            line = f"{c.status:15s} {shared:8s} {'key' if c.has_key else 'no key':6s} {line}"
        print(line)
    scope = "every case (faculty session)" if faculty else "cases released to trainees"
    print(f"{len(cases)} case(s) in {library}; {scope}")
    if held_back:
        print(
            f"{len(held_back)} more held back (pending review, private or without a key): "
            "faculty see them after `imgtrainer faculty login`"
        )
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from imgtrainer.library.case_io import list_raters, load_case, load_key

    library = _library_arg(args)
    index = _index(args)
    index.scan(library)
    summary = index.get(args.id, library)
    if summary is None:
        raise CaseFormatError(f"{library}: no case {args.id!r}")
    folder = Path(summary.path)
    case = load_case(folder)
    if not faculty_active():  # a trainee sees only shareable cases, and never the key here
        from imgtrainer.library.gate import folder_has_key, require_shareable

        require_shareable(folder, case, folder_has_key(folder))
        if args.key:
            raise CaseFormatError(
                f"{args.id}: --key shows the expert's answers: needs a faculty session (`imgtrainer faculty login`)"
            )
    key = load_key(folder) if args.key else None
    out = {
        "summary": summary.to_dict(),
        "case": case.model_dump(mode="json"),
        "raters": list_raters(folder),
    }
    if key is not None:
        out["key"] = key.model_dump(mode="json")
    if args.json:
        print_json(out)
        return 0
    print(f"{case.id}: {case.title}")
    print(
        f"  application {case.domain}, view {summary.view or '-'}, difficulty {case.difficulty}, probe {case.probe}"
    )
    print(f"  status {case.status}{' (public)' if case.public else ''}; tags: {', '.join(case.tags) or '-'}")
    print(f"  media: {', '.join(m.path for m in case.media)}")
    print(
        f"  findings in key: {', '.join(summary.findings) or '-'}; raters: {', '.join(out['raters']) or '-'}"
    )
    if case.indication:
        print(f"  indication: {case.indication}")
    print(f"  source: {case.provenance.source} ({case.provenance.licence})")
    for tp in case.teaching_points:
        print(f"  - {tp}")
    if key is not None:
        for qid, ans in key.answers.items():
            print(f"  key {qid}: {ans.model_dump(exclude={'author', 'at', 'note'}, exclude_defaults=True)}")
    return 0


def _case_folder(args: argparse.Namespace) -> Path:
    """``args.case`` as a case folder: a path to one, or a case id in the library."""
    target = Path(args.case)
    if (target / "case.json").is_file():
        return target
    library = _library_arg(args)
    index = _index(args)
    index.scan(library)
    summary = index.get(args.case, library)
    if summary is None:
        raise CaseFormatError(f"{library}: no case {args.case!r}")
    return Path(summary.path)


def _cmd_review(args: argparse.Namespace) -> int:
    from imgtrainer.library.review import review_case

    target = _case_folder(args)
    decision = "approved" if args.approve else "rejected" if args.reject else "pending_review"
    case = review_case(target, decision, public=args.public, reviewer=args.by)
    if args.json:
        print_json({"id": case.id, "status": case.status, "public": case.public, "path": str(target)})
    else:
        print(f"{case.id}: {case.status}{' (public)' if case.public else ''}")
    return 0


def _cmd_edit(args: argparse.Namespace) -> int:
    """Faculty edit of what trainees read about a case (needs a faculty session)."""
    from pydantic import ValidationError

    from imgtrainer.library._files import validation_message
    from imgtrainer.library.case_io import load_case, save_case
    from imgtrainer.library.models import Case

    target = _case_folder(args)
    case = load_case(target)
    if not faculty_active():
        raise CaseFormatError(
            f"{target}: editing a case needs a faculty session (`imgtrainer faculty login`)"
        )
    data = case.model_dump(mode="json")
    changed = []
    for field in ("title", "indication", "probe", "difficulty"):
        value = getattr(args, field)
        if value is not None:
            data[field] = value
            changed.append(field)
    if args.context is not None:
        data["patient"] = {**data["patient"], "clinical_context": args.context}
        changed.append("clinical context")
    if not changed:
        raise CaseFormatError(
            "nothing to change: give --title, --indication, --context, --probe or --difficulty"
        )
    try:
        updated = Case.model_validate(data)
    except ValidationError as exc:
        raise CaseFormatError(validation_message(target / "case.json", exc)) from None
    save_case(target, updated)
    if args.json:
        print_json({"id": updated.id, "changed": changed, "case": updated.model_dump(mode="json")})
    else:
        print(f"{updated.id}: {', '.join(changed)} updated")
    return 0


def _cmd_taxonomy(args: argparse.Namespace) -> int:
    taxonomies = _taxonomies(args)
    if args.domain and args.domain not in taxonomies:
        raise UsageError(
            f"cases taxonomy: no taxonomy for {args.domain!r}; applications: {', '.join(sorted(taxonomies))}"
        )
    chosen = {args.domain: taxonomies[args.domain]} if args.domain else taxonomies
    if args.json:
        print_json({d: t.model_dump(mode="json") for d, t in chosen.items()})
        return 0
    for d, t in chosen.items():
        print(
            f"{d}: {t.title} - {len(t.views)} views, {len(t.findings)} findings, {len(t.questions)} questions, "
            f"sets {sorted(t.question_sets)}"
        )
        if args.domain:
            for q in t.questions_in():
                print(f"  [{q.step[:4]}] {q.id:30s} {q.kind:12s} {q.prompt}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cases", help="validate, list and show case libraries")
    cs = p.add_subparsers(dest="cases_command", metavar="SUBCOMMAND", required=True)

    v = cs.add_parser("validate", help="check every case folder of a library (exit 1 on any error)")
    v.add_argument("dir", help="a library (folder of case folders) or one case folder")
    v.add_argument("--json", action="store_true")
    v.add_argument("--no-media", action="store_true", help="do not open media files (faster)")
    v.add_argument("--taxonomy-dir", help="taxonomy folder (default: bundled plus faculty-local)")
    v.set_defaults(handler=_cmd_validate)

    ls = cs.add_parser("list", help="list and filter the cases of a library (indexes it first)")
    ls.add_argument(
        "library_pos", nargs="?", metavar="LIBRARY", help="library folder (default: the demo library)"
    )
    ls.add_argument("--library", help="library folder (same as the positional argument)")
    ls.add_argument("--db", help="database URL or SQLite file (default: per-user data dir)")
    ls.add_argument("--domain", "--application", dest="domain", help="airway, lung, gastric, cardiac or fast")
    ls.add_argument("--view", help="view id, e.g. plax")
    ls.add_argument("--finding", help="finding present in the key, e.g. blines")
    ls.add_argument("--difficulty", type=int, choices=(1, 2, 3))
    ls.add_argument("--tag")
    ls.add_argument("--text", help="free text in title, indication, tags, teaching points")
    ls.add_argument("--status", help="draft, pending_review, approved, rejected, quarantined")
    ls.add_argument("--trainee", help="with --done/--undone: cases this trainee has (not) attempted")
    g = ls.add_mutually_exclusive_group()
    g.add_argument("--done", action="store_true")
    g.add_argument("--undone", action="store_true")
    ls.add_argument("--limit", type=number(int, 1), help="at most this many cases")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_cmd_list)

    sh = cs.add_parser("show", help="show one case")
    sh.add_argument("id")
    sh.add_argument("library_pos", nargs="?", metavar="LIBRARY")
    sh.add_argument("--library")
    sh.add_argument("--db")
    sh.add_argument("--key", action="store_true", help="include the consensus key (the answers)")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(handler=_cmd_show)

    r = cs.add_parser(
        "review", help="faculty review of an imported case: approve (optionally public) or reject"
    )
    r.add_argument("case", help="case id (in --library) or case folder")
    r.add_argument("library_pos", nargs="?", metavar="LIBRARY")
    r.add_argument("--library")
    r.add_argument("--db")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--approve", action="store_true")
    g.add_argument("--reject", action="store_true")
    g.add_argument("--reset", action="store_true", help="back to pending review")
    r.add_argument("--public", action="store_true", help="with --approve: share the case")
    r.add_argument("--by", help="reviewer name (recorded in the provenance)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=_cmd_review)

    e = cs.add_parser(
        "edit", help="faculty: edit a case's title, indication, clinical context, probe or difficulty"
    )
    e.add_argument("case", help="case id (in --library) or case folder")
    e.add_argument("library_pos", nargs="?", metavar="LIBRARY")
    e.add_argument("--library")
    e.add_argument("--db")
    e.add_argument("--title")
    e.add_argument("--indication", help="why the scan is done (shown after the application is answered)")
    e.add_argument("--context", help="the patient's clinical story trainees read first")
    e.add_argument("--probe", choices=("linear", "convex", "phased", "unknown"))
    e.add_argument("--difficulty", type=int, choices=(1, 2, 3))
    e.add_argument("--json", action="store_true")
    e.set_defaults(handler=_cmd_edit)

    t = cs.add_parser("taxonomy", help="show the taxonomy (views, findings, questions)")
    t.add_argument("domain", nargs="?")
    t.add_argument("--taxonomy-dir")
    t.add_argument("--json", action="store_true")
    t.set_defaults(handler=_cmd_taxonomy)
