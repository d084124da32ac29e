"""``imgtrainer quality``, ``imgtrainer mmode`` and ``imgtrainer assist``: image analysis.

All three are advisory teaching aids, not diagnosis. Folders run as a batch with progress on
stderr and a summary table; a file that cannot be read gives one error line and the batch
carries on (exit status 1 if any file failed).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imgtrainer.cli._common import error, media_inputs, number, output_file, print_json, progress
from imgtrainer.errors import ImgTrainerError, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    q = subparsers.add_parser(
        "quality",
        help="advisory image-quality score (0-100), ACEP 1-5 estimate and reasons",
        description="Gain, contrast, sharpness, noise, depth use, probe contact, stability and clip "
        "adequacy inside the scan area, combined into an advisory score with plain-language reasons.",
    )
    q.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    q.add_argument("--json", action="store_true", help="print JSON (one object, or a batch with a summary)")
    q.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one QualityThresholds field, e.g. dark_mean=20 (repeatable)",
    )
    q.add_argument("--per-frame", action="store_true", help="include per-frame metrics in the JSON")
    q.set_defaults(handler=_quality)

    m = subparsers.add_parser(
        "mmode",
        help="M-mode (time-motion) image along a line through a cine",
        description="Sample the grey levels along x0,y0,x1,y1 (stored-frame pixels) in every frame and "
        "write them as a PNG with time running left to right at the clip's real timing.",
    )
    m.add_argument("path", type=Path, metavar="PATH")
    m.add_argument(
        "--line",
        required=True,
        metavar="x0,y0,x1,y1",
        help="stored-frame pixels; both ends must lie inside the frame (a line leaving it is refused)",
    )
    m.add_argument("-o", "--output", type=Path, required=True, help="output PNG (its folder must exist)")
    m.add_argument(
        "--columns-per-s",
        type=number(float, 0, 10000, lo_open=True),
        default=None,
        help="time resolution (default: frame rate)",
    )
    m.add_argument("--json", action="store_true")
    m.set_defaults(handler=_mmode)

    a = subparsers.add_parser(
        "assist",
        help="lung assist: pleural line, A-lines, B-lines, sliding and a suggested LUS score",
        description="Advisory lung-ultrasound findings with the evidence (frames, positions) behind "
        "them. B-lines and A-lines carry a calibrated probability (for an even prior), a decision "
        "('present': true, false, or null = uncertain, look again, when the probability is too "
        "close to 0.5 to commit) and a confidence. Accuracy on patients the model never saw: "
        "docs/lung-assist-validation.md. Educational use only, not for diagnosis.",
    )
    a.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    a.add_argument("--json", action="store_true")
    a.add_argument(
        "--model",
        type=Path,
        default=None,
        help="decision model from `imgtrainer assist-fit` (default: built in)",
    )
    a.set_defaults(handler=_assist)

    f = subparsers.add_parser(
        "assist-fit",
        help="refit the lung assist's B-line/A-line decisions on your own labelled clips",
        description="Measure every clip listed in a labels CSV (columns: file, b_lines, a_lines; "
        "yes/no, 1/0 or blank for unknown; optional patient, so that one patient's clips are never "
        "split between fitting and checking) and refit the decisions with the built-in recipe: "
        "measurements and model family chosen by patient-grouped cross-validation, probabilities "
        "calibrated on the cross-validated scores, an abstention band. "
        "Use the result with `imgtrainer assist --model`. The built-in model was set on one probe; "
        "labelled clips from your own machines calibrate it to them.",
    )
    f.add_argument(
        "--labels",
        type=Path,
        required=True,
        help="CSV with file, b_lines, a_lines (and optional patient) columns",
    )
    f.add_argument(
        "--root", type=Path, default=None, help="folder the file paths are relative to (default: the CSV's)"
    )
    f.add_argument("-o", "--output", type=Path, required=True, help="model JSON to write")
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=_assist_fit)


# --------------------------------------------------------------------------- batch helper


def _run_batch(
    paths: list[Path], label: str, one: Callable[[Path], dict[str, Any]], quiet: bool
) -> tuple[list[dict[str, Any]], int]:
    files, failures = media_inputs(paths, keep_missing=True)
    results: list[dict[str, Any]] = []
    for f in progress(files, len(files), label, enabled=len(files) > 1 and not quiet):
        try:
            res = one(f)
        except ImgTrainerError as exc:
            error(str(exc))
            res, failures = {"file": str(f), "error": str(exc)}, failures + 1
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bad file must never stop a batch or print a traceback
            error(f"{f}: could not analyse (internal error: {type(exc).__name__}: {exc})")
            res, failures = (
                {"file": str(f), "error": f"internal error: {type(exc).__name__}: {exc}"},
                failures + 1,
            )
        results.append(res)
    return results, failures


def _open(path: Path):
    from imgtrainer.media import open_clip

    return open_clip(path)


# --------------------------------------------------------------------------- quality


def _thresholds(items: list[str]):
    from imgtrainer.analysis.quality import QualityThresholds, threshold_names

    t = QualityThresholds()
    names = set(threshold_names())
    changes: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name.strip() not in names:
            raise UsageError(
                f"--threshold {item}: expected NAME=VALUE, NAME one of {', '.join(sorted(names))}"
            )
        try:
            changes[name.strip()] = float(value)
        except ValueError:
            raise UsageError(f"--threshold {item}: {value!r} is not a number") from None
    return dataclasses.replace(t, **changes)


def _quality(args: argparse.Namespace) -> int:
    from imgtrainer.analysis.quality import assess_quality

    thresholds = _thresholds(args.threshold)

    def one(path: Path) -> dict[str, Any]:
        with _open(path) as clip:
            rep = assess_quality(clip, thresholds=thresholds).to_dict()
        if not args.per_frame:
            rep.pop("per_frame", None)
        return {"file": str(path), **rep}

    results, failures = _run_batch(args.paths, "quality", one, quiet=False)
    if args.json:
        print_json(results[0] if len(results) == 1 else {"results": results, "summary": _q_summary(results)})
    else:
        for r in results:
            if "error" in r:
                continue
            print(f"{r['file']}: score {r['score']:.0f}/100, ACEP {r['acep']} (advisory)")
            for reason in r["reasons"]:
                print(f"  - {reason}")
        if len(results) > 1:
            s = _q_summary(results)
            print(f"{s['n_ok']} analysed, {s['n_failed']} failed; mean score {s['mean_score']}")
    return 1 if failures else 0


def _q_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in results if "error" not in r]
    scores = [r["score"] for r in ok]
    return {
        "n_ok": len(ok),
        "n_failed": len(results) - len(ok),
        "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
        "acep_counts": {str(g): sum(1 for r in ok if r["acep"] == g) for g in range(1, 6)},
    }


# --------------------------------------------------------------------------- mmode


def _mmode(args: argparse.Namespace) -> int:
    from imgtrainer.analysis.mmode import build_mmode, parse_line, write_png

    try:
        line = parse_line(args.line)
    except ImgTrainerError as exc:
        raise UsageError(str(exc)) from None
    if args.output.suffix.lower() != ".png":
        raise UsageError(f"-o {args.output}: the M-mode is written as PNG; name it .png")
    output_file(args.output)
    with _open(args.path) as clip:
        _check_line_inside(args.line, line, clip.cols, clip.rows)
        mm = build_mmode(clip, line, columns_per_s=args.columns_per_s)
    write_png(mm.image, args.output)
    info = {
        "file": str(args.path),
        "output": str(args.output),
        "line": list(mm.line),
        "rows": int(mm.image.shape[0]),
        "columns": int(mm.image.shape[1]),
        "duration_s": round(float(mm.times_s[-1] - mm.times_s[0]), 4) if len(mm.times_s) else 0.0,
        "seconds_per_column": round(mm.seconds_per_column, 6),
        "cm_per_row": mm.cm_per_row,
    }
    if args.json:
        print_json(info)
    else:
        print(
            f"wrote {args.output}: {info['rows']} samples x {info['columns']} columns, {info['duration_s']} s"
        )
    return 0


def _check_line_inside(text: str, line: tuple[float, float, float, float], cols: int, rows: int) -> None:
    """Refuse a line that leaves the frame (it would sample nothing there) or is too short."""
    x0, y0, x1, y1 = line
    for x, y in ((x0, y0), (x1, y1)):
        if not (0 <= x <= cols - 1 and 0 <= y <= rows - 1):
            raise UsageError(
                f"--line {text}: point ({x:g}, {y:g}) is outside the {cols}x{rows} frame "
                f"(x 0-{cols - 1}, y 0-{rows - 1}, stored-frame pixels)"
            )
    if (x1 - x0) ** 2 + (y1 - y0) ** 2 < 4:
        raise UsageError(f"--line {text}: the line must be at least 2 pixels long")


# --------------------------------------------------------------------------- assist


def _assist(args: argparse.Namespace) -> int:
    from imgtrainer.analysis.lung import assess_lung
    from imgtrainer.analysis.lung_model import default_model, load_lung_model

    model = load_lung_model(args.model) if args.model else default_model()

    def one(path: Path) -> dict[str, Any]:
        with _open(path) as clip:
            return {"file": str(path), **assess_lung(clip, model=model).to_dict()}

    results, failures = _run_batch(args.paths, "assist", one, quiet=False)
    if args.json:
        print_json(results[0] if len(results) == 1 else {"results": results, "summary": _a_summary(results)})
    else:
        for r in results:
            if "error" in r:
                continue
            print(
                f"{r['file']}: pleura {'yes' if r['pleura']['present'] else 'no'}, "
                f"A-lines {_a_text(r['a_lines'])}, "
                f"B-lines {_b_text(r['b_lines'])}, sliding {r['sliding']['status']}, "
                f"{_lus_text(r)} (advisory)"
            )
        if len(results) > 1:
            s = _a_summary(results)
            print(
                f"{s['n_ok']} analysed, {s['n_failed']} failed; B-lines in {s['b_lines_present']} "
                f"(uncertain in {s['b_lines_uncertain']}), A-lines in {s['a_lines_present']} "
                f"(uncertain in {s['a_lines_uncertain']})"
            )
    return 1 if failures else 0


def _why(reason: object) -> str:
    """': separate B-lines, up to 3 in a frame' from the assist's LUS reason ('' when none)."""
    from imgtrainer.analysis.lung_lus import reason_without_score

    text = reason_without_score(reason)
    return f": {text}" if text else ""


