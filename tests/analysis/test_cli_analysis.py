from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.cli import main
from tests.analysis._synth import lung_clip, speckle_clip


def _write_avi(path: Path, frames: np.ndarray, fps: float = 20.0) -> Path:
    h, w = frames.shape[1:3]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for f in frames:
        vw.write(cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) if f.ndim == 2 else f)
    vw.release()
    return path


def test_quality_json_has_numeric_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames, _ = speckle_clip(n=1)
    png = tmp_path / "f.png"
    cv2.imwrite(str(png), frames[0])
    assert main(["quality", "--json", str(png)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out["score"], float) and 0 <= out["score"] <= 100
    assert out["acep"] in range(1, 6)


def test_quality_threshold_override_and_bad_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames, _ = speckle_clip(n=1)
    png = tmp_path / "f.png"
    cv2.imwrite(str(png), frames[0])
    assert main(["quality", "--json", "--threshold", "dark_mean=80", str(png)]) == 0
    assert "too dark" in " ".join(json.loads(capsys.readouterr().out)["reasons"])
    assert main(["quality", "--threshold", "nonsense=1", str(png)]) == 2  # usage: unknown threshold name
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_batch_folder_carries_on_after_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames, _ = speckle_clip(n=1)
    cv2.imwrite(str(tmp_path / "a.png"), frames[0])
    (tmp_path / "broken.dcm").write_bytes(b"\x00" * 128 + b"DICM" + b"\x01\x02garbage")
    assert main(["quality", "--json", str(tmp_path)]) == 1
    cap = capsys.readouterr()
    out = json.loads(cap.out)
    assert out["summary"]["n_ok"] == 1 and out["summary"]["n_failed"] == 1
    assert "Traceback" not in cap.err


def test_assist_json_on_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = _write_avi(tmp_path / "lung.avi", lung_clip(n=12, blines=(50, 100, 150)))
    assert main(["assist", "--json", str(video)]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("pleura", "a_lines", "b_lines", "sliding", "lus_score"):
        assert key in out
    assert out["b_lines"]["present"] is True and out["b_lines"]["counted_max"] >= 2
    for name in ("b_lines", "a_lines"):  # calibrated probability, decision or null, confidence
        d = out[name]
        assert 0.0 <= d["probability"] <= 1.0 and d["present"] in (True, False, None)
        assert d["confidence"] == pytest.approx(max(d["probability"], 1 - d["probability"]), abs=1e-3)
        if d["present"] is not None:
            assert d["present"] is (d["probability"] >= 0.5)
    assert out["lus_reason"].endswith(f"(score {out['lus_score']})")
    # three B-lines erase part of the A-lines: the A-line call is unsure, so is the LUS
    assert out["a_lines"]["present"] is None and out["lus_certain"] is False
    assert main(["assist", str(video)]) == 0
    line = capsys.readouterr().out.strip()
    assert "A-lines uncertain, look again (p=0." in line and "suggested LUS: uncertain, look again" in line
    assert "suggested LUS 1" not in line


def test_assist_text_says_why_when_sure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = _write_avi(tmp_path / "lung.avi", lung_clip(n=12, blines=()))
    assert main(["assist", "--json", str(video)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["b_lines"]["present"] is False and out["lus_certain"] is True
    assert main(["assist", str(video)]) == 0
    line = capsys.readouterr().out.strip()
    # the text line says why, without repeating the score
    assert f"suggested LUS {out['lus_score']}: " in line and "(score" not in line, line


def test_assist_missing_file_is_one_clean_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assist", "--json", str(tmp_path / "nope.mp4")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("imgtrainer: error:") and "Traceback" not in err


def test_mmode_writes_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = _write_avi(tmp_path / "lung.avi", lung_clip(n=10))
    out = tmp_path / "mm.png"
    assert main(["mmode", str(video), "--line", "100,0,100,200", "-o", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    img = cv2.imread(str(out), cv2.IMREAD_GRAYSCALE)
    assert img.shape == (info["rows"], info["columns"]) and info["columns"] >= 10
    assert main(["mmode", str(video), "--line", "1,2,3", "-o", str(out)]) == 2  # usage: malformed --line
