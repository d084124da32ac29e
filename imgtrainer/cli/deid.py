"""``imgtrainer deid``: de-identify files/folders, preview the masking, approve after review."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from imgtrainer.cli._common import error, number, print_json


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "deid",
        help="de-identify DICOM/video/still files (headers + burned-in text)",
        description=(
            "De-identify files or folders (recursive) into --out: DICOM headers by PS3.15 Annex E "
            "(basic profile, modified dates, clean descriptors, retain device identity), burned-in "
            "text by blacking out everything outside the scan area. Files that cannot be cleaned "
            "safely go to OUT/quarantine/ with the reason. Runs in parallel (--jobs) and resumes "
            "after an interruption: finished files are skipped. Exit 0 when all were cleaned, 1 otherwise. "
            "Subcommands: 'deid preview FILE -o PNG', 'deid approve FILE...'."
        ),
    )
    p.add_argument("src", nargs="+", help="files or folders; or 'preview FILE' / 'approve FILE...'")
    p.add_argument("--out", "-o", type=Path, help="output folder (for preview: the PNG to write)")
    p.add_argument("--frame", type=int, default=0, help="preview: frame index (default 0)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument(
        "--jobs",
        "-j",
        type=number(int, 1, 256),
        default=0,
        help="worker processes (default: the number of cores)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    p.add_argument("--no-ocr", action="store_true", help="do not read the kept area with Tesseract")
    p.add_argument(
        "--mask-text-in-scan-area",
        action="store_true",
        help="black out words OCR reads inside the scan area (else they are only reported)",
    )
    p.set_defaults(handler=_dispatch)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.src[0] == "preview" and len(args.src) >= 2:
            return _preview(args)
        if args.src[0] == "approve" and len(args.src) >= 2:
            return _approve(args)
        return _run(args)
    except OSError as exc:  # unwritable output folder, disk full, ...
        error(f"deid: {exc.filename or ''}: {exc.strerror or exc}")
        return 1


def _run(args: argparse.Namespace) -> int:
    from imgtrainer.deid.batch import run_batch
    from imgtrainer.deid.context import DeidOptions
    from imgtrainer.deid.pipeline import REPORT_NAME, iter_sources, write_json
    from imgtrainer.workpool import ProgressLine, default_jobs

    if args.out is None:
        error("deid: --out DIR is required")
        return 2
    sources = [Path(s) for s in args.src]
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        error(f"deid: no such file or folder: {', '.join(missing)}")
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = list(iter_sources(sources, out))
    jobs = args.jobs or default_jobs()
    options = DeidOptions(ocr=not args.no_ocr, mask_text_in_scan_area=args.mask_text_in_scan_area)
    bar = ProgressLine("deid", len(files), enabled=not args.json and not args.quiet)
    resumed = 0

    def seen(result: dict[str, Any], was_done: bool) -> None:
        nonlocal resumed
        resumed += was_done
        bar.step(Path(result["source"]).name)

    try:
        results = run_batch(files, out, jobs, options, seen)
    finally:
        bar.close()
    summary = {
        "files": len(results),
        "cleaned": sum(r["status"] == "cleaned" for r in results),
        "quarantined": sum(r["status"] != "cleaned" for r in results),
        "resumed": resumed,
        "jobs": jobs,
    }
    report = {"summary": summary, "files": results}
    write_json(out / REPORT_NAME, report)
    if args.json:
        print_json({**report, "report_file": str(out / REPORT_NAME)})
    else:
        for r in results:
            rep = r.get("report") or {}
            if r["status"] == "cleaned":
                px = rep.get("pixels", {})
                hdr = rep.get("header", {})
                words = len((rep.get("ocr") or {}).get("words", []))
                print(
                    f"cleaned     {r['source']} -> {Path(r['output']).name if r['output'] else '-'}"
                    f"  (masked {px.get('masked_fraction', 0):.0%} via {px.get('kept_area', {}).get('source', '?')}"
                    f", {len(hdr.get('removed', []))} attrs removed, {hdr.get('uids_replaced', 0)} UIDs replaced"
                    f", {hdr.get('dates_shifted', 0)} dates shifted"
                    + (f", {words} word(s) read in the kept area" if words else "")
                    + ")"
                )
            else:
                print(f"quarantined {r['source']}: {r['reason']}")
        again = f", {resumed} already done by an earlier run" if resumed else ""
        print(
            f"{summary['cleaned']} cleaned, {summary['quarantined']} quarantined of {summary['files']} files"
            f"{again}; report: {out / REPORT_NAME}; cleaned files are pending faculty review"
        )
    return 0 if summary["quarantined"] == 0 else 1


def _preview(args: argparse.Namespace) -> int:
    import cv2

    from imgtrainer.deid.review import render_preview

    src = Path(args.src[1])
    if not src.is_file():
        error(f"deid preview: no such file: {src}")
        return 2
    out = Path(args.out) if args.out else src.with_name(src.stem + ".preview.png")
    img = render_preview(src, frame=args.frame)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        error(f"deid preview: cannot encode {out}")
        return 1
    from imgtrainer.fileio import atomic_write_bytes

    atomic_write_bytes(out, buf.tobytes())
    if args.json:
        print_json({"preview": str(out), "shape": list(img.shape)})
    else:
        print(f"preview written: {out} (left: original, right: cleaned; red = blacked out)")
    return 0


def _approve(args: argparse.Namespace) -> int:
    from imgtrainer.deid.review import approve

    done = [str(approve(Path(p))) for p in args.src[1:]]
    if args.json:
        print_json({"approved": done})
    else:
        for p in done:
            print(f"approved {p}")
    return 0
