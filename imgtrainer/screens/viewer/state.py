"""The cine viewer's state, with no Qt: frame, playback, view transform, tools, calipers, marks.

Widgets bind to ``changed`` (emitted with a short topic string such as ``"frame"``) and call the
methods below on user actions; every rule lives here so it is tested without a screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from imgtrainer.errors import CalibrationError
from imgtrainer.media.clip import Clip
from imgtrainer.screens.signal import Signal
from imgtrainer.screens.viewer import window_level
from imgtrainer.screens.viewer.calipers import Measurement, measure
from imgtrainer.screens.viewer.geometry import MAX_ZOOM, MIN_ZOOM, ViewGeometry, zoom_about
from imgtrainer.screens.viewer.playback import next_speed

Point = tuple[float, float]
TOOLS = ("navigate", "window_level", "distance", "ellipse", "trace", "mmode", "point", "line", "polygon")
CALIPER_TOOLS = ("distance", "ellipse", "trace")
MARK_TOOLS = ("point", "line", "polygon")


@dataclass(frozen=True)
class Mark:
    """A trainee or expert mark on one frame: a point, a line (2 points) or a polygon."""

    kind: str
    points: tuple[Point, ...]
    frame: int
    tag: str | None = None  # the practice question this mark answers


class ViewerState:
    """Everything the cine viewer shows; ``changed`` is emitted with the topic that changed."""

    def __init__(self) -> None:
        self.changed = Signal()
        self.clip: Clip | None = None
        self.index = 0
        self.playing = False
        self.speed = 1.0
        self.loop = True
        self.loop_range = False  # play and loop only the selected frame range (when one is set)
        self.zoom = 1.0
        self.pan = (0.0, 0.0)
        self.window = window_level.FULL_WINDOW
        self.level = window_level.MID_LEVEL
        self.tool = "navigate"
        self.mark_tag: str | None = None
        self.draft: list[Point] = []
        self.measurements: list[Measurement] = []
        self.marks: list[Mark] = []
        self.expert_marks: list[Mark] = []
        self.mmode_line: tuple[Point, Point] | None = None
        self.frame_range: tuple[int, int] | None = None
        self.answer_ranges: list[tuple[int, int]] = []  # the trainee's answered ranges (blue)
        self.expert_ranges: list[tuple[int, int]] = []  # shown after submission (orange)
        self.message = ""
        self.show_quality = False
        self.show_assist = False
        self.assist_locked = False
        self.assist_domain: str | None = None  # the clip's application once known (None: unknown)
        self.fullscreen = False

    # clip and frame -------------------------------------------------------------------------
    def set_clip(self, clip: Clip | None) -> None:
        """Show ``clip``; the state owns it and closes the clip it replaces (file, frame cache)."""
        old, self.clip = self.clip, clip
        self.index = 0
        self.playing = False
        self.reset_view(emit=False)
        self.clear_annotations(emit=False)
        self.frame_range = None
        self.answer_ranges, self.expert_ranges = [], []
        self.message = ""
        self.changed.emit("clip")
        if old is not None and old is not clip:
            old.close()

    def close_clip(self) -> None:
        """Stop playback and let go of the clip (its file and frame cache): a screen is closing."""
        self.pause()
        self.set_clip(None)

    @property
    def n_frames(self) -> int:
        return self.clip.n_frames if self.clip is not None else 0

    def set_index(self, index: int) -> None:
        """Show frame ``index`` (clamped to the clip)."""
        if self.clip is None:
            return
        index = max(0, min(int(index), self.n_frames - 1))
        if index != self.index:
            self.index = index
            self.changed.emit("frame")

    def step(self, delta: int) -> None:
        """Step ``delta`` frames and pause; wraps round when looping."""
        if self.clip is None:
            return
        self.pause()
        target = self.index + delta
        if self.loop:
            target %= self.n_frames
        self.set_index(target)

    def display_frame(self) -> np.ndarray | None:
        """The current frame with window/level applied (uint8, no copy at the default setting)."""
        if self.clip is None:
            return None
        return window_level.apply(self.clip.frame(self.index), self.window, self.level)

    # playback --------------------------------------------------------------------------------
    def play(self) -> None:
        if self.clip is not None and self.n_frames > 1 and not self.playing:
            first, last = self.play_range()
            if not self.loop and self.index == last:  # played to the end: start again
                self.index = first
            self.playing = True
            self.changed.emit("playing")

    def pause(self) -> None:
        if self.playing:
            self.playing = False
            self.changed.emit("playing")

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        self.changed.emit("speed")

    def faster(self) -> None:
        self.set_speed(next_speed(self.speed, +1))

    def slower(self) -> None:
        self.set_speed(next_speed(self.speed, -1))

    def set_loop(self, loop: bool) -> None:
        self.loop = bool(loop)
        self.changed.emit("loop")

    def set_loop_range(self, on: bool) -> None:
        """Confine playback to the selected frame range (a no-op until a range is selected)."""
        self.loop_range = bool(on)
        if self.loop_range and self.frame_range is None:
            self.message = "select a frame range first ([ and ]) to loop it"
            self.changed.emit("message")
        self.changed.emit("loop")

    def play_range(self) -> tuple[int, int]:
        """First and last frame that playback runs over (inclusive): the selected range when
        range looping is on and a range is selected, else the whole clip."""
        if self.loop_range and self.frame_range is not None:
            return self.frame_range
        return 0, max(0, self.n_frames - 1)

    # view transform and window/level ------------------------------------------------------------
    def geometry(self, widget_w: float, widget_h: float) -> ViewGeometry:
        cols, rows = (self.clip.cols, self.clip.rows) if self.clip is not None else (1, 1)
        return ViewGeometry(widget_w, widget_h, cols, rows, self.zoom, *self.pan)

    def zoom_at(self, factor: float, wx: float, wy: float, widget_w: float, widget_h: float) -> None:
        """Zoom by ``factor`` keeping the widget point (wx, wy) over the same image pixel."""
        self.zoom, px, py = zoom_about(self.geometry(widget_w, widget_h), factor, wx, wy)
        self.pan = (px, py)
        self.changed.emit("view")

    def set_zoom(self, zoom: float) -> None:
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, float(zoom)))
        self.changed.emit("view")

    def pan_by(self, dx: float, dy: float) -> None:
        self.pan = (self.pan[0] + dx, self.pan[1] + dy)
        self.changed.emit("view")

    def reset_view(self, emit: bool = True) -> None:
        self.zoom, self.pan = 1.0, (0.0, 0.0)
        self.window, self.level = window_level.FULL_WINDOW, window_level.MID_LEVEL
        if emit:
            self.changed.emit("view")

    def adjust_window_level(self, dx: float, dy: float) -> None:
        self.window, self.level = window_level.drag_to_window_level(self.window, self.level, dx, dy)
        self.changed.emit("view")

    def set_fullscreen(self, on: bool) -> None:
        self.fullscreen = bool(on)
        self.changed.emit("fullscreen")

    # tools, calipers and marks -----------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self.tool = tool
        self.draft = []
        self.changed.emit("tool")

    def set_mark_tag(self, tag: str | None) -> None:
        """New marks belong to practice question ``tag`` (None: free annotation)."""
        self.mark_tag = tag

    def set_message(self, message: str) -> None:
        self.message = message
        self.changed.emit("message")

    def press(self, p: Point) -> None:
        """Mouse press at image point ``p`` with the current tool."""
        if self.clip is None or self.tool in ("navigate", "window_level"):
            return
        self.pause()
        if self.tool == "point":
            self.marks.append(Mark("point", (p,), self.index, self.mark_tag))
            self.changed.emit("marks")
        elif self.tool == "polygon":
            self.draft.append(p)
            self.changed.emit("draft")
        else:
            self.draft = [p]
            self.changed.emit("draft")

    def drag(self, p: Point) -> None:
        if not self.draft or self.tool in ("point", "polygon"):
            return
        if self.tool == "trace":
            last = self.draft[-1]
            if math.hypot(p[0] - last[0], p[1] - last[1]) >= 1.0:
                self.draft.append(p)
        else:
            self.draft = [self.draft[0], p]
        self.changed.emit("draft")

    def release(self, p: Point) -> None:
        if not self.draft or self.tool in ("point", "polygon"):
            return
        self.drag(p)
        self.finish_draw()

    def finish_draw(self) -> None:
        """Turn the draft into a measurement, mark or M-mode line (polygons finish here too)."""
        pts, self.draft = list(self.draft), []
        tool = self.tool
        if tool in ("distance", "ellipse", "line", "mmode") and (
            len(pts) < 2 or math.hypot(pts[-1][0] - pts[0][0], pts[-1][1] - pts[0][1]) < 2
        ):
            self.changed.emit("draft")  # a click, not a drag: nothing to keep
            return
        if tool in CALIPER_TOOLS:
            try:
                m = measure(tool, pts, self.clip.regions if self.clip else [], self.index)
            except CalibrationError as exc:
                self.set_message(f"Measurement refused: {exc}")
                self.changed.emit("draft")
                return
            self.measurements.append(m)
            self.message = m.label
            self.changed.emit("measurements")
            self.changed.emit("message")
        elif tool == "mmode":
            self.mmode_line = (pts[0], pts[-1])
            self.changed.emit("mmode")
        elif tool == "line":
            self.marks.append(Mark("line", (pts[0], pts[-1]), self.index, self.mark_tag))
            self.changed.emit("marks")
        elif tool == "polygon":
            if len(pts) >= 3:
                self.marks.append(Mark("polygon", tuple(pts), self.index, self.mark_tag))
                self.changed.emit("marks")
            else:
                self.set_message("a polygon needs at least 3 points")
        self.changed.emit("draft")

    def undo(self) -> None:
        """Remove the draft, else the last mark, else the last measurement."""
        if self.draft:
            self.draft = []
            self.changed.emit("draft")
        elif self.marks:
            self.marks.pop()
            self.changed.emit("marks")
        elif self.measurements:
            self.measurements.pop()
            self.changed.emit("measurements")

    def add_marks(self, marks: list[Mark]) -> None:
        """Put back marks (e.g. a resumed attempt's answers)."""
        self.marks.extend(marks)
        self.changed.emit("marks")

    def remove_marks(self, tag: str | None) -> None:
        """Remove the marks belonging to practice question ``tag``."""
        self.marks = [m for m in self.marks if m.tag != tag]
        self.changed.emit("marks")

    def clear_annotations(self, emit: bool = True) -> None:
        self.draft, self.measurements, self.marks, self.expert_marks = [], [], [], []
        self.mmode_line = None
        if emit:
            for topic in ("draft", "measurements", "marks", "mmode"):
                self.changed.emit(topic)

    def set_expert_marks(self, marks: list[Mark]) -> None:
        self.expert_marks = list(marks)
        self.changed.emit("marks")

    # timeline range ------------------------------------------------------------------------------
    def set_frame_range(self, start: int | None, end: int | None) -> None:
        """Select frames ``start..end`` inclusive on the timeline (None clears it)."""
        if start is None or end is None or self.clip is None:
            self.frame_range = None
        else:
            a, b = sorted((int(start), int(end)))
            self.frame_range = (max(0, a), min(self.n_frames - 1, b))
        self.changed.emit("range")

    def set_timeline_ranges(
        self, answered: list[tuple[int, int]], expert: list[tuple[int, int]] | None = None
    ) -> None:
        """Ranges drawn on the timeline: the trainee's answers, and the expert's after submission."""
        self.answer_ranges = [tuple(r) for r in answered]
        if expert is not None:
            self.expert_ranges = [tuple(r) for r in expert]
        self.changed.emit("range")

    def range_mark_start(self) -> None:
        end = self.frame_range[1] if self.frame_range else self.index
        self.set_frame_range(self.index, max(end, self.index))

    def range_mark_end(self) -> None:
        start = self.frame_range[0] if self.frame_range else self.index
        self.set_frame_range(min(start, self.index), self.index)

    # overlays ------------------------------------------------------------------------------------
    def set_show_quality(self, on: bool) -> None:
        self.show_quality = bool(on)
        self.changed.emit("overlay")

    def set_show_assist(self, on: bool) -> None:
        """Show the lung-assist overlay; refused while locked (practice before submission)."""
        if on and self.assist_locked:
            self.show_assist = False
            self.set_message("Lung assist is hidden until you submit your answer")
        else:
            self.show_assist = bool(on)
        self.changed.emit("overlay")

    def set_assist_domain(self, domain: str | None) -> None:
        """The application of the clip on screen, when known: the lung assist runs only on lung
        clips and on clips of unknown application (a file opened for free study)."""
        self.assist_domain = domain
        self.changed.emit("overlay")

    def set_assist_locked(self, locked: bool) -> None:
        self.assist_locked = bool(locked)
        if locked:
            self.show_assist = False
        self.changed.emit("overlay")
