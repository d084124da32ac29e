"""``imgtrainer info`` and ``imgtrainer frame``: look inside media files from the shell."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from imgtrainer.cli._common import error, media_inputs, output_file, print_json, progress
from imgtrainer.errors import ImgTrainerError, MediaError, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "info",
        help="describe DICOM, video and image files (folders are walked)",
        description="Print kind, frames, size, timing, transfer syntax, photometric interpretation, "
        "calibrated regions, maker and warnings of each file. Exit status 1 if any file failed.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print a JSON list, one entry per file")
    p.add_argument(
        "--verify", action="store_true", help="also decode every frame (slower; finds corrupt pixel data)"
    )
    p.set_defaults(handler=_info)

    f = subparsers.add_parser("frame", help="write one decoded frame to an image file")
    f.add_argument("path", type=Path, metavar="PATH")
    f.add_argument(
        "--index",
        type=int,
        default=0,
        help="frame number from 0; negative counts from the end (-1 = the last)",
    )
    f.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output image (.png, .jpg, .bmp, .tif; its folder must exist)",
    )
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=_frame)


def describe(path: Path, verify: bool = False) -> dict[str, Any]:
    """Summary of one file, or ``{"path", "error", "error_type"}``; never raises for bad input.

    With ``verify`` every frame is decoded too, so corrupt pixel data is reported as an error.
    """
    from imgtrainer.media.open import open_clip
    from imgtrainer.media.summary import clip_summary

    try:
        with open_clip(path, cache_mb=0 if verify else 256) as clip:
            summary = clip_summary(clip)
            for i in range(clip.n_frames if verify else 0):
                clip.frame(i)
            return summary
    except ImgTrainerError as exc:
        return {
            "path": str(path),
            "error": getattr(exc, "reason", str(exc)),
            "error_type": type(exc).__name__,
        }
    except (Exception, RecursionError, MemoryError) as exc:  # a reader bug must not stop the batch
        return {
            "path": str(path),
            "error": f"unexpected {type(exc).__name__}: {exc}",
            "error_type": "InternalError",
        }


def _info(args: argparse.Namespace) -> int:
    from imgtrainer.media.summary import summary_line

    files, bad = media_inputs(args.paths, keep_missing=True)  # a missing file: describe() reports it
    results: list[dict[str, Any]] = []
    for p in progress(files, len(files), "info"):
        entry = describe(p, verify=args.verify)
        results.append(entry)
        if "error" in entry:  # on stderr with --json too: the JSON is for programs, this for people
            error(f"{entry['path']}: {entry['error']}")
        elif not args.json:
            print(summary_line(entry))
            for w in entry["warnings"]:
                print(f"    warning: {w}")
            sys.stdout.flush()
    failed = sum(1 for r in results if "error" in r)
    if args.json:
        print_json(results)
    if failed and not args.json and len(results) > 1:
        print(f"{failed} of {len(results)} files failed")
    return 1 if failed or bad else 0


def write_image(path: Path, frame: Any) -> None:
    """Write an RGB or gray uint8 frame atomically; the format follows the suffix."""
    import cv2

    suffix = path.suffix.lower() or ".png"
    if suffix not in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"):
        raise MediaError(path, f"cannot write images of type {suffix!r}; use .png, .jpg, .bmp or .tif")
    img = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR) if frame.ndim == 3 else frame
    ok, buf = cv2.imencode(suffix, img)
    if not ok:
        raise MediaError(path, "image encoding failed")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _frame(args: argparse.Namespace) -> int:
    from imgtrainer.media.open import open_clip

    output_file(args.output)
    with open_clip(args.path) as clip:
        n = clip.n_frames
        if not -n <= args.index < n:
            raise UsageError(
                f"--index {args.index}: out of range, {args.path} has {n} frame(s): 0 to {n - 1}, "
                f"or -1 to -{n} counting from the end"
            )
        index = args.index % n  # -1 is the last frame, as documented
        frame = clip.frame(index)
        write_image(args.output, frame)
    if args.json:
        print_json(
            {
                "path": str(args.path),
                "index": index,
                "requested_index": args.index,
                "n_frames": n,
                "output": str(args.output),
                "shape": list(frame.shape),
            }
        )
    else:
        asked = f" (--index {args.index})" if args.index < 0 else ""
        print(f"wrote frame {index} of 0-{n - 1}{asked} to {args.output}")
    return 0
