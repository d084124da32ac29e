"""The viewer state driven by the Qt player: clip ownership and range-only playback."""

from __future__ import annotations

import numpy as np

from imgtrainer.screens.viewer.state import ViewerState
from tests.screens.cine import make_cine


def test_viewer_state_owns_its_clip_and_closes_the_one_it_replaces(qapp) -> None:
    closed: list[str] = []

    def spy(name: str):
        clip = make_cine(n=4)
        clip.close = lambda: closed.append(name)  # type: ignore[method-assign]
        return clip

    st = ViewerState()
    first, second = spy("first"), spy("second")
    st.set_clip(first)
    st.set_clip(first)  # the same clip again: kept open
    assert closed == []
    st.set_clip(second)
    assert closed == ["first"] and st.clip is second
    st.close_clip()  # a screen closing: playback stops, the clip is let go
    assert closed == ["first", "second"] and st.clip is None and not st.playing


def test_range_only_playback_loops_the_selected_frames(qtbot) -> None:
    """With "Range only" on, playback starts at the range and loops inside it; off, it covers
    the whole clip again. Without a range selected the state says how to select one."""
    from imgtrainer.gui.viewer.player import Player
    from imgtrainer.media.clip import ArrayClip
    from imgtrainer.screens.viewer.state import ViewerState

    st = ViewerState()
    player = Player(st)
    st.set_clip(ArrayClip(np.zeros((40, 8, 8), np.uint8), fps=100.0))
    st.set_loop_range(True)
    assert "range" in st.message and st.play_range() == (0, 39)
    st.set_frame_range(10, 14)
    assert st.play_range() == (10, 14)
    seen: list[int] = []
    st.changed.connect(lambda topic: seen.append(st.index) if topic == "frame" else None)
    st.play()
    qtbot.wait(400)  # 40 frame intervals at 100 fps: the 5-frame range loops several times
    st.pause()
    assert seen and min(seen) == 10 and max(seen) == 14, seen
    assert seen.count(10) >= 2  # it came round again
    st.set_loop_range(False)
    seen.clear()
    st.play()
    qtbot.wait(400)
    st.pause()
    assert max(seen) > 14, seen
    del player
