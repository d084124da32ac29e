"""``imgtrainer deid``: de-identify files/folders, preview the masking, approve after review."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from imgtrainer.cli._common import error, media_inputs, number, output_file, output_folder, print_json
from imgtrainer.errors import ImgTrainerError, MediaError, UsageError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "deid",
        help="de-identify DICOM/video/still files (headers + burned-in text)",
        description=(
            "De-identify files or folders (recursive) into --out: DICOM headers by PS3.15 Annex E "
            "(basic profile, modified dates, clean descriptors, retain device identity), burned-in "
            "text by blacking out everything outside the scan area. Files that cannot be cleaned "
            "safely go to OUT/quarantine/ with the reason (one error line each on stderr). Exit 0 when "
            "all were cleaned, 1 otherwise; OUT is created if missing (its parent must exist). Runs in "
            "parallel (--jobs) and resumes after an interruption: finished files are skipped. "
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
    if args.src[0] == "preview" and len(args.src) >= 2:
        return _preview(args)
    if args.src[0] == "approve" and len(args.src) >= 2:
        return _approve(args)
    return _run(args)


def _reason(r: dict[str, Any]) -> str:
    """The quarantine reason without the file name it starts with (the line names the path)."""
    text = str(r.get("reason") or "")
    prefix = f"{Path(r['source']).name}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _run(args: argparse.Namespace) -> int:
    from imgtrainer.deid.batch import run_batch
    from imgtrainer.deid.context import DeidOptions
    from imgtrainer.deid.pipeline import REPORT_NAME, write_json
    from imgtrainer.workpool import ProgressLine, default_jobs

    if args.out is None:
        raise UsageError("deid: --out DIR is required (the folder for the cleaned files)")
    out = output_folder(args.out)
    files, bad = media_inputs(args.src, exclude=out)
    jobs = args.jobs or default_jobs()
    options = DeidOptions(ocr=not args.no_ocr, mask_text_in_scan_area=args.mask_text_in_scan_area)
    bar = ProgressLine("deid", len(files), enabled=not args.json and not args.quiet)
    resumed = 0

    def seen(result: dict[str, Any], was_done: bool) -> None:
        nonlocal resumed
        resumed += was_done
        bar.step(Path(result["source"]).name)

    try:
        results = run_batch(files, out, jobs, options, seen) if files else []
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
    if results:
        write_json(out / REPORT_NAME, report)
    for r in results:
        if r["status"] != "cleaned":
            error(f"{r['source']}: quarantined: {_reason(r)}")
    if args.json:
        print_json({**report, "report_file": str(out / REPORT_NAME) if results else None})
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
        if results:
            again = f", {resumed} already done by an earlier run" if resumed else ""
            print(
                f"{summary['cleaned']} cleaned, {summary['quarantined']} quarantined of {summary['files']} files"
                f"{again}; report: {out / REPORT_NAME}; cleaned files are pending faculty review"
            )
    return 0 if summary["quarantined"] == 0 and not bad else 1


def _preview(args: argparse.Namespace) -> int:
    import cv2

    from imgtrainer.deid.review import render_preview
    from imgtrainer.fileio import atomic_write_bytes
    from imgtrainer.media.open import diagnose, open_clip

    src = Path(args.src[1])
    out = output_file(args.out) if args.out else src.with_name(src.stem + ".preview.png")
    unreadable = diagnose(src) if src.is_file() else None  # the media layer's words for a broken file
    if unreadable:
        raise MediaError(src, unreadable)
    with open_clip(src) as clip:
        n = clip.n_frames
    if not 0 <= args.frame < n:
        raise UsageError(f"--frame {args.frame}: out of range, {src} has {n} frame(s) (0-{n - 1})")
    img = render_preview(src, frame=args.frame)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ImgTrainerError(f"{out}: cannot encode the preview PNG")
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
