"""The Qt-free viewer core: playback clock, geometry, window/level, calipers and tools."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from imgtrainer.errors import CalibrationError
from imgtrainer.media.clip import Region
from imgtrainer.screens.viewer import window_level
from imgtrainer.screens.viewer.calipers import measure
from imgtrainer.screens.viewer.geometry import ViewGeometry, zoom_about
from imgtrainer.screens.viewer.playback import PlaybackClock, next_speed
from imgtrainer.screens.viewer.state import ViewerState
from tests.screens.cine import make_cine


def test_state_modules_do_not_import_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, imgtrainer.screens as s;"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(s.__path__, 'imgtrainer.screens.')];"
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
    with pytest.raises(CalibrationError, match="span two regions"):
        measure("distance", [(10, 10), (120, 10)], regions)
    px = measure("distance", [(0, 0), (3, 4)], [Region(0, 0, 9, 9)])
    assert px.unit == "px" and px.value == 5
    e = measure("ellipse", [(0, 0), (20, 40)], [])
    assert e.unit == "px²" and e.value == pytest.approx(np.pi * 10 * 20)
    assert measure("trace", [(0, 0), (4, 0), (4, 3)], []).value == pytest.approx(6.0)


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
    assert (
        len(st.measurements) == 1
        and st.message.startswith("Measurement refused")
        and "two regions" in st.message
    )
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


def test_assist_drawables_pick_nearest_analysed_frame() -> None:
    from imgtrainer.screens.viewer.assist import drawables, summary_lines

    report = {
        "pleura": {"present": True, "positions": [[10, 20], [50, 22], [90, 21]]},
        "a_lines": {"present": True, "positions": [{"multiple": 2, "points": [[10, 40], [90, 41]]}]},
        "b_lines": {
            "present": True,
            "counted_max": 2,
            "positions": [
                {"frame": 0, "x0": 30, "y0": 22, "x1": 30, "y1": 100},
                {"frame": 8, "x0": 40, "y0": 22, "x1": 42, "y1": 100},
                {"frame": 8, "x0": 60, "y0": 22, "x1": 61, "y1": 100},
            ],
        },
        "sliding": {"status": "present"},
        "lus_score": 1,
        "lus_reason": "separate B-lines, up to 2 in a frame (score 1)",
    }
    roles = [d.role for d in drawables(report, frame=6)]
    assert roles == ["pleura", "a_line", "b_line", "b_line"]
    assert [d.role for d in drawables(report, frame=1)].count("b_line") == 1
    text = "\n".join(summary_lines(report))
    assert "B-lines: 2" in text and "LUS score: 1" in text and "advisory" in text
    assert summary_lines(report)[-1] == "  (separate B-lines, up to 2 in a frame)"  # why, without "(score 1)"


def test_assist_text_says_look_again_instead_of_a_guess() -> None:
    from imgtrainer.screens.viewer.assist import summary_lines

    report = {
        "pleura": {"present": True},
        "a_lines": {"present": False, "probability": 0.21},
        "b_lines": {"present": None, "probability": 0.54, "counted_max": 3},
        "sliding": {"status": "present"},
        "lus_score": 1,
        "lus_certain": False,
        "lus_reason": "separate B-lines, up to 3 in a frame (score 1)",
    }
    text = summary_lines(report)
    assert "A-lines: no (p 0.21)" in text
    assert "B-lines: uncertain, look again (p 0.54)" in text
    assert text[-1] == "Suggested LUS score: uncertain, look again"  # no score, no reason
    assert not any("3 (max" in t or "score: 1" in t for t in text)


def test_practice_state_keyboard_answers_and_measurement() -> None:
    from imgtrainer.screens.practice import PracticeState, response_to_raw
    from imgtrainer.training.questions import QuestionSet, QuestionView, ScaleView
    from imgtrainer.training.responses import parse_response

    qset = QuestionSet(
        case_id="c1",
        domain="lung",
        questions=[
            QuestionView(
                id="lus",
                step="interpretation",
                kind="ordinal",
                prompt="LUS",
                scale=[ScaleView(value=v, label=str(v)) for v in range(4)],
            ),
            QuestionView(id="depth", step="interpretation", kind="measurement", prompt="depth", unit="cm"),
            QuestionView(id="n", step="interpretation", kind="count", prompt="count"),
        ],
    )
    t = [0.0]
    ps = PracticeState(clock=lambda: t[0])
    ps.load(qset)
    t[0] = 4.0
    ps.answer_digit(1)  # ordinal by position: value 0, then focus moves on
    assert ps.answers["lus"] == 0 and ps.focus == 1
    viewer = ViewerState()
    viewer.set_clip(make_cine())
    ps.take_measurement("depth", viewer)
    assert "distance" in ps.error and "depth" not in ps.answers
    viewer.set_tool("distance")
    viewer.press((10, 10))
    viewer.release((10, 50))
    ps.take_measurement("depth", viewer)
    assert ps.answers["depth"]["value"] == pytest.approx(2.0) and ps.answers["depth"]["unit"] == "cm"
    assert not ps.set_answer("n", -3) and "n" not in ps.answers  # invalid answers are refused with a reason
    resp = ps.responses()
    assert resp["lus"].time_s == pytest.approx(4.0)
    for qid in ("lus", "depth"):
        assert parse_response(qset.question(qid), response_to_raw(resp[qid])) == resp[qid].model_copy(
            update={"time_s": None}
        )


def test_drawn_marks_become_the_mark_types_a_question_accepts() -> None:
    from imgtrainer.screens.practice import PracticeState
    from imgtrainer.training.questions import QuestionSet, QuestionView

    qset = QuestionSet(
        case_id="c1",
        domain="gastric",
        questions=[
            QuestionView(
                id="antrum", step="interpretation", kind="marks", prompt="outline", mark_types=["ellipse"]
            ),
            QuestionView(
                id="trace",
                step="interpretation",
                kind="marks",
                prompt="trace",
                mark_types=["polyline", "line"],
            ),
        ],
    )
    ps = PracticeState()
    ps.load(qset)
    st = ViewerState()
    st.set_clip(make_cine())
    st.set_tool("polygon")
    st.set_mark_tag("antrum")
    for p in [(10, 10), (40, 12), (30, 50)]:
        st.press(p)
    st.finish_draw()
    ps.take_marks("antrum", st)
    assert ps.answers["antrum"] == [{"type": "ellipse", "points": [[10, 10], [40, 50]], "frame": 0}]
    st.set_mark_tag("trace")
    for p in [(5, 5), (20, 5), (20, 20)]:
        st.press(p)
    st.finish_draw()
    ps.take_marks("trace", st)
    assert ps.answers["trace"][0]["type"] == "polyline"