def _p(d: dict[str, Any]) -> str:
    return f"p={d['probability']:.2f}"


def _a_text(a: dict[str, Any]) -> str:
    """'yes (p=0.81)', 'no (p=0.12)' or 'uncertain, look again (p=0.55)'."""
    from imgtrainer.analysis.lung_lus import UNSURE

    if a["present"] is None:
        return f"{UNSURE} ({_p(a)})"
    return f"{'yes' if a['present'] else 'no'} ({_p(a)})"


def _lus_text(r: dict[str, Any]) -> str:
    if not r.get("lus_certain", True):
        from imgtrainer.analysis.lung_lus import UNSURE

        return f"suggested LUS: {UNSURE}"
    return f"suggested LUS {r['lus_score']}{_why(r.get('lus_reason'))}"


def _b_text(b: dict[str, Any]) -> str:
    """'no (p=..)', 'uncertain, look again (p=..)', 'yes (confluent)' or 'yes, up to N in a frame'."""
    from imgtrainer.analysis.lung_lus import UNSURE

    if b["present"] is None:
        return f"{UNSURE} ({_p(b)})"
    if not b["present"]:
        return f"no ({_p(b)})"
    if b["confluent"]:
        return f"yes (confluent, {_p(b)})"
    n = b["counted_max"]
    return f"yes, up to {n} in a frame ({_p(b)})" if n else f"yes (pattern, none counted separately, {_p(b)})"


def _a_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in results if "error" not in r]
    return {
        "n_ok": len(ok),
        "n_failed": len(results) - len(ok),
        "b_lines_present": sum(1 for r in ok if r["b_lines"]["present"] is True),
        "a_lines_present": sum(1 for r in ok if r["a_lines"]["present"] is True),
        "b_lines_uncertain": sum(1 for r in ok if r["b_lines"]["present"] is None),
        "a_lines_uncertain": sum(1 for r in ok if r["a_lines"]["present"] is None),
        "lus_counts": {str(g): sum(1 for r in ok if r["lus_score"] == g) for g in range(4)},
    }


def _assist_fit(args: argparse.Namespace) -> int:
    from imgtrainer.cli._assist_fit import run_assist_fit

    return run_assist_fit(args.labels, args.root, args.output, as_json=args.json)
