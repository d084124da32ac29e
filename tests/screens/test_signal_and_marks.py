"""The Qt-free signal (blocking, dead views, disconnect) and key marks shown in the viewer."""

from __future__ import annotations

import math

import pytest

from imgtrainer.library.models import Mark as KeyMark
from imgtrainer.screens.practice import core_mark_to_view
from imgtrainer.screens.signal import Signal


def test_signal_blocks_forgets_deleted_views_and_disconnects() -> None:
    sig, seen = Signal(), []
    sig.connect(seen.append)
    sig.connect(seen.append)  # the same slot twice is connected once
    assert len(sig) == 1
    sig.block()
    sig.emit("hidden")
    sig.block(False)
    sig.emit("shown")
    assert seen == ["shown"]

    def dead_view(_topic: str) -> None:
        raise RuntimeError("wrapped C/C++ object of type QLabel has been deleted")

    sig.connect(dead_view)
    sig.emit("again")  # the dead view is dropped, the live one still called
    assert len(sig) == 1 and seen == ["shown", "again"]

    def broken(_topic: str) -> None:
        raise RuntimeError("a real bug")

    sig.connect(broken)
    with pytest.raises(RuntimeError, match="real bug"):
        sig.emit("x")
    sig.disconnect(broken)
    sig.disconnect()
    assert len(sig) == 0


def test_key_ellipse_becomes_a_24_point_outline_on_its_frame() -> None:
    view = core_mark_to_view(KeyMark(type="ellipse", points=[(10, 20), (30, 60)], frame=3))
    assert view.kind == "polygon" and len(view.points) == 24 and view.frame == 3
    for x, y in view.points:  # every point lies on the ellipse centred (20, 40), radii 10 x 20
        assert math.isclose(((x - 20) / 10) ** 2 + ((y - 40) / 20) ** 2, 1.0, rel_tol=1e-9)
    line = core_mark_to_view(KeyMark(type="line", points=[(0, 0), (5, 5)]))
    assert line.kind == "line" and line.frame == 0
