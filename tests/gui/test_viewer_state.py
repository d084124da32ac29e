"""The Qt-free viewer core: playback clock, geometry, window/level, calipers and tools."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from imgtrainer.errors import CalibrationError
from imgtrainer.gui import window_level
from imgtrainer.gui.calipers import measure
from imgtrainer.gui.playback import PlaybackClock, next_speed
from imgtrainer.gui.view_geometry import ViewGeometry, zoom_about
from imgtrainer.gui.viewer_state import ViewerState
from imgtrainer.media.clip import Region
from tests.gui.conftest import make_cine


def test_state_modules_do_not_import_qt() -> None:
    code = (
        "import sys, imgtrainer.gui.viewer_state, imgtrainer.gui.playback, imgtrainer.gui.calipers;"
        "print(any(m.startswith(('PyQt6','pyqtgraph')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clock_follows_variable_frame_times() -> None:
    clock = PlaybackClock(np.array([0.0, 0.1, 0.15, 0.4]))  # variable gaps: frame time vector
    clock.start(100.0, 0, 1.0)
    assert clock.frame_at(100.0, loop=True) == (0, False)
    assert clock.frame_at(100.12, loop=True) == (1, False)
    assert clock.frame_at(100.2, loop=True) == (2, False)
    assert clock.frame_at(100.45, loop=True) == (3, False)
    # period = 0.4 + mean gap (0.4/3): wraps to frame 0
    assert clock.frame_at(100.0 + 0.4 + 0.4 / 3 + 0.01, loop=True) == (0, False)
    assert clock.frame_at(101.0, loop=False) == (3, True)
    assert clock.next_change_in(100.12, loop=True) == pytest.approx(0.03)


def test_clock_speed_scales_time() -> None:
    clock = PlaybackClock(np.arange(30) / 30.0)
    clock.start(0.0, 10, 2.0)
    assert clock.frame_at(0.5, loop=True)[0] == 10  # 1 s of clip at 2x wraps back to frame 10
    clock.start(0.0, 0, 0.5)
    assert clock.frame_at(1.0, loop=True)[0] == 15
    assert next_speed(1.0, +1) == 1.5 and next_speed(1.0, -1) == 0.5 and next_speed(4.0, +1) == 4.0


def test_geometry_round_trip_and_zoom_about_fixed_point() -> None:
    g = ViewGeometry(800, 600, 400, 200, zoom=1.0)
    assert g.scale == 2.0
    assert g.to_image(*g.to_widget(123.5, 45.25)) == pytest.approx((123.5, 45.25))
    zoom, px, py = zoom_about(g, 2.0, 300, 250)
    g2 = ViewGeometry(800, 600, 400, 200, zoom, px, py)
    assert g2.to_image(300, 250) == pytest.approx(g.to_image(300, 250))


def test_window_level_lut() -> None:
    frame = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert window_level.apply(frame, 256, 127.5) is frame
    out = window_level.apply(frame, 100, 100)
    assert out[0, 0] == 0 and out.flat[50] == 0 and out.flat[150] == 255 and out.flat[100] in (127, 128)


def test_calipers_in_cm_and_refused_across_regions() -> None:
    regions = make_cine().regions
    d = measure("distance", [(10, 10), (40, 50)], regions)
    assert d.unit == "cm" and d.value == pytest.approx(50 * 0.05)
    e = measure("ellipse", [(10, 10), (30, 50)], regions)
    assert e.unit == "cm²" and e.value == pytest.approx(np.pi * 0.5 * 1.0)
    t = measure("trace", [(0, 0), (20, 0), (20, 20), (0, 20)], regions)
    assert t.value == pytest.approx(1.0)
    with pytest.raises(CalibrationError, match="two ultrasound regions"):
        measure("distance", [(10, 10), (120, 10)], regions)
    px = measure("distance", [(0, 0), (3, 4)], [Region(0, 0, 9, 9)])
    assert px.unit == "px" and px.value == 5


def test_state_loop_tools_and_messages() -> None:
    st = ViewerState()
    topics: list[str] = []
    st.changed.connect(topics.append)
    st.set_clip(make_cine())
    st.step(-1)
    assert st.index == st.n_frames - 1
    st.set_tool("distance")
    st.press((10, 10))
    st.drag((10, 30))
    st.release((10, 50))
    assert len(st.measurements) == 1 and st.measurements[0].value == pytest.approx(2.0)
    st.press((10, 10))
    st.release((150, 10))
    assert len(st.measurements) == 1 and "refused" in st.message
    st.set_tool("polygon")
    for p in [(5, 5), (30, 5), (30, 30)]:
        st.press(p)
    st.finish_draw()
    assert st.marks[-1].kind == "polygon" and len(st.marks[-1].points) == 3
    st.set_assist_locked(True)
    st.set_show_assist(True)
    assert not st.show_assist and "submit" in st.message
    st.set_frame_range(8, 3)
    assert st.frame_range == (3, 8)
    assert {"clip", "frame", "measurements", "message", "marks", "range"} <= set(topics)
