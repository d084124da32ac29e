"""``imgtrainer import``: clips (files, folders, DICOMDIR, zip) or a labelled dataset into a library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imgtrainer.cli._common import error, number, output_folder, print_json, warn
from imgtrainer.errors import CaseFormatError, UsageError


def _progress(enabled: bool):
    tty = sys.stderr.isatty()

    def show(i: int, total: int | None, label: str) -> None:
        if not enabled:
            return
        counter = f"{i}/{total}" if total else f"{i}"
        if tty:  # a counter only on a terminal: stderr of a script holds just the problems
            sys.stderr.write(f"\rimporting {counter} {label[-60:]:60s}")
            sys.stderr.flush()

    return show


def _print_report(report, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    for c in report.imported:
        print(f"imported {c.source} -> {c.case_id} ({c.n_frames} frame(s), {c.status}, deid: {c.deid})")
        for w in c.warnings:
            print(f"  warning: {w}")
    for src, why in report.skipped:
        print(f"skipped {src}: {why}")
    for w in report.warnings:
        if not any(w in c.warnings for c in report.imported):
            warn(w)
    print(
        f"{len(report.imported)} imported, {len(report.failed)} failed, {len(report.quarantined)} quarantined, "
        f"{len(report.skipped)} skipped into {report.library}"
    )


def _without_name(src: str, why: str) -> str:
    name = Path(src).name + ": "
    return why[len(name) :] if why.startswith(name) else why


def _report_problems(report) -> None:
    """One stderr line per failed or quarantined source (on stderr with --json too)."""
    for src, why in report.failed:
        error(f"{src}: {_without_name(src, why)}")
    for src, why in report.quarantined:
        error(f"{src}: quarantined: {_without_name(src, why)}")


def _remember_originals(report) -> None:
    """On this computer only: which file each case came from (the import review names it)."""
    from imgtrainer.library.originals import ImportSources
    from imgtrainer.resources import data_dir

    sources = None
    for c in report.imported:
        if Path(c.source).is_file():
            sources = sources or ImportSources(data_dir())
            sources.remember(c.case_id, Path(c.source))


def _cmd_import(args: argparse.Namespace) -> int:
    from imgtrainer.library.taxonomy_io import load_all_taxonomies

    show = _progress(not args.quiet)
    if args.manifest or args.mapping:
        if not (args.manifest and args.mapping):
            raise UsageError("--manifest and --mapping go together")
        if args.sources:
            raise UsageError("give either source files or --manifest, not both")
        if not Path(args.manifest).is_file():
            where = "" if Path(args.manifest).is_absolute() else f" (relative to {Path.cwd()})"
            raise CaseFormatError(f"{args.manifest}: manifest file not found{where}")
        library = output_folder(args.library)
        from imgtrainer.library.bulk_import import import_manifest
        from imgtrainer.library.mapping import load_mapping

        taxonomies = load_all_taxonomies()
        mapping = load_mapping(Path(args.mapping), taxonomies)
        report = import_manifest(
            Path(args.manifest), mapping, library, taxonomies, root=Path(args.root) if args.root else None,
            imported_by=args.by, on_item=show,
        )  # fmt: skip
    else:
        if not args.sources:
            raise UsageError("nothing to import: give files/folders/zips, or --manifest with --mapping")
        library = output_folder(args.library)
        from imgtrainer.library.importer import ImportOptions, import_files

        if args.domain:
            load_all_taxonomies()  # a broken taxonomy should stop the import before it starts
        opts = ImportOptions(
            library=library, domain=args.domain, probe=args.probe, imported_by=args.by,
            deidentify=not args.no_deid, tags=list(args.tag or []), ocr=not args.no_ocr,
        )  # fmt: skip
        from imgtrainer.library.sources import expand_sources
        from imgtrainer.workpool import ProgressLine, default_jobs

        sources = [Path(s) for s in args.sources]
        total = sum(1 for _ in expand_sources(sources)) if not args.quiet else None
        bar = ProgressLine("import", total, enabled=not args.quiet)
        try:
            report = import_files(
                sources, opts, on_item=lambda _i, label: bar.step(label), jobs=args.jobs or default_jobs()
            )
        finally:
            bar.close()
    _remember_originals(report)
    _print_report(report, args.json)
    _report_problems(report)
    if not (report.imported or report.failed or report.quarantined or report.skipped):
        error(
            ", ".join(map(str, args.sources or [args.manifest]))
            + ": nothing to import (no media files found)"
        )
        return 1
    return 0 if report.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import clips or a labelled dataset into a case library",
        description="Import DICOM files, videos, stills, folders, DICOMDIRs and zips (one case per clip, "
        "de-identified, pending review), or a labelled dataset with --manifest and --mapping. "
        "Exit status 1 when any file failed or was quarantined (the rest are imported).",
    )
    p.add_argument("sources", nargs="*", help="files, folders, DICOMDIR files or zip archives")
    p.add_argument(
        "--library",
        required=True,
        help="library folder to add cases to (created if missing; its parent must exist)",
    )
    p.add_argument("--manifest", help="CSV with one row per clip (bulk import)")
    p.add_argument("--mapping", help="mapping TOML for the manifest, e.g. assets/mappings/pocus_dataset.toml")
    p.add_argument(
        "--root", help="folder the manifest's relative file paths start from (default: its folder)"
    )
    p.add_argument(
        "--domain", "--application", dest="domain", choices=("airway", "lung", "gastric", "cardiac", "fast")
    )
    p.add_argument("--probe", default="unknown", choices=("linear", "convex", "phased", "unknown"))
    p.add_argument("--tag", action="append", help="tag every imported case (repeatable)")
    p.add_argument("--by", help="who imports (recorded in the provenance)")
    p.add_argument(
        "--no-deid", action="store_true", help="skip de-identification (only for data already de-identified)"
    )
    p.add_argument(
        "--jobs", "-j", type=number(int, 1, 256), default=0,
        help="worker processes (default: the number of cores); an interrupted import resumes where it stopped",
    )  # fmt: skip
    p.add_argument(
        "--no-ocr", action="store_true", help="de-identify without reading the kept area (Tesseract)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_import)
