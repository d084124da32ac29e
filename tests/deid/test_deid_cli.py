"""The ``imgtrainer deid`` command, the preview, the review gate, and non-DICOM media."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import cv2
import numpy as np
import phi_factory as pf
import pydicom
import pytest

from imgtrainer.cli import main
from imgtrainer.deid import DeidContext, approve, deidentify_file, preview_image, review_status


def _run(argv: list[str]) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main(argv)


def test_cli_cleans_reports_and_exits_1_on_quarantine(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    pf.make_file(src / "a.dcm", "rgb", 2)
    pf.make_truncated(src / "b.dcm")
    (src / "notes.txt").write_text("skipped")
    out = tmp_path / "out"
    assert _run(["deid", str(src), "--out", str(out), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {k: data["summary"][k] for k in ("files", "cleaned", "quarantined")} == {
        "files": 2,
        "cleaned": 1,
        "quarantined": 1,
    }
    report = json.loads((out / "deid-report.json").read_text())
    assert {f["status"] for f in report["files"]} == {"cleaned", "quarantined"}
    assert len(list(out.glob("*.dcm"))) == 1 and len(list((out / "quarantine").glob("*.json"))) == 1


def test_cli_all_clean_exits_0_plain_summary(tmp_path, capsys):
    f = pf.make_file(tmp_path / "a.dcm", "grey").path
    assert _run(["deid", str(f), "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "1 cleaned, 0 quarantined" in text and "pending faculty review" in text


def test_cli_missing_source_is_one_line_error(tmp_path, capsys):
    assert (
        _run(["deid", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    )  # a missing input: exit 1 (README rule)
    assert "no such file" in capsys.readouterr().err


def test_preview_side_by_side(tmp_path):
    f = pf.make_file(tmp_path / "a.dcm", "grey").path
    png = tmp_path / "p.png"
    assert _run(["deid", "preview", str(f), "-o", str(png)]) == 0
    img = cv2.imread(str(png))
    assert img.shape[0] == pf.ROWS and img.shape[1] == 2 * pf.COLS + 8
    right = img[:, pf.COLS + 8 :]
    assert right[2, 2, 2] > 50 and right[2, 2, 0] < 20  # banner tinted red (BGR) on the "after" side
    keep = np.zeros((4, 4), bool)
    keep[1:3, 1:3] = True
    pic = preview_image(np.full((4, 4), 100, np.uint8), np.zeros((4, 4), np.uint8), keep)
    assert pic.shape == (4, 16, 3) and pic.dtype == np.uint8


def test_approve_sets_burned_in_annotation_no(tmp_path):
    f = pf.make_file(tmp_path / "a.dcm", "grey").path
    r = deidentify_file(f, tmp_path / "o", DeidContext())
    assert review_status(r.output) == "pending"
    assert _run(["deid", "approve", str(r.output)]) == 0
    ds = pydicom.dcmread(r.output)
    assert ds.BurnedInAnnotation == "NO" and review_status(r.output) == "approved"
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    with pytest.raises(Exception, match="not a de-identified file"):
        approve(f)


def _sector_frames(n: int) -> np.ndarray:
    frames = pf._frames(n, True, 5, sector=True)
    return frames


def test_still_and_video_masked_losslessly(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    frames = _sector_frames(12)
    cv2.imwrite(str(src / "still.png"), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
    w = cv2.VideoWriter(str(src / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 20, (pf.COLS, pf.ROWS))
    for f in frames:
        w.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    w.release()
    ctx = DeidContext()
    for name, suffix in (("still.png", ".png"), ("clip.avi", ".mkv")):
        r = deidentify_file(src / name, tmp_path / "out", ctx)
        assert r.status == "cleaned", r.reason
        assert r.output.suffix == suffix and review_status(r.output) == "pending"
        cap = cv2.VideoCapture(str(r.output))
        n = 0
        while True:
            ok, img = cap.read()
            if not ok:
                break
            n += 1
            x0, y0, x1, y1 = pf.BANNER
            assert img[y0 : y1 + 1, x0 : x1 + 1].max() == 0
        cap.release()
        assert n == (1 if suffix == ".png" else 12)
        approve(r.output)
        assert review_status(r.output) == "approved"


def test_unsupported_file_quarantined(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x07" * 300)
    r = deidentify_file(p, tmp_path / "o", DeidContext())
    assert r.status == "quarantined" and "not DICOM" in r.reason
    assert Path(r.report["sidecar"]).is_file()


def test_manual_keep_box_overrides_detection(tmp_path):
    """Faculty re-mask: exactly the drawn box is kept (DICOM without regions, and a still)."""
    from dataclasses import replace

    import phi_factory as pf2

    box = (30, 30, 129, 109)
    ctx = DeidContext()
    ctx.options = replace(ctx.options, manual_keep_box=box)
    amb = pf2.make_ambiguous(tmp_path / "amb.dcm")  # undetectable: would be quarantined
    r = deidentify_file(amb, tmp_path / "o", ctx)
    assert r.status == "cleaned" and r.report["pixels"]["kept_area"]["source"] == "manual"
    a, b = pydicom.dcmread(amb).pixel_array, pydicom.dcmread(r.output).pixel_array
    x0, y0, x1, y1 = box
    keep = np.zeros(a.shape, bool)
    keep[y0 : y1 + 1, x0 : x1 + 1] = True
    assert np.array_equal(a[keep], b[keep]) and (b[~keep] == 0).all()
    still = tmp_path / "s.png"
    cv2.imwrite(str(still), np.full((pf2.ROWS, pf2.COLS, 3), 120, np.uint8))
    r2 = deidentify_file(still, tmp_path / "o", ctx)
    assert r2.status == "cleaned"
    img = cv2.imread(str(r2.output))
    assert (img[y0 : y1 + 1, x0 : x1 + 1] == 120).all() and img[:y0].max() == 0
