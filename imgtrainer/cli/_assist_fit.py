"""``imgtrainer assist-fit``: refit the lung assist's decisions on a department's labelled clips.

Each row of the labels CSV (columns ``file``, ``b_lines``, ``a_lines`` and, optionally,
``patient``: clips of one patient are then never split between fitting and checking) is measured with the lung assist; a row that cannot be used (no
file column, an unreadable clip, a label that is not yes/no/1/0/blank) is reported with its
row number and the rest carries on. The model is written only when something was measured.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from imgtrainer.cli._common import error, output_file, print_json, progress
from imgtrainer.errors import CaseFormatError, ImgTrainerError
from imgtrainer.fileio import read_problem

_YES = {"yes": True, "y": True, "1": True, "1.0": True, "true": True}
_NO = {"no": False, "n": False, "0": False, "0.0": False, "false": False}


def _label(value: str | None, row: int, column: str) -> bool | None:
    v = (value or "").strip().lower()
    if v == "":
        return None
    if v in _YES or v in _NO:
        return _YES.get(v, False)
    raise CaseFormatError(f"row {row}: {column} is {value!r}; use yes/no, 1/0 or leave it blank")


def _ba(pairs: list[tuple[bool, bool]]) -> float | None:
    from imgtrainer.analysis.lung_model import balanced_accuracy

    ba = balanced_accuracy(pairs)[0]
    return None if ba != ba else round(ba, 3)  # nan: one class missing


def run_assist_fit(labels: Path, root: Path | None, output: Path, *, as_json: bool = False) -> int:
    from imgtrainer.analysis.lung import assess_lung
    from imgtrainer.analysis.lung_model import default_model, fit_lung_model, save_lung_model
    from imgtrainer.media import open_clip

    output_file(output)  # before minutes of measuring, not after
    try:
        with open(labels, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFormatError(f"{labels}: cannot read the labels CSV: {read_problem(exc)}") from None
    except csv.Error as exc:
        raise CaseFormatError(f"{labels}: not a valid CSV: {exc}") from None
    if not rows:
        raise CaseFormatError(
            f"{labels}: no rows (expected a header with file, b_lines, a_lines and one row per clip)"
        )
    if "file" not in rows[0]:
        raise CaseFormatError(f"{labels}: no 'file' column (columns: {', '.join(map(str, rows[0]))})")
    base = root if root is not None else labels.parent
    if root is not None and not root.is_dir():
        raise CaseFormatError(f"{root}: --root folder not found")
    if not as_json:  # a run takes about a second per clip; the counter below shows only on a terminal
        print(
            f"measuring {len(rows)} labelled clip(s) from {labels} (file paths relative to {base})",
            flush=True,
        )
    feats: list[dict[str, float]] = []
    b_labels: list[bool | None] = []
    a_labels: list[bool | None] = []
    groups: list[str] = []
    problems: list[str] = []
    for i, r in progress(enumerate(rows, start=2), len(rows), "measuring labelled clips"):  # row 1: header
        try:
            yb, ya = _label(r.get("b_lines"), i, "b_lines"), _label(r.get("a_lines"), i, "a_lines")
            if yb is None and ya is None:
                continue
            with open_clip(base / (r.get("file") or "")) as clip:
                feats.append(assess_lung(clip, all_features=True).features)
        except ImgTrainerError as exc:
            problems.append(f"row {i} ({r.get('file')}): {exc}")
            error(problems[-1])
            continue
        b_labels.append(yb)
        a_labels.append(ya)
        groups.append((r.get("patient") or "").strip() or f"row {i}")
    if not feats:
        raise CaseFormatError(f"{labels}: no labelled clip could be measured")
    # the built-in measurements plus the published detectors' (a refit may choose them)
    model, notes = fit_lung_model(feats, b_labels, a_labels, groups)
    save_lung_model(model, output, notes=notes)
    summary: dict[str, Any] = {
        "model": str(output),
        "clips": len(feats),
        "problems": problems,
        "findings": {},
    }
    for which, ys, name in (("b", b_labels, "b_lines"), ("a", a_labels, "a_lines")):
        pairs_new = [
            (y, model.probability(f, which) >= 0.5) for f, y in zip(feats, ys, strict=True) if y is not None
        ]
        pairs_old = [
            (y, default_model().probability(f, which) >= 0.5)
            for f, y in zip(feats, ys, strict=True)
            if y is not None
        ]
        summary["findings"][name] = {
            "labelled": len(pairs_new),
            "what_was_done": notes.get(which, ""),
            "balanced_accuracy_refitted": _ba(pairs_new),
            "balanced_accuracy_built_in": _ba(pairs_old),
        }
    if as_json:
        print_json(summary)
    else:
        print(f"wrote {output}: {len(feats)} clips measured, {len(problems)} rows skipped")
        for name, f in summary["findings"].items():
            print(
                f"  {name}: {f['what_was_done']}; balanced accuracy on these clips "
                f"{f['balanced_accuracy_refitted']} (built-in model: {f['balanced_accuracy_built_in']})"
            )
        print(
            "  (measured on the clips it was fitted on; the cross-validated figure in the model file's notes "
            "is the one to expect on other patients)"
        )
    return 1 if problems else 0
