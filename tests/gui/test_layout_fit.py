"""The practice and progress screens show every label whole, on a 1366x768 laptop and on a
1920x1080 window at 200 % scaling (each application's case, the busiest logbook)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from imgtrainer.resources import demo_library_dir
from tests.gui import layout_probe
from tests.gui.fit import text_faults

ROOT = Path(__file__).resolve().parents[2]


def _faults(result: dict) -> list[str]:
    return [
        f"{screen}/{part}: {fault}"
        for screen in ("practice", "progress")
        for part, faults in result[screen].items()
        for fault in faults
    ]


def test_the_detector_flags_cut_labels_and_lets_paragraphs_wrap(qtbot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    cut = QLabel("Vessel over the cricothyroid membrane", box)
    cut.setFixedWidth(90)
    paragraph = QLabel("A long hint that is meant to wrap over several lines of the panel.", box)
    paragraph.setWordWrap(True)
    paragraph.setFixedWidth(90)
    fits = QLabel("OK", box)
    for w in (cut, paragraph, fits):
        layout.addWidget(w)
    box.show()
    qtbot.waitExposed(box)
    faults = text_faults(box)
    assert len(faults) == 1 and "Vessel over the" in faults[0], faults


def test_practice_and_progress_fit_a_1366x768_laptop(qtbot) -> None:
    library = demo_library_dir()
    if not any(library.glob("*/case.json")):
        pytest.skip("the demo library is not built")
    app = QApplication.instance()
    sheet, font = app.styleSheet(), app.font()
    try:  # the probe styles the app as `imgtrainer gui` does; other tests keep the plain style
        result = layout_probe.probe("1366x768", library)
    finally:
        app.setStyleSheet(sheet)
        app.setFont(font)
    assert result["window"] == [1366, 768]
    assert len(result["practice"]) == 5  # one case per application, every question shown
    assert set(result["progress"]) == {"airway", "lung", "gastric", "cardiac", "fast"}
    assert _faults(result) == []


def test_practice_and_progress_fit_1920x1080_at_200_percent(tmp_path) -> None:
    library = demo_library_dir()
    if not any(library.glob("*/case.json")):
        pytest.skip("the demo library is not built")
    env = {
        **os.environ,
        "QT_SCALE_FACTOR": "2",
        "QT_QPA_PLATFORM": "offscreen",
        "IMGTRAINER_HOME": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-m", "tests.gui.layout_probe", "1920x1080", str(library)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["device_pixel_ratio"] == 2.0 and result["window"] == [1920, 1080]
    assert len(result["practice"]) == 5
    assert _faults(result) == []
