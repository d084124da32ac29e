"""`imgtrainer info` and `imgtrainer frame` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.cli import main
from imgtrainer.media import Region
from imgtrainer.media.dicom_writer import write_dicom_cine


def test_info_json_folder_with_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = np.zeros((4, 30, 40, 3), np.uint8)
    region = Region(0, 0, 39, 29, units_x="cm", units_y="cm", delta_x=0.1, delta_y=0.1)
    write_dicom_cine(
        tmp_path / "a" / "good.dcm", frames, frame_time_ms=50, regions=[region], manufacturer="ACME"
    )
    (tmp_path / "a" / "junk.dcm").write_bytes(b"hello" * 50)
    (tmp_path / "a" / "notes.txt").write_text("skipped")
    rc = main(["info", "--json", str(tmp_path)])
    out = capsys.readouterr()
    assert rc == 1
    entries = {Path(e["path"]).name: e for e in json.loads(out.out)}
    assert set(entries) == {"good.dcm", "junk.dcm"}
    good = entries["good.dcm"]
    assert (
        good["frames"] == 4
        and good["fps"] == pytest.approx(20.0)
        and good["duration_s"] == pytest.approx(0.2)
    )
    assert good["transfer_syntax"] == "1.2.840.10008.1.2.1"
    assert good["transfer_syntax_name"] == "Explicit VR Little Endian"
    assert good["regions"][0]["delta_x"] == pytest.approx(0.1) and good["manufacturer"] == "ACME"
    assert entries["junk.dcm"]["error_type"] == "NotDicomError"
    assert "Traceback" not in out.err


def test_info_text_one_line_per_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.dcm").write_bytes(bytes(300))
    rc = main(["info", str(tmp_path / "x.dcm")])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.strip().count("\n") == 0 and "x.dcm" in err


def test_frame_writes_rgb_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = np.zeros((3, 10, 12, 3), np.uint8)
    frames[2, ..., 0] = 250  # frame 2 is red
    path = write_dicom_cine(tmp_path / "c.dcm", frames)
    out = tmp_path / "f.png"
    assert main(["frame", str(path), "--index", "2", "-o", str(out)]) == 0
    bgr = cv2.imread(str(out))
    assert tuple(bgr[0, 0]) == (0, 0, 250)
    assert (
        main(["frame", str(path), "--index", "9", "-o", str(out)]) == 2
    )  # a usage error: --index out of range
    assert "out of range" in capsys.readouterr().err


def test_info_verify_decodes_every_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = np.zeros((3, 16, 16), np.uint8)
    path = write_dicom_cine(tmp_path / "r.dcm", frames, transfer_syntax="rle")
    data = bytearray(path.read_bytes())
    data[-40:-8] = b"\xff" * 32  # corrupt the last RLE frame, keep the structure
    path.write_bytes(bytes(data))
    assert main(["info", "--json", str(path)]) == 0  # headers and layout are fine
    capsys.readouterr()
    assert main(["info", "--json", "--verify", str(path)]) == 1
    entry = json.loads(capsys.readouterr().out)[0]
    assert entry["error_type"] == "MediaError" and "frame 2" in entry["error"]
